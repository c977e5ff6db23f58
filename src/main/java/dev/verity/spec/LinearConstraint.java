package dev.verity.spec;

import java.util.Arrays;

/**
 * One linear constraint {@code c·y + d <= 0} over the network outputs {@code y} ({@code Y_j} is
 * {@code y[j]}). The coefficient array is copied in and out, so a constraint is immutable.
 * Example: VNN-LIB {@code (>= Y_0 Y_8)} is {@code Y_8 - Y_0 <= 0}, i.e. {@code c[8] = 1, c[0] = -1, d = 0}.
 */
public record LinearConstraint(double[] c, double d) {

    /** @throws IllegalArgumentException if a coefficient or {@code d} is not finite */
    public LinearConstraint {
        c = c.clone();
        for (int j = 0; j < c.length; j++) {
            if (!Double.isFinite(c[j])) throw new IllegalArgumentException("coefficient of Y_" + j + " is " + c[j]);
        }
        if (!Double.isFinite(d)) throw new IllegalArgumentException("constant is " + d);
    }

    @Override public double[] c() { return c.clone(); }

    /** Number of outputs this constraint ranges over. */
    public int dimension() { return c.length; }

    /** The coefficient of {@code Y_j}. */
    public double coefficient(int j) { return c[j]; }

    /** {@code c·y + d}: at most 0 exactly when {@code y} satisfies the constraint. */
    public double value(double[] y) {
        if (y.length != c.length) throw new IllegalArgumentException("output has " + y.length + " values, constraint has " + c.length);
        double s = d;
        for (int j = 0; j < c.length; j++) if (c[j] != 0) s += c[j] * y[j];
        return s;
    }

    /** Whether {@code c·y + d <= 0} (false for NaN outputs). */
    public boolean isSatisfiedBy(double[] y) { return value(y) <= 0; }

    @Override public boolean equals(Object o) {
        return o instanceof LinearConstraint l && Arrays.equals(c, l.c) && Double.compare(d, l.d) == 0;
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(c) + Double.hashCode(d); }

    /** Readable form, e.g. {@code Y_8 - Y_0 <= 0} or {@code -Y_0 + 3.99 <= 0}. */
    @Override public String toString() {
        StringBuilder s = new StringBuilder();
        for (int j = 0; j < c.length; j++) {
            if (c[j] == 0) continue;
            double a = Math.abs(c[j]);
            s.append(s.isEmpty() ? (c[j] < 0 ? "-" : "") : (c[j] < 0 ? " - " : " + "));
            if (a != 1) s.append(a).append('*');
            s.append("Y_").append(j);
        }
        if (d != 0 || s.isEmpty()) s.append(s.isEmpty() ? "" : (d < 0 ? " - " : " + ")).append(s.isEmpty() ? d : Math.abs(d));
        return s.append(" <= 0").toString();
    }
}
