package dev.verity.tensor;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static dev.verity.tensor.TestTensors.assertTensor;
import static dev.verity.tensor.TestTensors.gradCheck;
import static dev.verity.tensor.TestTensors.s;
import static dev.verity.tensor.TestTensors.t;
import static dev.verity.tensor.TestTensors.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AdjointOps} on both algebras the bound engine uses. (a) Every map is the transpose of its
 * forward op: {@code <A x, y> = <x, A^T y>} for random x and y, evaluated through
 * {@link TensorOps} and through a {@link Tape}, which must agree. (b) The tape's gradients match
 * central differences. (c) Hand-computed values pin down repeated indices and the row sums.
 */
class AdjointOpsTest {
    private static final double RTOL = 1e-6;
    private final Random r = new Random(20240917);

    /** The tape an adjoint is recorded on and the variable it is applied to. */
    private record OnTape(Tape tape, Var y) {}

    private static double dot(Tensor a, Tensor b) {
        assertArrayEquals(a.shape(), b.shape(), "shapes of the inner product");
        double s = 0;
        for (int i = 0; i < a.size(); i++) s += a.data()[i] * b.data()[i];
        return s;
    }

    /**
     * Asserts {@code <forward(x), y> = <x, adjoint(y)>} with the adjoint evaluated by both
     * algebras (on the tape from a variable, so the recorded path is the one checked).
     */
    private void assertAdjoint(Tensor x, Function<Tensor, Tensor> forward,
                               Function<Tensor, Tensor> plainAdjoint, Function<OnTape, Var> tapeAdjoint) {
        Tensor ax = forward.apply(x);
        Tensor y = uniform(r, -1, 1, ax.shape());
        Tensor aty = plainAdjoint.apply(y);
        assertArrayEquals(x.shape(), aty.shape(), "adjoint shape");
        double scale = Math.max(1.0, Math.abs(dot(ax, y)));
        assertEquals(dot(ax, y), dot(x, aty), 1e-12 * scale * Math.max(1, x.size()));
        Tape tape = new Tape();
        Var yv = tape.variable(y);
        Var out = tapeAdjoint.apply(new OnTape(tape, yv));
        assertTrue(out.requiresGrad(), "recorded on the tape");
        assertArrayEquals(aty.data(), out.value().data(), 0.0, "tape and TensorOps agree");
    }

    private static final TensorOps OPS = TensorOps.INSTANCE;

    // ---- (a) adjoint identities against the forward ops ----

    @Test void conv2dAdjointIdentity() {
        record Case(int[] x, int[] w, ConvGeometry g) {}
        List<Case> cases = List.of(
                new Case(s(2, 3, 5, 5), s(4, 3, 3, 3), ConvGeometry.simple(1, 1)),
                // stride 2 on an even input: the last row/column is never read
                new Case(s(2, 2, 8, 7), s(3, 2, 3, 2), new ConvGeometry(2, 2, 0, 1, 0, 1, 1, 1, 1)),
                // asymmetric padding, dilation and groups all at once
                new Case(s(1, 4, 7, 6), s(6, 2, 2, 3), new ConvGeometry(2, 1, 1, 0, 2, 1, 2, 2, 2)),
                // depthwise 1x1 takes the direct (no im2col) path
                new Case(s(3, 4, 3, 3), s(4, 1, 1, 1), new ConvGeometry(1, 1, 0, 0, 0, 0, 1, 1, 4)));
        for (Case c : cases) {
            Tensor x = uniform(r, -1, 1, c.x()), w = uniform(r, -1, 1, c.w());
            int inH = c.x()[2], inW = c.x()[3];
            assertAdjoint(x, v -> OPS.conv2d(v, w, null, c.g()),
                    y -> OPS.conv2dAdjoint(y, w, c.g(), inH, inW),
                    f -> f.tape().conv2dAdjoint(f.y(), w, c.g(), inH, inW));
        }
    }

