package dev.verity.lp;

/**
 * The Neumaier–Shcherbina safe bound (A. Neumaier, O. Shcherbina, "Safe bounds in linear and
 * mixed-integer linear programming", Math. Programming A 99:283–296, 2004): for
 * {@code min c·x + k} s.t. {@code A x (<=, >=, =) b}, {@code l <= x <= u}, every dual vector y with the
 * right signs (y_i >= 0 on >= rows, y_i <= 0 on <= rows, free on = rows) gives, for every feasible x,
 * <pre>  c·x + k >= c·x + k − Σ_i y_i (a_i·x − b_i) = k + b·y + r·x >= k + b·y + Σ_j min(r_j l_j, r_j u_j),
 *   r = c − Aᵀy,</pre>
 * because each y_i (a_i·x − b_i) >= 0. The solver's y is used only as a guess: wrong-sign entries (and
 * NaN) are set to 0, r is recomputed from Verity's exact copy of A and c (not the solver's reduced
 * costs), and every operation is rounded outwards ({@link Rounding}), so the result is a mathematically
 * valid lower bound of the exact LP whatever the solver's tolerances. With an optimal y it equals the
 * reported optimum up to the solver's tolerance times the residual r's size; y = 0 gives the interval bound.
 * A variable with an infinite bound and a residual of the wrong sign makes the bound −inf.
 */
public final class SafeBound {
    private SafeBound() {}

    /** For a minimisation a lower bound, for a maximisation an upper bound of the model's optimum, from the solver's duals. */
    public static double of(LpModel model, LpSolution solution) {
        return of(model, solution.duals());
    }

    /** As {@link #of(LpModel, LpSolution)} from any dual vector (one entry per constraint, in the solver's convention). */
    public static double of(LpModel model, double[] duals) {
        if (duals.length != model.constraints())
            throw new IllegalArgumentException(duals.length + " duals for " + model.constraints() + " constraints");
        if (model.minimize()) return lower(model, duals, 1);
        // max c·x + k = −min(−c·x − k); the solver's duals of the maximisation, negated, are the minimisation's
        // (both conventions have reduced costs c − Aᵀy). Wrong signs are clipped like any other guess.
        return -lower(model, duals, -1);
    }

    /** A lower bound of {@code min (s·c)·x + s·k} with the duals {@code s·y}. */
    private static double lower(LpModel m, double[] duals, double s) {
        int n = m.variables();
        // Enclosure [sumLo, sumHi] of (Aᵀy)_j and of b·y, with outward rounding.
        double[] sumLo = new double[n], sumHi = new double[n];
        double by = 0;
        for (int i = 0; i < m.constraints(); i++) {
            LpModel.Row row = m.row(i);
            double y = clip(s * duals[i], row.sense());
            if (y == 0) continue;
            by = Rounding.addDown(by, Rounding.mulDown(row.rhs(), y));
            for (int k = 0; k < row.size(); k++) {
                int j = row.var(k);
                double a = row.coef(k);
                sumLo[j] = Rounding.addDown(sumLo[j], Rounding.mulDown(a, y));
                sumHi[j] = Rounding.addUp(sumHi[j], Rounding.mulUp(a, y));
            }
        }
        double bound = Rounding.addDown(s * m.constant(), by);
        for (int j = 0; j < n; j++) {
            double c = s * m.objective(j);
            double rlo = Rounding.addDown(c, -sumHi[j]), rhi = Rounding.addUp(c, -sumLo[j]);
            bound = Rounding.addDown(bound, Rounding.productMinDown(rlo, rhi, m.lower(j), m.upper(j)));
        }
        return Double.isNaN(bound) ? Double.NEGATIVE_INFINITY : bound;
    }

    /** The dual with the sign its row allows in a minimisation; NaN (a failed solve) counts as 0. */
    static double clip(double y, Sense sense) {
        if (Double.isNaN(y)) return 0;
        return switch (sense) {
            case GE -> Math.max(y, 0);
            case LE -> Math.min(y, 0);
            case EQ -> y;
        };
    }
}
