package dev.verity.dual;

import dev.verity.testing.RandomLayers;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.lp.TriangleLp;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paper 001: the Lagrangian dual of the layer-wise problem recovers the LP over the convex hull of each
 * ReLU on [l, u] — Ehlers' Triangle LP. For a ReLU the per-neuron minimum of λz − μ·relu(z) over [l, u]
 * is a minimum of a linear function over the ReLU's graph, which equals its minimum over the graph's
 * convex hull (the triangle), so g(λ) is the Lagrangian of the Triangle LP and max g = the LP optimum
 * (LP strong duality). With the same intermediate bounds: every iterate ≤ the LP optimum, and the
 * optimised g reaches it within 1e-3 relative.
 */
class TriangleLpAgreementTest {

    @ParameterizedTest
    @EnumSource(value = DualNets.Family.class, names = {"DENSE_RELU", "DEEP_RELU", "CONV_RELU", "AFFINE_RESHAPE_RELU"})
    void optimisedDualConvergesToTheTriangleLp(DualNets.Family family) {
        double worst = 0;
        for (int seed = 0; seed < 4; seed++) {
            SplittableRandom r = new SplittableRandom(400 + seed);
            Network net = DualNets.build(family, seed);
            Interval box = RandomLayers.box(r, net.inputShape().numel(), seed % 2 == 0 ? 0.5 : 1.2);
            Objective obj = RandomLayers.objective(r, 2, net.outputShape().numel());
            BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, obj);
            TriangleLp.Result lp = new TriangleLp(net, box, crown.intermediate(), TriangleLp.Relaxation.TRIANGLE).lower(obj, Duration.ofSeconds(10));
            double[] optimum = new double[obj.rows()];
            for (int i = 0; i < optimum.length; i++) {
                assertTrue(lp.rows().get(i).status().optimal(), family + " seed " + seed + " LP row " + i + ": " + lp.rows().get(i).status());
                optimum[i] = lp.rows().get(i).reported();
            }
            String at = family + " seed " + seed;
            // Long run, small steps at the end: the dual is piecewise linear, so the last digits need a small step.
            DualOptions opt = DualOptions.defaults().withIterations(6000).withLearningRate(0.1, 0.999).withTimeBudget(Duration.ofSeconds(20));
            DualResult res = new LagrangianDual(net).problem(box, crown.intermediate(), obj).maximise(opt, (it, g, best, ns) -> {
                for (int i = 0; i < g.length; i++)
                    assertTrue(g[i] <= optimum[i] + 1e-7 * Math.max(1, Math.abs(optimum[i])),
                            at + " iteration " + it + " row " + i + ": g " + g[i] + " above the LP optimum " + optimum[i]);
            });
            for (int i = 0; i < optimum.length; i++)
                worst = Math.max(worst, (optimum[i] - res.lower()[i]) / Math.max(1, Math.abs(optimum[i])));
            for (int i = 0; i < optimum.length; i++)
                assertEquals(optimum[i], res.lower()[i], 1e-3 * Math.max(1, Math.abs(optimum[i])),
                        at + " row " + i + ": dual " + res.lower()[i] + " (CROWN " + crown.lower()[i] + ") vs LP " + optimum[i]);
        }
        System.out.printf("%s: largest gap to the Triangle LP %.2e (relative, floor 1)%n", family, worst);
    }
}
