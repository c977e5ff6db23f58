package dev.verity.milp;

import dev.verity.attack.AttackResult;
import dev.verity.attack.Pgd;
import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Disjunct;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.verity.milp.MilpNets.in;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link MilpVerifier#minimum} is the exact minimum of {@code max_r (c_r·y + d_r)} over the box: on random nets with two
 * free inputs (dense ReLU with 2 and 3 hidden layers, leaky ReLU, conv + ReLU + max-pool) it is attained (its point's
 * forward value equals it), it is below every grid, uniform and PGD value, and above the grid minimum less the grid's
 * Lipschitz error. The relaxations bound it from below in their theorem order: crown <= lp-all <= milp. And it is
 * the same whatever sound bounds give the big-M constants (IBP, CROWN, lp-all).
 */
class ExactMinimumTest {
    static final int SEEDS = 3, GRID = 201, SAMPLES = 2000;
    static final Duration LIMIT = Duration.ofSeconds(30);

    /** The largest row lower bound: a lower bound of the disjunct's max over rows. */
    static double disjunctBound(BoundResult r) {
        return Arrays.stream(r.lower()).max().orElseThrow();
    }

    @TestFactory
    Stream<DynamicTest> theMilpMinimumIsTheBruteForceMinimum() {
        List<DynamicTest> tests = new ArrayList<>();
        for (MilpNets.Family family : MilpNets.Family.values())
            for (long seed = 0; seed < SEEDS; seed++) {
                long s = seed;
                tests.add(DynamicTest.dynamicTest(family + " seed " + seed, () -> check(family, s)));
            }
        return tests.stream();
    }

    static void check(MilpNets.Family family, long seed) {
        Network net = MilpNets.net(family, seed);
        SplittableRandom r = new SplittableRandom(seed * 13 + 1);
        Box box = MilpNets.box(net, r);
        Disjunct d = MilpNets.disjunct(r, 1 + (int) (seed % 2), net.outputShape().numel());
        Interval interval = MilpNets.interval(box);
        BoundEngine engine = new BoundEngine(net);
        BoundResult ibp = engine.bound(Method.IBP, interval, MilpNets.objective(net, d));
        BoundResult crown = engine.bound(Method.CROWN, interval, MilpNets.objective(net, d));
        BoundResult lpAll = engine.bound(Method.LP_ALL, interval, MilpNets.objective(net, d));
        MilpVerifier milp = new MilpVerifier(net, MilpOptions.defaults().withThreads(1));
        MilpVerifier.Minimum m = milp.minimum(box, d, crown.intermediate(), in(LIMIT));

        List<String> problems = new ArrayList<>();
        String at = family + " seed " + seed;
        if (!m.optimal()) problems.add("not optimal");
        double min = m.value();
        if (Math.abs(m.bound() - min) > 1e-6) problems.add("bound " + m.bound() + " vs value " + min);
        if (!box.contains(m.point())) problems.add("point outside the box");
        double attained = MilpNets.value(net, m.point(), d);
        if (Math.abs(attained - min) > 1e-6) problems.add("the point's forward value " + attained + " differs from the MILP's " + min);

        // The grid: min_MILP <= grid min, and >= grid min − L·h (every point is within h/2 of a grid point in ∞-norm).
        double[] grid = MilpNets.values(net, MilpNets.grid(box, GRID), d);
        double gridMin = Arrays.stream(grid).min().orElseThrow();
        double h = Math.max(box.width(0), box.width(1)) / (GRID - 1), lip = MilpNets.lipschitz(net, d);
        if (min > gridMin + 1e-6) problems.add("MILP minimum " + min + " above the grid minimum " + gridMin);
        if (min < gridMin - lip * h) problems.add("MILP minimum " + min + " below grid minimum − L·h = " + gridMin + " − " + lip * h);
        // Uniform samples and PGD: never below the MILP minimum.
        int n = net.inputShape().numel();
        double[] x = new double[SAMPLES * n];
        for (int p = 0; p < SAMPLES; p++)
            for (int i = 0; i < n; i++) x[p * n + i] = box.lower(i) + r.nextDouble() * box.width(i);
        double sampleMin = Arrays.stream(MilpNets.values(net, x, d)).min().orElseThrow();
        if (sampleMin < min - 1e-6) problems.add("a uniform sample reaches " + sampleMin + " below the MILP minimum " + min);
        // PGD on the disjunct shifted up by 1000, so it never stops at a counterexample: its best value less 1000.
        AttackResult pgd = Pgd.attack(net, MilpNets.property(box, MilpNets.shifted(d, 1000)),
                PgdOptions.defaults().withRestarts(20).withSteps(50).withBatchSize(20));
        double pgdBest = pgd.bestValue() - 1000;
        if (pgdBest < min - 1e-6) problems.add("PGD reaches " + pgdBest + " below the MILP minimum " + min);

        // Relaxations: crown <= lp-all <= milp.
        double cb = disjunctBound(crown), lb = disjunctBound(lpAll);
        if (cb > lb + 1e-9 * (1 + Math.abs(lb))) problems.add("crown " + cb + " above lp-all " + lb);
        if (lb > min + 1e-6) problems.add("lp-all " + lb + " above the MILP minimum " + min);

        // The same minimum with the loosest (IBP) and the tightest (lp-all) bounds as big-M constants.
        for (var e : Map.of("ibp", ibp, "lp-all", lpAll).entrySet()) {
            MilpVerifier.Minimum other = milp.minimum(box, d, e.getValue().intermediate(), in(LIMIT));
            if (Math.abs(other.value() - min) > 1e-6) problems.add("with " + e.getKey() + " bounds the minimum is " + other.value() + ", not " + min);
        }
        System.out.printf("%s: milp %.6f, grid %.6f (L·h %.4f), pgd %.6f, lp-all %.6f, crown %.6f, %d nodes%n", at, min, gridMin, lip * h,
                pgdBest, lb, cb, m.nodes());
        if (!problems.isEmpty()) fail(at + ":\n  " + String.join("\n  ", problems));
    }
}
