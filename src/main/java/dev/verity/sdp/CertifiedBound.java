package dev.verity.sdp;

import dev.verity.tensor.Gemm;
import dev.verity.tensor.RoundingBounds;

/**
 * A rigorous lower bound on the smallest eigenvalue of a symmetric matrix known up to an elementwise error, by a
 * floating-point Cholesky factorisation of a shifted copy.
 *
 * <p>Argument. Let S be the exact matrix, Ŝ its computed copy with |Ŝ − S| ≤ E elementwise, and s a shift. The
 * factorisation works on A = fl(Ŝ − sI) (only the diagonal is rounded: |A − (Ŝ − sI)| ≤ u|A_kk| on it). If the
 * Cholesky algorithm runs to completion on A (all pivots positive), Higham (Accuracy and Stability of Numerical
 * Algorithms, 2nd ed., Thm 10.3) gives A + ΔA = L̂L̂ᵀ with |ΔA| ≤ γ_{n+1}|L̂||L̂ᵀ|, γ_k = ku/(1 − ku), u = 2⁻⁵³; the
 * theorem holds for any order of the inner products' summation (it rests on Lemma 8.4), so a GEMM may form the
 * partial sums. Since L̂L̂ᵀ ⪰ 0, λ_min(A) ≥ −‖ΔA‖₂ ≥ −γ_{n+1}‖|L̂||L̂ᵀ|‖₂ ≥ −γ_{n+1}‖L̂‖_F², and by Weyl's inequality
 * λ_min(S) ≥ s − γ_{n+1}‖L̂‖_F² − ‖E + diag(u|A_kk|)‖_F. The two corrections, themselves computed in floating
 * point with relative errors far below 10⁻⁶, are enlarged by 10⁻⁶ relatively and the subtractions rounded
 * down. Underflow is ignored (as in the theorem): entries far below 10⁻³⁰⁰ do not occur here.
 *
 * <p>Structure. The dual matrix of {@link DualOperator} has a diagonal input block (only the box multipliers act
 * there), so the factorisation takes the input coordinates first: their part of L̂ is diagonal and the coupling
 * columns are single divisions, exactly what the standard algorithm computes there (its other products are exact
 * zeros). The rest (the constant and the hidden coordinates) is factorised densely after the Schur update, a GEMM.
 */
final class CertifiedBound {
    private CertifiedBound() {}

    /** The unit roundoff; γ_k is {@link RoundingBounds#gamma}, shared with sound mode's charges. */
    static final double U = RoundingBounds.U;

    /**
     * A symmetric matrix [[diag(diag), couplingᵀ], [coupling, block]] with {@code d} diagonal coordinates first,
     * {@code coupling} row-major [rest × d], {@code block} row-major [rest × rest], and the Frobenius norm of an
     * elementwise bound on its entries' error.
     */
    record Structured(int d, double[] diag, double[] coupling, double[] block, double errorFrobenius) {
        int dimension() { return d + rest(); }

        int rest() { return (int) Math.round(Math.sqrt(block.length)); }
    }

    /**
     * A rigorous lower bound on λ_min of the exact matrix if the Cholesky factorisation of M − shift·I succeeds,
     * {@code NaN} otherwise.
     */
    static double atShift(Structured m, double shift) {
        int d = m.d(), r = m.rest(), n = d + r;
        double sumSq = 0, diagErr2 = 0;
        double[] inv = new double[d];
        for (int k = 0; k < d; k++) {
            double a = m.diag()[k] - shift;
            if (!(a > 0) || !Double.isFinite(a)) return Double.NaN;
            double l = Math.sqrt(a);
            inv[k] = l;
            sumSq += l * l;
            diagErr2 += sq(U * a);
        }
        double[] c = new double[r * d];
        for (int i = 0; i < r; i++) {
            for (int k = 0; k < d; k++) {
                double v = m.coupling()[i * d + k];
                if (v == 0) continue;
                double l = v / inv[k];
                c[i * d + k] = l;
                sumSq += l * l;
            }
        }
        double[] a = m.block().clone();
        for (int i = 0; i < r; i++) {
            a[i * r + i] -= shift;
            diagErr2 += sq(U * a[i * r + i]);
        }
        if (d > 0 && r > 0) Gemm.gemm(false, true, r, r, d, -1.0, c, 0, d, c, 0, d, 1.0, a, 0, r);
        // dense Cholesky of the rest, row by row: L[i][j] = (a_ij − Σ_{k<j} L_ik L_jk) / L_jj
        for (int i = 0; i < r; i++) {
            int ri = i * r;
            for (int j = 0; j <= i; j++) {
                int rj = j * r;
                double s = a[ri + j];
                for (int k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
                if (j < i) a[ri + j] = s / a[rj + j];
                else {
                    if (!(s > 0) || !Double.isFinite(s)) return Double.NaN;
                    a[ri + i] = Math.sqrt(s);
                }
            }
            for (int j = 0; j <= i; j++) sumSq += a[ri + j] * a[ri + j];
        }
        if (!Double.isFinite(sumSq)) return Double.NaN;
        double fact = RoundingBounds.gamma(n + 1) * sumSq * (1 + 1e-6);
        double err = (m.errorFrobenius() + Math.sqrt(diagErr2)) * (1 + 1e-6);
        return Math.nextDown(Math.nextDown(shift - fact) - err);
    }

    /**
     * A rigorous lower bound from the first shift {@code estimate − margin·growth^i} (i = 0, 1, …) at which the
     * factorisation succeeds; {@code estimate} is an estimate of λ_min from above (a Lanczos Ritz value). Gives
     * up with −∞ after {@code tries} shifts.
     */
    static double lowerBound(Structured m, double estimate, double margin, double growth, int tries) {
        double step = margin;
        for (int i = 0; i < tries; i++) {
            double b = atShift(m, estimate - step);
            if (!Double.isNaN(b)) return b;
            step *= growth;
        }
        return Double.NEGATIVE_INFINITY;
    }

    private static double sq(double v) { return v * v; }
}
