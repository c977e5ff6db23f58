package dev.verity.verify;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;

import java.util.ArrayList;
import java.util.List;

/**
 * Certified bounds for one input box: optionally every output, and for each given unsafe disjunct a lower bound
 * on its safety margin. A disjunct {@code c_r·y + d_r <= 0 for all r} is impossible when some row is certainly
 * positive, so its margin lower bound is the max over its rows of the rows' lower bounds (−inf with no rows:
 * such a disjunct accepts every output), and it is excluded when some row passes {@link Margins#certified}.
 * All rows (and the identity rows for the outputs) go to the engine as one objective: one bound computation.
 *
 * @param outputLower per output, null when outputs were not asked for
 * @param margins     per disjunct (in the order given), the margin lower bound
 * @param excluded    per disjunct, whether it is certainly impossible (margin above the tolerance)
 * @param intermediate the method's bounds of the pre-activation nodes over the box (empty when nothing was bounded)
 * @param gaps        the method's duality gaps where it reports them (sdp), else null
 */
public record CaseBounds(Method method, double[] outputLower, double[] outputUpper, double[] margins, boolean[] excluded,
                         java.util.Map<Integer, Interval> intermediate, long nanos, Gaps gaps) {

    /**
     * Per output (lower and upper bound) and per disjunct (of the row that gave its margin): the bound's distance to
     * the value at the best point the method found, ≥ 0; NaN where the bound came from another method.
     */
    public record Gaps(double[] outputLower, double[] outputUpper, double[] margins) {}

    public static CaseBounds compute(BoundEngine engine, Method method, Box box, List<Disjunct> disjuncts, boolean withOutputs) {
        int outputs = engine.network().outputShape().numel();
        List<LinearConstraint> rows = new ArrayList<>();
        if (withOutputs) {
            for (int j = 0; j < outputs; j++) {
                double[] c = new double[outputs];
                c[j] = 1;
                rows.add(new LinearConstraint(c, 0));
            }
        }
        int first = rows.size();
        for (Disjunct d : disjuncts) rows.addAll(d.rows());
        long start = System.nanoTime();
        double[] lower = new double[0], upper = new double[0], lowerGap = null, upperGap = null;
        java.util.Map<Integer, Interval> intermediate = java.util.Map.of();
        if (!rows.isEmpty()) {
            Interval interval = new Interval(box.lower(), box.upper());
            Objective objective = Objective.of(rows, outputs);
            // With output bounds requested (the bounds command) every bound is tight; a verifier needs tight lower bounds only.
            BoundResult r = withOutputs ? engine.bound(method, interval, objective) : engine.boundLower(method, interval, objective);
            lower = r.lower();
            upper = r.upper();
            intermediate = r.intermediate();
            lowerGap = r.lowerGap();
            upperGap = r.upperGap();
        }
        double[] margins = new double[disjuncts.size()], marginGaps = new double[disjuncts.size()];
        boolean[] excluded = new boolean[disjuncts.size()];
        int at = first;
        for (int k = 0; k < disjuncts.size(); k++) {
            double m = Double.NEGATIVE_INFINITY, g = Double.NaN;
            for (int r = 0; r < disjuncts.get(k).rows().size(); r++, at++) {
                if (!(lower[at] <= m)) {
                    m = lower[at]; // also propagates NaN: a NaN bound must not look like a margin
                    if (lowerGap != null) g = lowerGap[at];
                }
                excluded[k] |= Margins.certified(lower[at], upper[at]);
            }
            margins[k] = m;
            marginGaps[k] = g;
        }
        Gaps gaps = lowerGap == null ? null : new Gaps(withOutputs ? java.util.Arrays.copyOf(lowerGap, outputs) : null,
                withOutputs ? java.util.Arrays.copyOf(upperGap, outputs) : null, marginGaps);
        double[] outLo = withOutputs ? java.util.Arrays.copyOf(lower, outputs) : null;
        double[] outHi = withOutputs ? java.util.Arrays.copyOf(upper, outputs) : null;
        return new CaseBounds(method, outLo, outHi, margins, excluded, intermediate, System.nanoTime() - start, gaps);
    }

    /** The smallest margin lower bound (+inf with no disjuncts). */
    public double minMargin() {
        double m = Double.POSITIVE_INFINITY;
        for (double v : margins) if (!(v >= m)) m = v;
        return m;
    }

    /** Whether every disjunct is excluded. */
    public boolean verified() {
        for (boolean e : excluded) if (!e) return false;
        return true;
    }
}
