package dev.verity.tensor;

import dev.verity.model.Forward;
import dev.verity.model.Network;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.verity.tensor.TestTensors.assertTensor;
import static dev.verity.tensor.TestTensors.s;
import static dev.verity.tensor.TestTensors.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tape mechanics, conventions at kinks, and the tape as an {@link Ops} for the shared forward pass. */
class TapeTest {

    @Test void simpleChainByHand() {
        Tape tape = new Tape();
        Var x = tape.variable(Tensor.vector(1, -2, 3));
        Var w = tape.variable(Tensor.vector(2, 2, -1));
        Var loss = tape.sum(tape.mul(tape.relu(x), w)); // 1*2 + 0 + 3*(-1)
        assertEquals(-1.0, loss.item(), 0.0);
        tape.backward(loss);
        assertTensor(s(3), new double[] {2, 0, -1}, x.grad(), 0.0);
        assertTensor(s(3), new double[] {1, 0, 3}, w.grad(), 0.0);
    }

    @Test void conventionsAtKinks() {
        Tape tape = new Tape();
        Var x = tape.variable(Tensor.vector(0, 1, -1, 2));
        Var c = tape.clamp(x, -1, 1);                  // at both bounds the gradient passes
        Var y = tape.add(tape.relu(x), c);             // relu at 0: no gradient
        tape.backward(tape.sum(y));
        assertTensor(s(4), new double[] {1, 2, 1, 1}, x.grad(), 0.0);

        Tape t2 = new Tape();
        Var p = t2.variable(new Tensor(new double[] {5, 5, 1, 5}, 1, 1, 2, 2));
        t2.backward(t2.sum(t2.maxPool2d(p, PoolGeometry.simple(2, 2))));
        assertTensor(s(1, 1, 2, 2), new double[] {1, 0, 0, 0}, p.grad(), 0.0); // first maximum only

        Tape t3 = new Tape();
        Var a = t3.variable(Tensor.vector(1, 2)), b = t3.variable(Tensor.vector(1, 3));
        t3.backward(t3.sum(t3.max(a, b)));
        assertTensor(s(2), new double[] {1, 0}, a.grad(), 0.0);                   // tie goes to a
        assertTensor(s(2), new double[] {0, 1}, b.grad(), 0.0);
    }

    @Test void constantsAreNotRecordedAndHaveNoGradient() {
        Tape tape = new Tape();
        Var c = tape.constant(Tensor.vector(1, 2));
        Var d = tape.relu(tape.mul(c, c));
        assertFalse(d.requiresGrad());
        assertThrows(IllegalStateException.class, c::grad);
        Var x = tape.variable(Tensor.vector(3, 4));
        Var unused = tape.variable(Tensor.vector(5));
        Var loss = tape.sum(tape.mul(x, c));
        assertTrue(loss.requiresGrad());
        tape.backward(loss);
        assertTensor(s(2), new double[] {1, 2}, x.grad(), 0.0);
        assertTensor(s(1), new double[] {0}, unused.grad(), 0.0);
    }

    @Test void gradientsOfVariablesAreIndependentArrays() {
        Tape tape = new Tape();
        Var x = tape.variable(Tensor.vector(1, 2)), y = tape.variable(Tensor.vector(3, 4));
        Var r = tape.reshape(x, 2, 1);
        tape.backward(tape.sum(tape.add(tape.reshape(r, 2), y))); // add hands one tensor to both
        x.grad().data()[0] = 100;
        assertEquals(1.0, y.grad().data()[0], 0.0);
        assertNotSameArray(x.grad().data(), r.grad().data());
    }

    private static void assertNotSameArray(double[] a, double[] b) { assertFalse(a == b, "shared gradient array"); }

    @Test void misuseIsRejected() {
        Tape tape = new Tape();
        Var x = tape.variable(Tensor.vector(1, 2));
        assertThrows(IllegalArgumentException.class, () -> tape.backward(x));               // not a scalar
        assertThrows(IllegalArgumentException.class, () -> new Tape().relu(x));             // other tape
        Var loss = tape.sum(x);
        tape.backward(loss);
        assertThrows(IllegalStateException.class, () -> tape.backward(loss));              // twice
    }

    @Test void forwardThroughTheTapeEqualsTheTensorForward() {
        Network net = SmallNets.everyLayer(7);
        Tensor x = TestTensors.uniform(new Random(8), -1, 1, 2, 2, 6, 6);
        Tape tape = new Tape();
        Var out = Forward.run(net, tape, tape.variable(x));
        TestTensors.assertSame(Forward.run(net, TensorOps.INSTANCE, x), out.value(), 0.0);
        assertArrayEquals(s(2, 4), out.shape());
    }

    @Test void inputGradientOfAWholeNetwork() {
        // what PGD needs: d loss / d input through every layer type, weights as constants
        Network net = SmallNets.everyLayer(9);
        Tensor x = TestTensors.uniform(new Random(10), -1, 1, 2, 2, 6, 6);
        TestTensors.gradCheck(11, 1e-5, (t, in) -> Forward.run(net, t, in.get(0)), x);
    }

    @Test void logitsLossWithLabelsEndToEnd() {
        Network net = SmallNets.everyLayer(12);
        Tensor x = TestTensors.uniform(new Random(13), -1, 1, 3, 2, 6, 6);
        TestTensors.gradCheck(14, 1e-5, (t, in) -> t.crossEntropy(Forward.run(net, t, in.get(0)), new int[] {0, 3, 1}), x);
    }

    @Test void tensorsOfVarsMatchTheTensorOps() {
        Tape tape = new Tape();
        Tensor a = t(s(2, 2), 1, -2, 3, 4);
        Var v = tape.variable(a);
        TestTensors.assertSame(a.softmax(1), tape.softmax(v, 1).value(), 0.0);
        TestTensors.assertSame(a.sum(0, true), tape.sum(v, 0, true).value(), 0.0);
        TestTensors.assertSame(a.leakyRelu(0.3), tape.leakyRelu(v, 0.3).value(), 0.0);
        assertEquals(a.crossEntropy(new int[] {1, 0}).item(), tape.crossEntropy(v, new int[] {1, 0}).item(), 0.0);
    }
}