    @Test void avgPool2dAdjointIdentity() {
        for (boolean include : new boolean[] {true, false}) {
            List<PoolGeometry> geometries = List.of(
                    PoolGeometry.simple(2, 2),
                    new PoolGeometry(3, 2, 2, 1, 1, 0, 1, 1, 1, 2, true, include),     // ceil mode, dilation
                    new PoolGeometry(3, 3, 1, 2, 1, 1, 1, 1, 1, 1, false, include));   // overlapping, padded
            for (PoolGeometry g : geometries) {
                Tensor x = uniform(r, -1, 1, 2, 3, 6, 5);
                assertAdjoint(x, v -> OPS.avgPool2d(v, g),
                        y -> OPS.avgPool2dAdjoint(y, g, 6, 5),
                        f -> f.tape().avgPool2dAdjoint(f.y(), g, 6, 5));
            }
        }
    }

    @Test void padAdjointIdentity() {
        for (int[] pads : new int[][] {{0, 2, 1, 0, 1, 3}, {1, 0, 0, 2, 0, 1}}) { // the second pads the batch axis too
            Tensor x = uniform(r, -1, 1, 2, 3, 4);
            assertAdjoint(x, v -> OPS.pad(v, pads, 0.0),
                    y -> OPS.padAdjoint(y, pads),
                    f -> f.tape().padAdjoint(f.y(), pads));
        }
    }

    @Test void scatterIsTheAdjointOfGather() {
        int[] index = {4, 0, 4, 2, 4, 6}; // repeats, and columns 1, 3, 5 never selected
        Tensor x = uniform(r, -1, 1, 3, 7);
        assertAdjoint(x, v -> OPS.gatherColumns(v, index),
                y -> OPS.scatterColumns(y, index, 7),
                f -> f.tape().scatterColumns(f.y(), index, 7));
        // and the other way round
        Tensor z = uniform(r, -1, 1, 3, 6);
        assertAdjoint(z, v -> OPS.scatterColumns(v, index, 7),
                y -> OPS.gatherColumns(y, index),
                f -> f.tape().gatherColumns(f.y(), index));
    }

    @Test void sumRowsIsTheAdjointOfBroadcastingARow() {
        Tensor x = uniform(r, -1, 1, 3);
        int[] shape = {3, 2, 4};
        // forward: x[b] copied over row b; its adjoint sums each row
        assertAdjoint(x, v -> Reduce.sumRowsBackward(v, shape),
                y -> OPS.sumRows(y), f -> f.tape().sumRows(f.y()));
    }

    // ---- (b) tape gradients against central differences ----

    @Test void conv2dAdjointGradient() {
        ConvGeometry g = new ConvGeometry(2, 1, 1, 0, 2, 1, 1, 2, 2);
        Tensor w = uniform(r, -1, 1, 4, 2, 3, 2);
        int oh = g.outH(5, 3), ow = g.outW(6, 2); // the forward conv of a [2, 4, 5, 6] input
        gradCheck(101, RTOL, (t, in) -> t.conv2dAdjoint(in.get(0), w, g, 5, 6), uniform(r, -1, 1, 2, 4, oh, ow));
        ConvGeometry direct = new ConvGeometry(1, 1, 0, 0, 0, 0, 1, 1, 1);
        Tensor w1 = uniform(r, -1, 1, 3, 2, 1, 1);
        gradCheck(102, RTOL, (t, in) -> t.conv2dAdjoint(in.get(0), w1, direct, 3, 3),
                uniform(r, -1, 1, 2, 3, 3, 3));
    }

    @Test void avgPool2dAdjointGradient() {
        for (boolean include : new boolean[] {true, false}) {
            PoolGeometry g = new PoolGeometry(3, 2, 2, 2, 1, 1, 1, 0, 1, 1, true, include);
            int oh = g.outH(5), ow = g.outW(5);
            gradCheck(include ? 103 : 104, RTOL, (t, in) -> t.avgPool2dAdjoint(in.get(0), g, 5, 5), uniform(r, -1, 1, 2, 2, oh, ow));
        }
    }

