package dev.verity.bounds;

import dev.verity.relax.Interval;
import dev.verity.sdp.DualPoint;
import dev.verity.sdp.SdpOptions;
import dev.verity.sdp.SdpProblem;
import dev.verity.sdp.SdpResult;
import dev.verity.sdp.SdpSolver;
import dev.verity.spec.Objective;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link Method#SDP} preset: paper 002's relaxation with the triangle cut ({@link SdpProblem}), one SDP per
 * objective row and direction, over CROWN's intermediate bounds; each SDP keeps CROWN's dual point as a certified bound,
 * so a row's bound is never looser than CROWN's. Rows CROWN already clears are solved all the same: their iterations
 * build the warm start of the harder rows that follow. Each row's bound is the solver's certified dual bound (so it is
 * valid however early the solver stops). A verifier needs only lower bounds, and only whether they clear zero: then each SDP stops as soon as its
 * bound clears a small threshold, or as soon as a true network point shows it never will.
 *
 * <p>Warm starts (issue 15): within one call each row starts from the previous row's multipliers (the disjuncts of
 * one image); with a {@link Memory} (an engine from {@link BoundEngine#withWarmStarts()}) each row also starts from its
 * own multipliers of the previous call, which is what a bisection over ε asks for.
 */
final class SdpPreset {
    /** The last multipliers per objective row and direction, kept between calls of one engine view. */
    static final class Memory {
        private static final int CAPACITY = 512;
        private final Map<RowKey, DualPoint> points = new ConcurrentHashMap<>();

        DualPoint get(RowKey key) { return points.get(key); }

        void put(RowKey key, DualPoint p) {
            if (points.size() >= CAPACITY) points.clear();
            points.put(key, p);
        }
    }

    /** An objective row c·y + d (its identity, for the memory). */
    record RowKey(double[] c, double d) {
        @Override public boolean equals(Object o) {
            return o instanceof RowKey k && Double.compare(d, k.d) == 0 && Arrays.equals(c, k.c);
        }

        @Override public int hashCode() { return 31 * Arrays.hashCode(c) + Double.hashCode(d); }
    }

    private final BoundEngine engine;
    private final Memory memory;

    SdpPreset(BoundEngine engine, Memory memory) {
        this.engine = engine;
        this.memory = memory;
    }

    /**
     * Lower bounds of every row (and upper bounds: by the SDP when {@code optimiseUpper}, else CROWN's) over the box,
     * with the given intermediate bounds (CROWN's).
     */
    BoundResult bound(Interval box, Map<Integer, Interval> pre, Objective objective, boolean optimiseUpper, long start) {
        List<Interval> hidden = new ArrayList<>(pre.values());
        SdpOptions options = engine.options().sdp();
        int rows = objective.rows(), outputs = objective.outputs();
        double[] cAll = objective.c().data(), d = objective.d();
        double[] crownUpper = optimiseUpper ? null
                : negate(engine.backSubstitute(box, pre, dev.verity.relax.ReluRelaxation.ADAPTIVE, objective.negate()));
        double[] lower = new double[rows], upper = new double[rows], lowerGap = new double[rows], upperGap = new double[rows];
        DualPoint previous = null;
        // A verifier (lower bounds only) needs every row above zero: solve the easiest rows (by CROWN) first, each warm-
        // starting the next (on MNIST 784-500-10 the multipliers of certified margins carry the harder ones: hardest-first
        // certified fewer images in the same time), and once one cannot be certified give the rest CROWN's bounds (valid,
        // and what the next stage starts from anyway).
        double[] crownLower = optimiseUpper ? null : engine.backSubstitute(box, pre, dev.verity.relax.ReluRelaxation.ADAPTIVE, objective);
        Integer[] order = new Integer[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        if (!optimiseUpper) Arrays.sort(order, java.util.Comparator.comparingDouble(i -> -crownLower[i]));
        if (!optimiseUpper) {
            // every row already cleared by CROWN: the SDP keeps CROWN's bound as its own, nothing to solve
            boolean all = true;
            for (int i = 0; i < rows; i++) all &= crownLower[i] > -threshold(crownUpper[i]);
            if (all) {
                double[] nan = new double[rows];
                Arrays.fill(nan, Double.NaN);
                return new BoundResult(Method.SDP, crownLower, crownUpper, pre, System.nanoTime() - start, nan, nan.clone());
            }
        }
        boolean failed = false;
        for (int i : order) {
            BoundEngine.checkInterrupted();
            if (failed) {
                lower[i] = crownLower[i];
                lowerGap[i] = Double.NaN;
                upper[i] = crownUpper[i];
                upperGap[i] = Double.NaN;
                continue;
            }
            double[] c = Arrays.copyOfRange(cAll, i * outputs, (i + 1) * outputs);
            // lower bound of c·y + d = −(upper bound of −c·y − d)
            double threshold = optimiseUpper ? Double.NEGATIVE_INFINITY : threshold(crownUpper[i]);
            SdpResult down = solve(box, hidden, negate(c), -d[i], options.withStopBelow(threshold), previous);
            lower[i] = -down.upperBound();
            lowerGap[i] = down.gap();
            failed = !optimiseUpper && !(down.upperBound() < threshold);
            previous = down.dual();
            if (optimiseUpper) {
                SdpResult up = solve(box, hidden, c, d[i], options, previous);
                upper[i] = up.upperBound();
                upperGap[i] = up.gap();
                previous = up.dual();
            } else {
                upper[i] = crownUpper[i];
                upperGap[i] = Double.NaN;
            }
        }
        return new BoundResult(Method.SDP, lower, upper, pre, System.nanoTime() - start, lowerGap, upperGap);
    }

    private SdpResult solve(Interval box, List<Interval> hidden, double[] c, double d, SdpOptions options, DualPoint fallback) {
        RowKey key = new RowKey(c, d);
        DualPoint warm = memory == null ? null : memory.get(key);
        SdpProblem p = SdpProblem.of(engine.network(), box, hidden, c, d);
        SdpResult r = SdpSolver.solve(p, options, warm != null ? warm : fallback);
        if (memory != null && r.dual() != null) memory.put(key, r.dual());
        return r;
    }

    /** The verifier's stopping threshold on an SDP's upper bound of −row: a little below zero, relative above 1. */
    private static double threshold(double crownUpper) {
        return -1e-6 * Math.max(1, Math.abs(crownUpper));
    }

    private static double[] negate(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = -v[i];
        return r;
    }
}
