package dev.verity.relax;

import java.util.Arrays;

/** Element-wise lower and upper bounds of one node's value (flattened sample, row-major). */
public record Interval(double[] lower, double[] upper) {
    public Interval {
        if (lower.length != upper.length) throw new IllegalArgumentException("lower and upper of different lengths");
    }

    public int size() { return lower.length; }
    public double lower(int i) { return lower[i]; }
    public double upper(int i) { return upper[i]; }

    /** The element-wise intersection (both are sound, so is the intersection). */
    public Interval intersect(Interval o) {
        double[] l = new double[size()], u = new double[size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = Math.max(lower[i], o.lower[i]);
            u[i] = Math.min(upper[i], o.upper[i]);
        }
        return new Interval(l, u);
    }

    /**
     * This interval intersected with {@code other} (both valid bounds of the same values), except where the two cross —
     * a rounding-level disagreement — where this one's bounds are kept, so the result is never empty.
     */
    public Interval tightenedBy(Interval other) {
        double[] l = lower.clone(), u = upper.clone();
        for (int i = 0; i < l.length; i++) {
            double lo = Math.max(l[i], other.lower[i]), hi = Math.min(u[i], other.upper[i]);
            if (lo <= hi) { l[i] = lo; u[i] = hi; }
        }
        return new Interval(l, u);
    }

    /**
     * How many elements of this interval and {@code other} do not overlap. Two sound bounds of the same values always
     * overlap in exact arithmetic; a crossing is a rounding- or tolerance-level disagreement (or a bug), which
     * {@link #tightenedBy} resolves by keeping this interval's bounds — callers report the count rather than repair silently.
     */
    public int crossings(Interval other) {
        int c = 0;
        for (int i = 0; i < lower.length; i++) if (Math.max(lower[i], other.lower[i]) > Math.min(upper[i], other.upper[i])) c++;
        return c;
    }

    /** Number of neurons with l < 0 < u (the unstable ReLUs when this is a pre-activation). */
    public int unstableCount() {
        int c = 0;
        for (int i = 0; i < lower.length; i++) if (lower[i] < 0 && upper[i] > 0) c++;
        return c;
    }

    public double minLower() { return Arrays.stream(lower).min().orElse(Double.POSITIVE_INFINITY); }

    @Override public String toString() {
        return "Interval[" + size() + "] lower " + Arrays.toString(Arrays.copyOf(lower, Math.min(5, size())))
                + " upper " + Arrays.toString(Arrays.copyOf(upper, Math.min(5, size())));
    }
}
