package dev.verity.bounds;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gradient of the back-substituted bound w.r.t. alpha-CROWN's slopes equals central finite differences. */
class SlopeGradientTest {

    static Network randomReluNet(SplittableRandom rnd, int... widths) {
        var b = Network.builder(new Shape(widths[0]));
        for (int i = 1; i < widths.length; i++) {
            b.add(new Layer.Dense(random(rnd, widths[i], widths[i - 1]), random(rnd, widths[i])));
            if (i < widths.length - 1) b.add(new Layer.Relu());
        }
        return b.build();
    }

    static Tensor random(SplittableRandom rnd, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = rnd.nextDouble(-1, 1);
        return t;
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(11);
        Network net = randomReluNet(rnd, 4, 12, 10, 3);
        double[] lo = new double[4], hi = new double[4];
        for (int i = 0; i < 4; i++) {
            double c = rnd.nextDouble(-1, 1);
            lo[i] = c - 0.5;
            hi[i] = c + 0.5;
        }
        Interval box = new Interval(lo, hi);
        BoundEngine engine = new BoundEngine(net);
        BoundResult crown = engine.bound(Method.CROWN, box, Objective.robustness(0, 3));
        assertTrue(crown.unstableNeurons() > 4, "test needs unstable neurons: " + crown.unstableNeurons());
        AlphaCrown opt = new AlphaCrown(engine, box, crown.intermediate());
        Objective obj = Objective.robustness(0, 3);
        var slopes = opt.initialSlopes(obj.rows());
        // move the slopes off CROWN's 0/1 values into the interior, where the bound is differentiable
        for (var s : slopes.values()) for (int i = 0; i < s.alpha().size(); i++) s.alpha().data()[i] = rnd.nextDouble(0.2, 0.8);
        Map<Integer, double[]> grads = new HashMap<>();
        opt.boundAndGradient(obj, slopes, grads);
        int checked = 0;
        for (var e : slopes.entrySet()) {
            double[] p = e.getValue().alpha().data(), mask = e.getValue().unstableMask().data();
            int n = mask.length;
            for (int i = 0; i < p.length; i++) {
                double h = 1e-6, keep = p[i];
                p[i] = keep + h;
                double up = sum(opt.boundAndGradient(obj, slopes, null));
                p[i] = keep - h;
                double down = sum(opt.boundAndGradient(obj, slopes, null));
                p[i] = keep;
                double fd = (up - down) / (2 * h);
                assertEquals(fd, grads.get(e.getKey())[i], 1e-6 * Math.max(1, Math.abs(fd)), "slope " + i + " of node " + e.getKey());
                if (mask[i % n] == 0) assertEquals(0, grads.get(e.getKey())[i], 0, "stable neurons have no slope variable");
                checked++;
            }
        }
        assertTrue(checked > 20);
    }

    /** The gradient of the bound in the sigmoid and tanh mixing weights equals central differences. */
    @Test
    void sShapedMixGradientMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (dev.verity.model.Layer act : new dev.verity.model.Layer[] {new dev.verity.model.Layer.Sigmoid(), new dev.verity.model.Layer.Tanh()}) {
            Network net = dev.verity.testing.RandomLayers.mlp(rnd, new int[] {3, 8, 8, 2}, act);
            Interval box = new Interval(new double[] {-1, -1, -1}, new double[] {1, 1, 1});
            BoundEngine engine = new BoundEngine(net);
            BoundResult crown = engine.bound(Method.CROWN, box, Objective.robustness(0, 2));
            AlphaCrown opt = new AlphaCrown(engine, box, crown.intermediate());
            Objective obj = Objective.robustness(0, 2);
            var mixes = opt.initialMixes(obj.rows());
            assertFalse(mixes.isEmpty(), "intervals containing 0");
            for (var mix : mixes.values())
                for (Tensor w : List.of(mix.lowerWeight(), mix.upperWeight()))
                    for (int i = 0; i < w.size(); i++) w.data()[i] = rnd.nextDouble(0.1, 0.9);
            Map<Integer, double[]> grads = new HashMap<>(), mixGrads = new HashMap<>();
            int target = net.output().id();
            opt.boundAndGradient(target, obj, Map.of(), mixes, grads, mixGrads);
            int checked = 0;
            for (var e : mixes.entrySet()) {
                double[] lower = e.getValue().lowerWeight().data(), upper = e.getValue().upperWeight().data();
                for (int i = 0; i < lower.length + upper.length; i++) {
                    double[] p = i < lower.length ? lower : upper;
                    int j = i < lower.length ? i : i - lower.length;
                    double h = 1e-6, keep = p[j];
                    p[j] = keep + h;
                    double up = sum(opt.boundAndGradient(target, obj, Map.of(), mixes, null, null));
                    p[j] = keep - h;
                    double down = sum(opt.boundAndGradient(target, obj, Map.of(), mixes, null, null));
                    p[j] = keep;
                    double fd = (up - down) / (2 * h);
                    assertEquals(fd, mixGrads.get(e.getKey())[i], 1e-6 * Math.max(1, Math.abs(fd)), act.describe() + " weight " + i + " of node " + e.getKey());
                    checked++;
                }
            }
            assertTrue(checked > 10);
        }
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }
}
