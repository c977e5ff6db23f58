package dev.verity.sdp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.testing.RandomLayers;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded random small ReLU nets (2–6 inputs, 1–2 hidden layers of 3–8 neurons), boxes and objectives. */
final class TestProblems {
    private TestProblems() {}

    record Case(Network net, Interval box, double[] c, double d, List<Interval> pre, Method bounds) {
        SdpProblem problem() { return SdpProblem.of(net, box, pre, c, d); }

        Objective objective() {
            return new Objective(dev.verity.tensor.Tensor.matrix(new double[][]{c}), new double[]{d});
        }
    }

    static Case random(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int inputs = r.nextInt(2, 7), hidden = r.nextInt(1, 3);
        int[] widths = new int[hidden + 2];
        widths[0] = inputs;
        for (int i = 1; i <= hidden; i++) widths[i] = r.nextInt(3, 9);
        widths[hidden + 1] = r.nextInt(1, 4);
        Network net = RandomLayers.mlp(r, widths, new Layer.Relu());
        Interval box = RandomLayers.box(r, inputs, r.nextDouble(0.05, 1.5));
        double[] c = new double[widths[hidden + 1]];
        for (int o = 0; o < c.length; o++) c[o] = RandomLayers.gaussian(r);
        double d = RandomLayers.gaussian(r);
        Method bounds = r.nextBoolean() ? Method.IBP : Method.CROWN;
        BoundResult b = new BoundEngine(net).bound(bounds, box, Objective.identity(c.length));
        return new Case(net, box, c, d, new ArrayList<>(b.intermediate().values()), bounds);
    }
}