    @Test void padAdjointGradient() {
        gradCheck(105, RTOL, (t, in) -> t.padAdjoint(in.get(0), new int[] {1, 1, 2, 0, 1, 1}), uniform(r, -1, 1, 3, 4, 5));
    }

    @Test void scatterAndGatherGradients() {
        int[] index = {2, 0, 2, 3, 2};
        gradCheck(106, RTOL, (t, in) -> t.scatterColumns(in.get(0), index, 5), uniform(r, -1, 1, 2, 5));
        gradCheck(107, RTOL, (t, in) -> t.gatherColumns(in.get(0), index), uniform(r, -1, 1, 2, 4));
    }

    @Test void sumRowsGradient() {
        gradCheck(108, RTOL, (t, in) -> t.sumRows(in.get(0)), uniform(r, -1, 1, 2, 3, 2, 2));
        gradCheck(109, RTOL, (t, in) -> t.sumRows(in.get(0)), uniform(r, -1, 1, 4)); // rank 1: identity
    }

    /**
     * A miniature alpha-CROWN step: coefficients are gathered, scaled by trainable slopes, pushed
     * back through pooling, a convolution and padding, and dotted with a fixed centre; the gradient
     * reaches the slopes through every adjoint at once.
     */
    @Test void backSubstitutionChainGradient() {
        ConvGeometry g = new ConvGeometry(1, 1, 1, 1, 1, 1, 1, 1, 1);
        PoolGeometry pool = PoolGeometry.simple(2, 2);
        Tensor w = uniform(r, -0.5, 0.5, 2, 3, 3, 3), centre = uniform(r, -1, 1, 1, 3, 6, 6);
        int[] index = {1, 7, 7, 0, 5};
        gradCheck(110, RTOL, (t, in) -> {
            Var a = t.scatterColumns(in.get(0), index, 8);                 // [2, 8]: two specs
            Var slopes = t.mul(a, in.get(1));                                // relaxation slopes per neuron
            Var img = t.reshape(slopes, 2, 2, 2, 2);                         // [2, O=2, 2, 2]
            Var up = t.avgPool2dAdjoint(img, pool, 4, 4);                    // [2, 2, 4, 4]
            Var back = t.conv2dAdjoint(up, w, g, 4, 4);                      // [2, 3, 4, 4]
            Var cropped = t.padAdjoint(t.pad(back, new int[] {0, 0, 1, 1, 0, 0, 1, 1}, 0.0), new int[] {0, 0, 1, 1, 0, 0, 1, 1});
            Var full = t.pad(cropped, new int[] {0, 0, 1, 1, 0, 0, 1, 1}, 0.0); // [2, 3, 6, 6]
            return t.sumRows(t.mul(full, t.constant(centre)));               // [2]
        }, uniform(r, -1, 1, 2, 5), uniform(r, 0.1, 1, 2, 8));
    }

    // ---- (c) hand-computed examples ----

    @Test void scatterWithRepeatedIndicesByHand() {
        Tensor a = t(s(2, 3), 1, 2, 3, 4, 5, 6);
        int[] index = {2, 0, 2};
        double[] expected = {2, 0, 4, 0, 5, 0, 10, 0}; // column 2 gets a[.,0] + a[.,2]; columns 1, 3 stay 0
        assertTensor(s(2, 4), expected, OPS.scatterColumns(a, index, 4), 0.0);
        Tape tape = new Tape();
        Var av = tape.variable(a);
        Var out = tape.scatterColumns(av, index, 4);
        assertTensor(s(2, 4), expected, out.value(), 0.0);
        // d sum(out * c) / d a[b, j] = c[b, index[j]]
        tape.backward(tape.sum(tape.mul(out, tape.constant(t(s(2, 4), 1, 10, 100, 1000, 2, 20, 200, 2000)))));
        assertTensor(s(2, 3), new double[] {100, 1, 100, 200, 2, 200}, av.grad(), 0.0);
    }

