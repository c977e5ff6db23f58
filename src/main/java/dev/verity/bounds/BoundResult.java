package dev.verity.bounds;

import java.util.Map;

/**
 * Bounds of an objective's rows: {@code lower[i] <= c_i·y + d_i <= upper[i]} for every input in the box.
 *
 * @param intermediate the bounds of every node that feeds a nonlinearity (pre-activations), by node id
 * @param nanos        wall time of the computation
 */
public record BoundResult(Method method, double[] lower, double[] upper, Map<Integer, Interval> intermediate, long nanos) {
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
