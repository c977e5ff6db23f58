package dev.verity.bab;

/**
 * A disjunct whose unsafe set is a conjunction of rows ({@code row_r(y) ≤ 0} for every r; ACAS Xu properties 2–4: "COC
 * scores highest") is excluded on a box when no point of the box satisfies all rows at once — which can hold although no
 * single row is positive on the whole box: near the boundary between two advisories each of them beats COC on one side
 * only. With linear lower bounds {@code row_r(f(x)) ≥ a_r·x + b_r} on the box, any weights {@code λ ≥ 0} give
 * {@code max_r row_r ≥ Σ λ_r row_r ≥ g(λ) = min_{x ∈ box} Σ λ_r (a_r·x + b_r)} when {@code Σ λ_r = 1}, so
 * {@code g(λ) > 0} excludes the disjunct (weak duality of the LP {@code min_x max_r a_r·x + b_r}; one row alone is a
 * vertex of the simplex). g is concave and piecewise linear; it is maximised over the simplex by exponentiated
 * supergradient ascent (the supergradient in λ_r is {@code a_r·x* + b_r} at the box corner x* minimising the combination),
 * keeping the best λ seen (and never below the best single row) — any λ is valid, so stopping early only loses tightness.
 */
record RowCombination(double[] weights, double value, double magnitude) {
    static final int ITERATIONS = 100;

    /**
     * The best combination found of rows {@code [from, to)} of {@code coeff} ({@code [rows, n]}) and {@code bias} over
     * {@code [lo, hi]}; {@code magnitude} is what its value was summed from (for the caller's rounding tolerance).
     */
    static RowCombination best(double[] coeff, double[] bias, int from, int to, double[] lo, double[] hi) {
        int rows = to - from, n = lo.length;
        double[] lambda = new double[rows], best = null, value = new double[rows], a = new double[n];
        double bestValue = Double.NEGATIVE_INFINITY, bestMagnitude = 0, scale = 0;
        // the single rows (the simplex's vertices) first, so that the result is never below the best of them
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(lambda, 0);
            lambda[r] = 1;
            double[] gm = evaluate(coeff, bias, from, rows, lo, hi, lambda, a);
            if (gm[0] > bestValue) { bestValue = gm[0]; best = lambda.clone(); bestMagnitude = gm[1]; }
            scale = Math.max(scale, Math.abs(bias[from + r]) + absOver(coeff, from + r, n, lo, hi));
        }
        if (!(scale > 0) || !Double.isFinite(scale)) return new RowCombination(best, bestValue, bestMagnitude);
        java.util.Arrays.fill(lambda, 1.0 / rows);
        for (int it = 0; it < ITERATIONS; it++) {
            double[] gm = evaluate(coeff, bias, from, rows, lo, hi, lambda, a);
            if (gm[0] > bestValue) { bestValue = gm[0]; best = lambda.clone(); bestMagnitude = gm[1]; }
            // λ_r ∝ λ_r·exp(η·(a_r·x* + b_r)), x* the corner minimising the combination: weight moves to the rows x*
            // satisfies least (the supergradient); η shrinks as 1/√t, the usual rate for a non-smooth concave function
            double step = 2.0 / (scale * Math.sqrt(it + 1)), max = Double.NEGATIVE_INFINITY;
            for (int r = 0; r < rows; r++) {
                double v = bias[from + r];
                for (int j = 0; j < n; j++) v += coeff[(from + r) * n + j] * (a[j] >= 0 ? lo[j] : hi[j]);
                value[r] = step * v;
                max = Math.max(max, value[r]);
            }
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += lambda[r] *= Math.exp(value[r] - max);
            for (int r = 0; r < rows; r++) lambda[r] = Math.max(lambda[r] / sum, 1e-12);
        }
        return new RowCombination(best, bestValue, bestMagnitude);
    }

    /**
     * {@code {g(λ), magnitude}}: {@code g(λ) = Σ λ_r b_r + Σ_j min(A_j lo_j, A_j hi_j)} with {@code A = Σ λ_r a_r}, left in
     * {@code a}; the magnitude is the sum of the terms' absolute values.
     */
    private static double[] evaluate(double[] coeff, double[] bias, int from, int rows, double[] lo, double[] hi, double[] lambda, double[] a) {
        int n = lo.length;
        java.util.Arrays.fill(a, 0);
        double g = 0, magnitude = 0;
        for (int r = 0; r < rows; r++) {
            if (lambda[r] == 0) continue;
            g += lambda[r] * bias[from + r];
            magnitude += lambda[r] * Math.abs(bias[from + r]);
            for (int j = 0; j < n; j++) a[j] += lambda[r] * coeff[(from + r) * n + j];
        }
        for (int j = 0; j < n; j++) {
            g += Math.min(a[j] * lo[j], a[j] * hi[j]);
            magnitude += Math.abs(a[j]) * Math.max(Math.abs(lo[j]), Math.abs(hi[j]));
        }
        return new double[] {g, magnitude};
    }

    private static double absOver(double[] coeff, int r, int n, double[] lo, double[] hi) {
        double s = 0;
        for (int j = 0; j < n; j++) s += Math.abs(coeff[r * n + j]) * (hi[j] - lo[j]);
        return s;
    }
}
