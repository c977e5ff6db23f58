package dev.verity.spec;

import java.util.List;

/**
 * A conjunction of output constraints: {@code y} is in this part of the unsafe set when it satisfies
 * every row. No rows means "every output": each input of the case's box is then a counterexample.
 */
public record Disjunct(List<LinearConstraint> rows) {

    public Disjunct {
        rows = List.copyOf(rows);
        if (!rows.isEmpty()) {
            int n = rows.getFirst().dimension();
            for (LinearConstraint r : rows) {
                if (r.dimension() != n) throw new IllegalArgumentException("rows over " + n + " and " + r.dimension() + " outputs");
            }
        }
    }

    public Disjunct(LinearConstraint... rows) { this(List.of(rows)); }

    /** Whether {@code y} satisfies every row ({@code c·y + d <= 0} for all rows). */
    public boolean isSatisfiedBy(double[] y) {
        for (LinearConstraint r : rows) if (!r.isSatisfiedBy(y)) return false;
        return true;
    }

    /**
     * The largest row value {@code max(c·y + d)}: at most 0 exactly when {@code y} satisfies the
     * disjunct, and a natural objective for an attack to push below 0. {@code -inf} for no rows.
     */
    public double maxValue(double[] y) {
        double m = Double.NEGATIVE_INFINITY;
        for (LinearConstraint r : rows) {
            double v = r.value(y);
            if (!(v <= m)) m = v; // also propagates NaN
        }
        return m;
    }

    @Override public String toString() { return rows.toString(); }
}
