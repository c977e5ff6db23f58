package dev.verity.lp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The exact-LP presets of the bound engine (lp-last, lp-all, parallelogram, lp-last-crown) on seeded random
 * small ReLU nets of every family TriangleLp encodes: the orderings that are theorems, and soundness against
 * sampled points.
 */
class LpPresetsTest {
    static final int SEEDS = 3, SAMPLES = 1000;
    static final List<Method> LP_METHODS = List.of(Method.LP_LAST, Method.LP_ALL, Method.PARALLELOGRAM, Method.LP_LAST_CROWN);

    /** Safe-bound slack: GLOP's tolerances (~1e-9 relative on these LPs) plus the engine's rounding. */
    static double slack(double v) { return 1e-9 * (1 + Math.abs(v)); }

    record Case(LpNets.Family family, long seed, Network net, Interval box, Objective objective) {
        @Override public String toString() { return family + " seed " + seed; }
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (LpNets.Family family : LpNets.Family.values()) {
            for (long seed = 0; seed < SEEDS; seed++) {
                Network net = LpNets.build(family, 100 * family.ordinal() + seed);
                SplittableRandom r = new SplittableRandom(seed + 17);
                cases.add(new Case(family, seed, net, LpNets.box(net, r), LpNets.objective(net, r)));
            }
        }
        return cases;
    }

    /** a >= b (up to slack) row by row, for lower bounds; the reverse for upper bounds. */
    static void atLeastAsTight(List<String> problems, String what, BoundResult a, BoundResult b) {
        for (int i = 0; i < a.lower().length; i++) {
            if (a.lower()[i] < b.lower()[i] - slack(b.lower()[i]))
                problems.add(what + " row " + i + " lower " + a.lower()[i] + " < " + b.lower()[i]);
            if (a.upper()[i] > b.upper()[i] + slack(b.upper()[i]))
                problems.add(what + " row " + i + " upper " + a.upper()[i] + " > " + b.upper()[i]);
        }
    }

