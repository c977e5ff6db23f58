package dev.verity.bounds;

import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The intermediate bounds a certificate's tightening starts from: sound, slopes in [0, 1], tighter than CROWN somewhere. */
class IntermediateWithSlopesTest {

    @Test
    void boundsHoldAtSampledPointsAndTightenCrown() {
        SplittableRandom r = new SplittableRandom(3);
        int tighter = 0;
        for (int t = 0; t < 10; t++) {
            Network net = RandomLayers.mlp(r, new int[] {4, 12, 12, 12, 3}, new Layer.Relu());
            BoundEngine engine = new BoundEngine(net);
            Interval box = RandomLayers.box(r, 4, 0.5);
            BoundEngine.SlopedBounds sloped = engine.intermediateWithSlopes(box);
            Map<Integer, Interval> crown = engine.intermediateBounds(Method.CROWN, box, Map.of(), -1);
            assertEquals(crown.keySet(), sloped.pre().keySet());
            for (BoundEngine.NeuronSlopes ns : sloped.slopes()) {
                assertTrue(ns.node() > 0 && sloped.pre().containsKey(ns.node()));
                for (var e : ns.alpha().entrySet()) {
                    assertTrue(e.getKey() < ns.node(), "slopes only of ReLUs before the bounded node");
                    for (double a : e.getValue()) assertTrue(a >= 0 && a <= 1, "slope " + a);
                }
            }
            for (var e : sloped.pre().entrySet()) {
                Interval s = e.getValue(), c = crown.get(e.getKey());
                for (int j = 0; j < s.size(); j++) if (s.upper(j) - s.lower(j) < c.upper(j) - c.lower(j) - 1e-9) tighter++;
            }
            assertHoldAtSamples(net, box, r, 500, sloped.pre(), "net " + t);
        }
        assertTrue(tighter > 20, "neurons tighter than CROWN: " + tighter);
    }

    /**
     * alpha-CROWN with a 1 ns budget for its intermediate layers ({@link BoundEngine#withAlphaIntermediateBudget}): one
     * Adam step per node and side. Its intermediate bounds are sound at sampled points and never wider than CROWN's; over
     * ten nets the unlimited optimisation leaves them narrower in all, so the budget does stop it.
     */
    @Test
    void aBudgetStopsTheIntermediateOptimisationSoundly() {
        SplittableRandom r = new SplittableRandom(5);
        double widthBudgeted = 0, widthFull = 0;
        for (int t = 0; t < 10; t++) {
            Network net = RandomLayers.mlp(r, new int[] {4, 12, 12, 12, 3}, new Layer.Relu());
            BoundEngine engine = new BoundEngine(net);
            Interval box = RandomLayers.box(r, 4, 0.5);
            dev.verity.spec.Objective obj = dev.verity.spec.Objective.identity(3);
            Map<Integer, Interval> budgeted = engine.withAlphaIntermediateBudget(java.time.Duration.ofNanos(1))
                    .boundLower(Method.ALPHA_CROWN, box, obj).intermediate();
            Map<Integer, Interval> full = engine.boundLower(Method.ALPHA_CROWN, box, obj).intermediate();
            Map<Integer, Interval> crown = engine.intermediateBounds(Method.CROWN, box, Map.of(), -1);
            assertHoldAtSamples(net, box, r, 300, budgeted, "net " + t + " (budgeted)");
            for (var e : crown.entrySet()) {
                Interval b = budgeted.get(e.getKey()), c = e.getValue(), f = full.get(e.getKey());
                for (int j = 0; j < c.size(); j++) {
                    assertTrue(b.lower(j) >= c.lower(j) - 1e-12 && b.upper(j) <= c.upper(j) + 1e-12, "never wider than CROWN");
                    widthBudgeted += b.upper(j) - b.lower(j);
                    widthFull += f.upper(j) - f.lower(j);
                }
            }
        }
        assertTrue(widthFull < widthBudgeted - 1e-6, "unlimited " + widthFull + " against budgeted " + widthBudgeted);
    }

    /** Every node's value at {@code n} points drawn uniformly from {@code box} lies in its bounds (to 1e-9). */
    private static void assertHoldAtSamples(Network net, Interval box, SplittableRandom r, int n, Map<Integer, Interval> bounds, String what) {
        int d = box.size();
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i * d + j] = r.nextDouble(box.lower(j), box.upper(j));
        List<Tensor> values = Forward.runAll(net, TensorOps.INSTANCE, new Tensor(x, net.inputShape().withBatch(n)));
        for (var e : bounds.entrySet()) {
            double[] v = values.get(e.getKey()).data();
            Interval iv = e.getValue();
            int w = iv.size();
            for (int i = 0; i < n; i++)
                for (int j = 0; j < w; j++)
                    assertTrue(v[i * w + j] >= iv.lower(j) - 1e-9 && v[i * w + j] <= iv.upper(j) + 1e-9,
                            what + " node " + e.getKey() + " neuron " + j + ": " + v[i * w + j] + " outside " + iv.lower(j) + ".." + iv.upper(j));
        }
    }
}
