package dev.verity.sdp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.relax.Interval;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property: on random small nets, boxes and objectives (IBP or CROWN pre-activation bounds), the certified SDP
 * bound is at least the objective at every box corner and at 2,000 uniform samples (their maximum stands in for
 * the exact maximum), the gap to the primal value (the best PGD network point, often above the samples) is ≥ 0, and the bound is at most IBP's bound of the same
 * objective: provable here because the solver certifies the interval dual point first
 * ({@link DualOperator#intervalPoint}), whose value is the interval bound of the last layer over the given
 * pre-activation bounds — IBP's own when they are IBP's, a smaller one when they are CROWN's (the slack covers the
 * ~1e-11 shift of the certification).
 */
class SdpSoundnessTest {
    @TestFactory
    Stream<DynamicTest> boundContainsEveryReachableValue() {
        return LongStream.range(0, 16).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> check(seed)));
    }

    private static void check(long seed) {
        TestProblems.Case c = TestProblems.random(seed);
        SdpProblem p = c.problem();
        SdpResult r = SdpSolver.solve(p, new SdpOptions(1e-6, Duration.ofSeconds(5), 1500, seed), null);
        double max = sampledMaximum(c, new SplittableRandom(seed * 7 + 1));
        double slack = 1e-9 * (1 + Math.abs(max));
        assertTrue(r.upperBound() >= max - slack, "seed " + seed + ": bound " + r.upperBound() + " below a reachable value " + max);
        assertTrue(r.gap() >= 0, "seed " + seed + ": negative gap " + r.gap());
        double ibp = new BoundEngine(c.net()).bound(Method.IBP, c.box(), c.objective()).upper()[0];
        assertTrue(r.upperBound() <= ibp + 1e-7 * (1 + Math.abs(ibp)), "seed " + seed + ": bound " + r.upperBound() + " worse than IBP " + ibp);
    }

    /** Max of c·y + d over all corners (n ≤ 6) and 2,000 uniform points, in double. */
    private static double sampledMaximum(TestProblems.Case c, SplittableRandom r) {
        Interval box = c.box();
        int n = box.size();
        double best = Double.NEGATIVE_INFINITY;
        for (int mask = 0; mask < 1 << n; mask++) {
            double[] x = new double[n];
            for (int k = 0; k < n; k++) x[k] = (mask >> k & 1) == 1 ? box.upper(k) : box.lower(k);
            best = Math.max(best, value(c, x));
        }
        for (int s = 0; s < 2000; s++) {
            double[] x = new double[n];
            for (int k = 0; k < n; k++) x[k] = box.lower(k) + r.nextDouble() * (box.upper(k) - box.lower(k));
            best = Math.max(best, value(c, x));
        }
        return best;
    }

    private static double value(TestProblems.Case c, double[] x) {
        double[] y = Forward.evaluate(c.net(), new Tensor(x, x.length)).data();
        double s = c.d();
        for (int o = 0; o < y.length; o++) s += c.c()[o] * y[o];
        return s;
    }
}
