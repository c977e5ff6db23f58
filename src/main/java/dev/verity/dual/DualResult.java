package dev.verity.dual;

/**
 * The outcome of a dual maximisation, per objective row.
 *
 * @param lower      the best dual value seen: a valid lower bound of {@code c·y + d} over the input box
 *                   (given the intermediate bounds the dual was built with)
 * @param initial    g at the starting multipliers (with {@link DualOptions.Init#CROWN} on a ReLU net:
 *                   CROWN's bound for the same intermediate bounds)
 * @param iterations Adam steps taken
 * @param nanos      wall time of the whole maximisation
 */
public record DualResult(double[] lower, double[] initial, int iterations, long nanos) {
    public DualResult {
        lower = lower.clone();
        initial = initial.clone();
    }

    @Override public double[] lower() { return lower.clone(); }
    @Override public double[] initial() { return initial.clone(); }

    public double minLower() {
        double m = Double.POSITIVE_INFINITY;
        for (double v : lower) if (!(v >= m)) m = v;
        return m;
    }
}
