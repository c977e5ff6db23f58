package dev.verity.bounds;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** hBox as a forward hybrid zonotope ({@link HybridZonotope}) against hand-derived values. */
class HybridZonotopeTest {
    private static final Interval UNIT = new Interval(new double[] {-1}, new double[] {1});

    /**
     * h = relu(x) on [−1, 1] (unstable, u = 1), z_1 = z_2 = h + 1 (stable), y = relu(z_1) − relu(z_2) = 0. hBox
     * (back-substitution) carries h as one value into both paths: y ∈ [0, 0]. The forward zonotope turns h into the
     * box 0.5 ± 0.5 and passes it to z_1 and z_2 as two independent boxes: y ∈ [−1, 1], as IBP — paper 003's hBox
     * numbers lose this correlation (docs/results/training.md "Which hBox").
     */
    @Test
    void aRelaxedNeuronReachingTwoPathsLosesItsCorrelation() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}}), Tensor.vector(0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}, {1}}), Tensor.vector(1, 1)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, -1}}), Tensor.vector(0)));
        Network net = b.build();
        for (boolean sound : new boolean[] {false, true}) {
            BoundEngine engine = new BoundEngine(net, BoundOptions.defaults().withSound(sound));
            BoundResult f = engine.bound(Method.HBOX_FORWARD, UNIT, Objective.identity(1));
            assertEquals(-1, f.lower()[0], 1e-12);
            assertEquals(1, f.upper()[0], 1e-12);
            assertTrue(f.lower()[0] <= -1 && f.upper()[0] >= 1, "sound " + sound + ": never inside the exact [−1, 1] of the domain");
            BoundResult h = engine.bound(Method.HBOX, UNIT, Objective.identity(1));
            assertEquals(0, h.lower()[0], 1e-12);
            assertEquals(0, h.upper()[0], 1e-12);
        }
    }

    /**
     * z = (x + 2, x + 2) on [−1, 1]: both stable, so y = relu(z_1) − relu(z_2) keeps the input's generator through
     * both and cancels exactly: [0, 0], where IBP gives [−2, 2].
     */
    @Test
    void stableNeuronsKeepTheInputsGenerators() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}, {1}}), Tensor.vector(2, 2)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, -1}}), Tensor.vector(0)));
        BoundEngine engine = new BoundEngine(b.build());
        BoundResult f = engine.bound(Method.HBOX_FORWARD, UNIT, Objective.identity(1));
        assertEquals(0, f.lower()[0], 1e-15);
        assertEquals(0, f.upper()[0], 1e-15);
        BoundResult i = engine.bound(Method.IBP, UNIT, Objective.identity(1));
        assertEquals(-2, i.lower()[0], 1e-12);
        assertEquals(2, i.upper()[0], 1e-12);
        Interval pre = f.intermediate().values().iterator().next();
        assertArrayEquals(new double[] {1, 1}, pre.lower(), 1e-15);
        assertArrayEquals(new double[] {3, 3}, pre.upper(), 1e-15);
    }

    /** A convolutional net (strides, asymmetric padding): inside IBP's bounds, and every sampled output inside its own. */
    @Test
    void convolutionalBoundsHoldSamplesAndLieInsideIbp() {
        SplittableRandom r = new SplittableRandom(5);
        Network conv = RandomLayers.convRelu(r);
        int n = conv.inputShape().numel();
        Interval box = RandomLayers.box(new SplittableRandom(6), n, 0.3);
        BoundResult f = new BoundEngine(conv).bound(Method.HBOX_FORWARD, box, Objective.identity(conv.outputShape().numel()));
        BoundResult ibp = new BoundEngine(conv).bound(Method.IBP, box, Objective.identity(conv.outputShape().numel()));
        for (int k = 0; k < f.lower().length; k++) {
            assertTrue(f.lower()[k] >= ibp.lower()[k] - 1e-9 && f.upper()[k] <= ibp.upper()[k] + 1e-9, "row " + k);
            assertTrue(f.lower()[k] <= f.upper()[k]);
        }
        // sampled outputs lie inside
        SplittableRandom s = new SplittableRandom(7);
        for (int t = 0; t < 200; t++) {
            double[] x = new double[n];
            for (int j = 0; j < n; j++) x[j] = box.lower(j) + s.nextDouble() * (box.upper(j) - box.lower(j));
            double[] y = dev.verity.model.Forward.evaluate(conv, new Tensor(x, conv.inputShape().dims())).data();
            for (int k = 0; k < y.length; k++) assertTrue(y[k] >= f.lower()[k] - 1e-9 && y[k] <= f.upper()[k] + 1e-9, "sample " + t + " row " + k);
        }
    }

    @Test
    void networksWithOtherLayersAreRefusedWithAReason() {
        Network leaky = RandomLayers.leakyMlp(new SplittableRandom(1));
        BoundEngine engine = new BoundEngine(leaky);
        assertFalse(engine.supports(Method.HBOX_FORWARD));
        var e = assertThrows(dev.verity.InvalidInputException.class, () -> engine.requireSupported(Method.HBOX_FORWARD));
        assertTrue(e.getMessage().contains("hbox-forward"), e.getMessage());
    }
}
