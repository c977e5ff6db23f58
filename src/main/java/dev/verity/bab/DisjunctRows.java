package dev.verity.bab;

import dev.verity.spec.Case;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;

import java.util.ArrayList;
import java.util.List;

/**
 * The rows of a case's open disjuncts stacked into one objective, and the judgement of a domain's lower bounds of those
 * rows per disjunct — what both split modes ({@link InputSplit}, {@link ReluSplit}) do with every domain they bound.
 *
 * @param open     the disjuncts (indices into the case)
 * @param rows     their rows, disjunct by disjunct
 * @param rowStart disjunct i's rows are {@code [rowStart[i], rowStart[i + 1])}
 */
record DisjunctRows(int[] open, List<LinearConstraint> rows, int[] rowStart) {

    static DisjunctRows of(Case c, int[] open) {
        List<LinearConstraint> rows = new ArrayList<>();
        int[] rowStart = new int[open.length + 1];
        for (int i = 0; i < open.length; i++) {
            rowStart[i] = rows.size();
            rows.addAll(c.unsafe().get(open[i]).rows());
        }
        rowStart[open.length] = rows.size();
        return new DisjunctRows(open, rows, rowStart);
    }

    Objective objective(int outputs) {
        return Objective.of(rows, outputs);
    }

    /**
     * Per disjunct: its margin (the largest lower bound of its rows, −∞ with no rows, at least {@code floor[i]}; for a
     * disjunct only a combination of its rows excludes, the combination's bound), the row giving the best single-row
     * bound (−1 with none), whether it is excluded, and the row weights when a combination excluded it (null otherwise;
     * {@link RowCombination}). A combination only ever excludes: as the margin of an open domain it would reorder the
     * search's queue, which made the counterexample of VNN-COMP 2022 vdp_6 take 5,454–11,445 domains instead of a few
     * hundred.
     */
    record Judged(double[] margin, int[] bestRow, boolean[] excluded, double[][] weights) {}

    /**
     * Judges the rows' lower bounds {@code lower} of the linear functions {@code coeff·x + bias} (row-major
     * {@code [rows, n]}) over the box {@code [lo, hi]}. The tolerance scales with the terms a bound was summed from:
     * {@code base[r]} (what the caller knows of the constant term) plus {@code |a|·max(|l|, |u|)} over the input. With
     * {@code bias} (null: not known), a disjunct of several rows that no single row excludes is tried with the best
     * combination of its rows ({@link RowCombination}).
     */
    Judged judge(double[] lower, double[] bias, double[] base, double[] coeff, double[] lo, double[] hi, double[] floor,
                 Certifier certifier) {
        int n = lo.length;
        double[] margin = new double[open.length];
        int[] bestRow = new int[open.length];
        boolean[] excluded = new boolean[open.length];
        double[][] weights = new double[open.length][];
        for (int i = 0; i < open.length; i++) {
            double m = Double.NEGATIVE_INFINITY;
            bestRow[i] = -1;
            for (int r = rowStart[i]; r < rowStart[i + 1]; r++) {
                double l = lower[r];
                if (!(l <= m)) { m = l; bestRow[i] = r; }
                double magnitude = base[r];
                for (int j = 0; j < n; j++) magnitude += Math.abs(coeff[r * n + j]) * Math.max(Math.abs(lo[j]), Math.abs(hi[j]));
                excluded[i] |= certifier.certified(l, magnitude);
            }
            if (!excluded[i] && bias != null && rowStart[i + 1] - rowStart[i] >= 2) {
                RowCombination best = RowCombination.best(coeff, bias, rowStart[i], rowStart[i + 1], lo, hi);
                if (best.value() > m && certifier.certified(best.value(), best.magnitude())) {
                    m = best.value();
                    weights[i] = best.weights();
                    excluded[i] = true;
                }
            }
            margin[i] = Math.max(m, floor[i]);
        }
        return new Judged(margin, bestRow, excluded, weights);
    }

    /** The corner of the box {@code [lo, hi]} where row {@code r} of {@code coeff} ({@code [rows, n]}) is smallest. */
    static double[] minimisingCorner(double[] coeff, int r, double[] lo, double[] hi) {
        int n = lo.length;
        double[] x = new double[n];
        for (int j = 0; j < n; j++) x[j] = coeff[r * n + j] >= 0 ? lo[j] : hi[j];
        return x;
    }
}