    /**
     * The theorem orderings:
     * <ul>
     *   <li>lp-last >= deepz: the Triangle contains DeepZ's two parallel lines, same intermediate bounds.</li>
     *   <li>lp-last-crown >= crown: the Triangle contains CROWN's lines, same intermediate bounds.</li>
     *   <li>lp-all >= lp-last and lp-all >= crown: lp-all's intermediate bounds lie inside DeepZ's and CROWN's
     *       (it starts from their intersection), and the Triangle over tighter bounds is contained in the
     *       Triangle over looser ones (the chord of a sub-interval lies below), so its LP is a subset of
     *       lp-last's and of lp-last-crown's.</li>
     *   <li>lp-all >= parallelogram: with the same bounds the Triangle is inside the Parallelogram, and the
     *       Parallelogram shrinks with its bounds too (y <= u, y <= x − l), so by induction over the layers
     *       lp-all's bounds are inside parallelogram's, and so is its LP.</li>
     * </ul>
     * Not a theorem, so not tested: lp-last vs crown (different intermediate bounds and relaxations), parallelogram vs
     * crown or deepz (the Parallelogram does not contain CROWN's chord).
     */
    @TestFactory
    Stream<DynamicTest> theoremOrderings() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            BoundEngine engine = new BoundEngine(c.net());
            BoundResult deepz = engine.bound(Method.DEEPZ, c.box(), c.objective());
            BoundResult crown = engine.bound(Method.CROWN, c.box(), c.objective());
            BoundResult last = engine.bound(Method.LP_LAST, c.box(), c.objective());
            BoundResult lastCrown = engine.bound(Method.LP_LAST_CROWN, c.box(), c.objective());
            BoundResult all = engine.bound(Method.LP_ALL, c.box(), c.objective());
            BoundResult par = engine.bound(Method.PARALLELOGRAM, c.box(), c.objective());
            List<String> problems = new ArrayList<>();
            atLeastAsTight(problems, "lp-last vs deepz", last, deepz);
            atLeastAsTight(problems, "lp-last-crown vs crown", lastCrown, crown);
            atLeastAsTight(problems, "lp-all vs lp-last", all, last);
            atLeastAsTight(problems, "lp-all vs crown", all, crown);
            atLeastAsTight(problems, "lp-all vs lp-last-crown", all, lastCrown);
            atLeastAsTight(problems, "lp-all vs parallelogram", all, par);
            // lp-all's intermediate bounds lie inside CROWN's and DeepZ's.
            for (var e : all.intermediate().entrySet()) {
                Interval a = e.getValue(), cr = crown.intermediate().get(e.getKey()), dz = deepz.intermediate().get(e.getKey());
                for (int j = 0; j < a.size(); j++)
                    if (a.lower(j) < Math.max(cr.lower(j), dz.lower(j)) || a.upper(j) > Math.min(cr.upper(j), dz.upper(j)))
                        problems.add("lp-all intermediate node " + e.getKey() + " neuron " + j + " outside crown ∩ deepz");
            }
            if (!problems.isEmpty()) fail(problems.size() + " ordering violations:\n  " + String.join("\n  ", problems.subList(0, Math.min(10, problems.size()))));
        }));
    }

    /** With the same intermediate bounds the Triangle is contained in the Parallelogram, so its LP bound is at least as high. */
    @Test
    void triangleIsAtLeastParallelogramWithTheSameBounds() {
        for (Case c : cases()) {
            Map<Integer, Interval> pre = new BoundEngine(c.net()).bound(Method.CROWN, c.box(), c.objective()).intermediate();
            double[] tri = new TriangleLp(c.net(), c.box(), pre, TriangleLp.Relaxation.TRIANGLE).lower(c.objective(), LpBounds.LIMIT_PER_LP).lower();
            double[] par = new TriangleLp(c.net(), c.box(), pre, TriangleLp.Relaxation.PARALLELOGRAM).lower(c.objective(), LpBounds.LIMIT_PER_LP).lower();
            for (int i = 0; i < tri.length; i++)
                assertTrue(tri[i] >= par[i] - slack(par[i]), c + " row " + i + ": triangle " + tri[i] + " < parallelogram " + par[i]);
        }
    }

    /** Every new method's bounds hold at 1,000 sampled points (box corners and uniform), for the objective and every intermediate node. */
    @TestFactory
    Stream<DynamicTest> soundAtSampledPoints() {
        return LP_METHODS.stream().map(m -> DynamicTest.dynamicTest(m.cliName(), () -> {
            List<String> problems = new ArrayList<>();
            for (Case c : cases()) {
                if (c.seed() > 1) continue; // two seeds per family keep this fast
                BoundResult r = new BoundEngine(c.net()).bound(m, c.box(), c.objective());
                SplittableRandom rnd = new SplittableRandom(c.seed() * 7 + 3);
                int n = c.box().size(), rows = c.objective().rows(), outs = c.objective().outputs();
                double[] x = new double[SAMPLES * n];
                for (int p = 0; p < SAMPLES; p++)
                    for (int i = 0; i < n; i++) {
                        double l = c.box().lower(i), u = c.box().upper(i);
                        x[p * n + i] = p < 100 ? (rnd.nextBoolean() ? l : u) : l + rnd.nextDouble() * (u - l);
                    }
                List<Tensor> values = Forward.runAll(c.net(), TensorOps.INSTANCE, new Tensor(x, c.net().inputShape().withBatch(SAMPLES)));
                double[] y = values.getLast().data(), cm = c.objective().c().data(), d = c.objective().d();
                for (int p = 0; p < SAMPLES; p++)
                    for (int i = 0; i < rows; i++) {
                        double v = d[i];
                        for (int j = 0; j < outs; j++) v += cm[i * outs + j] * y[p * outs + j];
                        if (v < r.lower()[i] - slack(v) || v > r.upper()[i] + slack(v))
                            problems.add(c + " row " + i + " value " + v + " outside [" + r.lower()[i] + ", " + r.upper()[i] + "]");
                    }
                for (var e : r.intermediate().entrySet()) {
                    double[] z = values.get(e.getKey()).data();
                    Interval b = e.getValue();
                    int k = b.size();
                    for (int p = 0; p < SAMPLES; p++)
                        for (int j = 0; j < k; j++) {
                            double v = z[p * k + j];
                            if (v < b.lower(j) - slack(v) || v > b.upper(j) + slack(v))
                                problems.add(c + " node " + e.getKey() + " neuron " + j + " value " + v + " outside [" + b.lower(j) + ", " + b.upper(j) + "]");
                        }
                }
            }
            if (!problems.isEmpty()) fail(problems.size() + " soundness violations of " + m + ":\n  " + String.join("\n  ", problems.subList(0, Math.min(10, problems.size()))));
        }));
    }

    /** A verifier past its deadline interrupts the bound thread: lp-all stops with a CancellationException. */
    @Test
    void lpAllRespectsTheInterruptFlag() {
        Case c = cases().get(SEEDS); // a DEEP net: several layers of LPs
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, () -> new BoundEngine(c.net()).bound(Method.LP_ALL, c.box(), c.objective()));
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void presetsParseByTheirCliNames() {
        for (Method m : LP_METHODS) assertEquals(m, Method.parse(m.cliName()));
        assertEquals(List.of("lp-last", "lp-all", "parallelogram", "lp-last-crown"), LP_METHODS.stream().map(Method::cliName).toList());
    }
}
