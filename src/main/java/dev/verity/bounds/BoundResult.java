package dev.verity.bounds;

import dev.verity.relax.Interval;
import java.util.Map;

/**
 * Bounds of an objective's rows: {@code lower[i] <= c_i·y + d_i <= upper[i]} for every input in the box.
 *
 * @param intermediate the bounds of every node that feeds a nonlinearity (pre-activations), by node id
 * @param nanos        wall time of the computation
 * @param lowerGap     for an anytime method that also searches the primal side (sdp), per row: the row's value at the
 *                     best point found for its minimum minus {@code lower} (≥ 0; the method's duality gap there); null
 *                     when the method reports none
 * @param upperGap     the same for {@code upper} (NaN where the upper bound came from another method); null when none
 */
public record BoundResult(Method method, double[] lower, double[] upper, Map<Integer, Interval> intermediate, long nanos,
                          double[] lowerGap, double[] upperGap) {

    public BoundResult(Method method, double[] lower, double[] upper, Map<Integer, Interval> intermediate, long nanos) {
        this(method, lower, upper, intermediate, nanos, null, null);
    }

    public double minLower() {
        double m = Double.POSITIVE_INFINITY;
        for (double v : lower) m = Math.min(m, v);
        return m;
    }

    /** Unstable neurons (l < 0 < u) over all pre-activation nodes. */
    public int unstableNeurons() {
        return intermediate.values().stream().mapToInt(Interval::unstableCount).sum();
    }
}
