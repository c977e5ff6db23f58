package dev.verity.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fused sign-split ops of back-substitution against their definitions, and their tape gradients. */
class SignSplitTest {
    private final SplittableRandom rnd = new SplittableRandom(5);

    private Tensor random(int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = rnd.nextDouble(-1, 1);
        return t;
    }

    @Test
    void mulBySignMatchesDefinitionForSharedAndPerRowFactors() {
        Tensor a = random(3, 2, 9); // 18 values per row; odd sizes exercise the vector tail
        a.data()[4] = 0;
        for (boolean perRow : new boolean[] {false, true}) {
            Tensor p = perRow ? random(3, 2, 9) : random(2, 9), q = random(2, 9);
            Tensor out = TensorOps.INSTANCE.mulBySign(a, p, q);
            for (int i = 0; i < a.size(); i++) {
                double v = a.data()[i];
                double pv = p.data()[perRow ? i : i % 18], qv = q.data()[i % 18];
                assertEquals(v > 0 ? v * pv : v * qv, out.data()[i], 1e-15);
            }
        }
    }

    @Test
    void boxMinIsTheMinimumOfTheLinearFunctionOverTheBox() {
        // rows (2, -3) and (-1, 0) over [0,1] x [-1,2]: min 2·0 + (-3)·2 = -6 and -1·1 + 0 = -1
        Tensor a = Tensor.matrix(new double[][] {{2, -3}, {-1, 0}});
        Tensor out = TensorOps.INSTANCE.boxMin(a, Tensor.vector(0, -1), Tensor.vector(1, 2));
        assertEquals(-6, out.data()[0], 0);
        assertEquals(-1, out.data()[1], 0);
        Tensor big = random(4, 37);
        Tensor lo = random(37), hi = lo.add(random(37).map(Math::abs));
        Tensor got = TensorOps.INSTANCE.boxMin(big, lo, hi);
        for (int r = 0; r < 4; r++) {
            double s = 0;
            for (int j = 0; j < 37; j++) {
                double v = big.data()[r * 37 + j];
                s += v > 0 ? v * lo.data()[j] : v * hi.data()[j];
            }
            assertEquals(s, got.data()[r], 1e-13);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Tensor a = random(3, 11), p = random(3, 11), q = random(11), w = random(3, 11);
        Tensor lo = random(11), hi = lo.add(random(11).map(Math::abs));
        // away from the kink at a = 0
        for (int i = 0; i < a.size(); i++) if (Math.abs(a.data()[i]) < 0.05) a.data()[i] = 0.3;
        Tape tape = new Tape();
        Var va = tape.variable(a), vp = tape.variable(p), vq = tape.variable(q);
        Var y = tape.add(tape.sum(tape.mul(tape.mulBySign(va, vp, vq), tape.constant(w))), tape.sum(tape.boxMin(va, lo, hi)));
        tape.backward(y);
        for (Tensor[] pair : new Tensor[][] {{a, va.grad()}, {p, vp.grad()}, {q, vq.grad()}}) {
            Tensor x = pair[0];
            for (int i = 0; i < x.size(); i++) {
                double keep = x.data()[i], h = 1e-6;
                x.data()[i] = keep + h;
                double up = loss(a, p, q, w, lo, hi);
                x.data()[i] = keep - h;
                double down = loss(a, p, q, w, lo, hi);
                x.data()[i] = keep;
                assertEquals((up - down) / (2 * h), pair[1].data()[i], 1e-7);
            }
        }
    }

    private static double loss(Tensor a, Tensor p, Tensor q, Tensor w, Tensor lo, Tensor hi) {
        TensorOps ops = TensorOps.INSTANCE;
        return ops.mulBySign(a, p, q).mul(w).sum().item() + ops.boxMin(a, lo, hi).sum().item();
    }
}
