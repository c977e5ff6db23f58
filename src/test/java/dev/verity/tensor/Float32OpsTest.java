package dev.verity.tensor;

import dev.verity.model.Forward;
import dev.verity.model.Network;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The float32 re-check path: same semantics as the double one, every value a float32. */
class Float32OpsTest {

    @Test void agreesWithDoubleOnASmallNetToFloatPrecision() {
        Network net = SmallNets.everyLayer(1);
        Tensor x = TestTensors.uniform(new Random(2), -1, 1, 3, 2, 6, 6);
        Tensor d = Forward.run(net, TensorOps.INSTANCE, x);
        Tensor f = Forward.run(net, Float32Ops.INSTANCE, x);
        assertArrayEquals(new int[] {3, 4}, f.shape());
        double maxRel = 0;
        boolean anyDiffers = false;
        for (int i = 0; i < d.size(); i++) {
            double dv = d.data()[i], fv = f.data()[i];
            maxRel = Math.max(maxRel, Math.abs(dv - fv) / Math.abs(dv));
            anyDiffers |= dv != fv;
        }
        assertTrue(maxRel < 1e-6, "relative difference " + maxRel);
        assertTrue(anyDiffers, "float32 rounding must be visible somewhere");
    }

    @Test void everyIntermediateValueIsAFloat32() {
        Network net = SmallNets.everyLayer(3);
        Tensor x = TestTensors.uniform(new Random(4), -1, 1, 2, 2, 6, 6);
        List<Tensor> values = Forward.runAll(net, Float32Ops.INSTANCE, x);
        for (int n = 1; n < values.size(); n++)
            for (double v : values.get(n).data()) assertEquals((double) (float) v, v, 0.0, "node " + n);
    }

    @Test void roundsInputsWeightsAndResults() {
        double third = 1.0 / 3;
        Tensor x = Tensor.vector(third, 2 * third).reshape(1, 2);
        Tensor w = Tensor.matrix(new double[][] {{third, 1}});
        Tensor y = Float32Ops.INSTANCE.linear(x, w, Tensor.vector(0.1));
        double fx0 = (float) third, fx1 = (float) (2 * third), fw = (float) third, fb = (float) 0.1;
        assertEquals((double) (float) (fx0 * fw + fx1 + fb), y.item(), 0.0);
        assertEquals((double) (float) 0.1, Float32Ops.INSTANCE.constant(Tensor.scalar(0.1)).item(), 0.0);
        assertEquals((double) (float) (0.7 + (double) (float) 0.1), Float32Ops.INSTANCE.add(Tensor.scalar(0.7), Tensor.scalar(0.1)).item(), 1e-17);
        // the double path keeps every bit
        assertEquals(third * third + 2 * third + 0.1, TensorOps.INSTANCE.linear(x, w, Tensor.vector(0.1)).item(), 1e-16);
    }

    @Test void tensorOpsMatchTheTensorMethods() {
        Random r = new Random(5);
        Tensor a = TestTensors.uniform(r, -1, 1, 2, 3), b = TestTensors.uniform(r, 0.5, 1, 3);
        TensorOps o = TensorOps.INSTANCE;
        TestTensors.assertSame(a.add(b), o.add(a, b), 0);
        TestTensors.assertSame(a.sub(b), o.sub(a, b), 0);
        TestTensors.assertSame(a.mul(b), o.mul(a, b), 0);
        TestTensors.assertSame(a.div(b), o.div(a, b), 0);
        TestTensors.assertSame(a.tanh(), o.tanh(a), 0);
        TestTensors.assertSame(a.transpose(1, 0), o.transpose(a, 1, 0), 0);
        TestTensors.assertSame(a.pad(new int[] {1, 0, 0, 1}, 2), o.pad(a, new int[] {1, 0, 0, 1}, 2), 0);
    }
}
