package dev.verity.spec;

import java.util.Arrays;

/**
 * An axis-aligned box {@code lower[i] <= x[i] <= upper[i]} over the flattened model input
 * (index {@code i} is {@code X_i} of VNN-LIB, i.e. row-major order in the model's input shape).
 * Bounds are closed. The arrays are copied in and out, so a box is immutable; in loops prefer
 * {@link #lower(int)} / {@link #upper(int)}, which do not copy.
 */
public record Box(double[] lower, double[] upper) {

    /** @throws IllegalArgumentException if the lengths differ, a bound is NaN, or some lower bound exceeds its upper bound */
    public Box {
        lower = lower.clone();
        upper = upper.clone();
        if (lower.length != upper.length) {
            throw new IllegalArgumentException("box has " + lower.length + " lower but " + upper.length + " upper bounds");
        }
        for (int i = 0; i < lower.length; i++) {
            if (Double.isNaN(lower[i]) || Double.isNaN(upper[i])) throw new IllegalArgumentException("NaN bound for X_" + i);
            if (lower[i] > upper[i]) {
                throw new IllegalArgumentException("empty box: X_" + i + " in [" + lower[i] + ", " + upper[i] + "]");
            }
        }
    }

    /** A box from its center and a per-coordinate radius ({@code center ± radius}). */
    public static Box around(double[] center, double radius) {
        if (!(radius >= 0)) throw new IllegalArgumentException("radius must be >= 0, got " + radius);
        double[] lo = new double[center.length], hi = new double[center.length];
        for (int i = 0; i < center.length; i++) {
            lo[i] = center[i] - radius;
            hi[i] = center[i] + radius;
        }
        return new Box(lo, hi);
    }

    @Override public double[] lower() { return lower.clone(); }
    @Override public double[] upper() { return upper.clone(); }

    /** Number of input coordinates. */
    public int dimension() { return lower.length; }
    public double lower(int i) { return lower[i]; }
    public double upper(int i) { return upper[i]; }
    public double width(int i) { return upper[i] - lower[i]; }

    /** Whether every coordinate of {@code x} lies in its closed interval. */
    public boolean contains(double[] x) { return contains(x, 0.0); }

    /** Whether {@code x} lies in the box widened by {@code tolerance} on every side. */
    public boolean contains(double[] x, double tolerance) {
        checkLength(x);
        for (int i = 0; i < x.length; i++) {
            // Written so that a NaN coordinate is outside.
            if (!(x[i] >= lower[i] - tolerance && x[i] <= upper[i] + tolerance)) return false;
        }
        return true;
    }

    /** The midpoint of every interval. */
    public double[] center() {
        double[] c = new double[lower.length];
        // Halving before adding cannot overflow even for huge finite bounds; a point interval gives its point exactly.
        for (int i = 0; i < c.length; i++) c[i] = lower[i] == upper[i] ? lower[i] : 0.5 * lower[i] + 0.5 * upper[i];
        return c;
    }

    /** The half-widths of the intervals. */
    public double[] radius() {
        double[] r = new double[lower.length];
        for (int i = 0; i < r.length; i++) r[i] = 0.5 * (upper[i] - lower[i]);
        return r;
    }

    /** The nearest point of the box to {@code x} (coordinate-wise clipping): the projection used by attacks. */
    public double[] clamp(double[] x) {
        checkLength(x);
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) p[i] = Math.min(upper[i], Math.max(lower[i], x[i]));
        return p;
    }

    private void checkLength(double[] x) {
        if (x.length != lower.length) {
            throw new IllegalArgumentException("point has " + x.length + " coordinates, box has " + lower.length);
        }
    }

    @Override public boolean equals(Object o) {
        return o instanceof Box b && Arrays.equals(lower, b.lower) && Arrays.equals(upper, b.upper);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(lower) + Arrays.hashCode(upper); }

    @Override public String toString() {
        StringBuilder s = new StringBuilder("Box[");
        int n = Math.min(lower.length, 4);
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ", ").append("X_").append(i).append(" in [").append(lower[i]).append(", ").append(upper[i]).append(']');
        }
        if (lower.length > n) s.append(", ... (").append(lower.length).append(" inputs)");
        return s.append(']').toString();
    }
}