    @Test void gatherWithRepeatedIndicesByHand() {
        Tensor a = t(s(2, 4), 1, 2, 3, 4, 5, 6, 7, 8);
        int[] index = {3, 3, 0};
        assertTensor(s(2, 3), new double[] {4, 4, 1, 8, 8, 5}, OPS.gatherColumns(a, index), 0.0);
        assertTensor(s(2, 0), new double[0], OPS.gatherColumns(a, new int[0]), 0.0);
        Tape tape = new Tape();
        Var av = tape.variable(a);
        tape.backward(tape.sum(tape.gatherColumns(av, index)));
        // column 3 was read twice, column 0 once, the others never
        assertTensor(s(2, 4), new double[] {1, 0, 0, 2, 1, 0, 0, 2}, av.grad(), 0.0);
    }

    @Test void sumRowsByHand() {
        Tensor a = t(s(2, 2, 2), 1, 2, 3, 4, -1, 0.5, 0.25, 10);
        assertTensor(s(2), new double[] {10, 9.75}, OPS.sumRows(a), 0.0);
        assertTensor(s(3), new double[] {1, -2, 3}, OPS.sumRows(t(s(3), 1, -2, 3)), 0.0); // rank 1: each row is one value
        assertTensor(s(2), new double[] {0, 0}, OPS.sumRows(Tensor.zeros(2, 0)), 0.0);   // empty rows sum to 0
        Tape tape = new Tape();
        Var av = tape.variable(a);
        Var rows = tape.sumRows(av);
        assertTensor(s(2), new double[] {10, 9.75}, rows.value(), 0.0);
        tape.backward(tape.sum(tape.mul(rows, tape.constant(t(s(2), 3, -1)))));
        assertTensor(s(2, 2, 2), new double[] {3, 3, 3, 3, -1, -1, -1, -1}, av.grad(), 0.0);
    }

    // ---- contracts ----

    @Test void constantsAreNotRecorded() {
        Tape tape = new Tape();
        Var c = tape.constant(uniform(r, -1, 1, 2, 3));
        assertFalse(tape.scatterColumns(c, new int[] {0, 1, 1}, 2).requiresGrad());
        assertFalse(tape.gatherColumns(c, new int[] {2}).requiresGrad());
        assertFalse(tape.sumRows(c).requiresGrad());
    }

    @Test void rejectsBadArguments() {
        Tensor a = uniform(r, -1, 1, 2, 3);
        assertThrows(IndexOutOfBoundsException.class, () -> OPS.scatterColumns(a, new int[] {0, 1, 3}, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> OPS.gatherColumns(a, new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> OPS.scatterColumns(a, new int[] {0, 1}, 3)); // n != index.length
        assertThrows(IllegalArgumentException.class, () -> OPS.gatherColumns(uniform(r, -1, 1, 2, 3, 1), new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> OPS.sumRows(Tensor.scalar(1.0)));
        Tape tape = new Tape();
        assertThrows(IllegalArgumentException.class, () -> tape.gatherColumns(tape.variable(Tensor.vector(1, 2)), new int[] {0}));
        Tensor y = uniform(r, -1, 1, 1, 2, 3, 3);
        assertThrows(IllegalArgumentException.class, () -> OPS.conv2dAdjoint(y, uniform(r, -1, 1, 2, 1, 3, 3), ConvGeometry.simple(1, 0), 6, 6));
        assertThrows(IllegalArgumentException.class, () -> OPS.avgPool2dAdjoint(y, PoolGeometry.simple(2, 2), 3, 3));
        assertThrows(IllegalArgumentException.class, () -> OPS.padAdjoint(y, new int[] {0, 0, 2, 0, 0, 0, 2, 0}));
    }

    @Test void float32OpsStaysOutOfBoundComputations() {
        Object f32 = Float32Ops.INSTANCE;
        assertFalse(f32 instanceof AdjointOps<?>, "float32 rounding is for concrete re-checks only");
    }
}
