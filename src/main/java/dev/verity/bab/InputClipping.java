package dev.verity.bab;

import java.util.Optional;

/**
 * Input-domain clipping for input splitting (α,β-CROWN's "clip input domain"): every unsafe point of a box satisfies
 * each row of its disjunct, {@code row_r(x) <= 0}, and the row's linear lower bound {@code a_r·x + b_r <= row_r(x)}
 * holds pointwise on the box, so the unsafe points of a disjunct lie in {@code {x in box : a_r·x + b_r <= 0 for its
 * rows r}}, whose bounding box is found one dimension at a time:
 * {@code a_ri·x_i <= −b_r − Σ_{j≠i} min(a_rj·lo_j, a_rj·hi_j)}. A domain with several open disjuncts keeps the hull of
 * their boxes. Splitting the clipped box instead of the whole one spends no splits on the part no row can reach.
 * The new ends are moved outwards by far more than the rounding error of computing them (16 terms at most: a
 * relative 1e-9 of the terms' magnitudes), so no unsafe point is cut off.
 */
final class InputClipping {
    private InputClipping() {}

    /** Relative slack on each clipped end, against the rounding of the sums (at most ~(n + 2)·2⁻⁵³ of the magnitudes). */
    static final double SLACK = 1e-9;

    /**
     * The bounding box {@code [lo', hi']} of the unsafe points of {@code [lo, hi]} for the open disjuncts {@code open}
     * (indices into {@code rows}' disjuncts) by their rows' linear bounds (coefficients {@code coeff[r·n + j]}, pointwise
     * valid biases {@code bias[r]}); empty when it would not shrink the box, or when some disjunct's box came out empty
     * (then the caller's bounds decide that disjunct: they exclude it only above its tolerance).
     */
    static Optional<double[][]> clip(double[] lo, double[] hi, DisjunctRows rows, boolean[] excluded, double[] coeff, double[] bias) {
        int n = lo.length;
        double[] hullLo = null, hullHi = null;
        for (int i = 0; i < rows.open().length; i++) {
            if (excluded[i]) continue;
            double[] l = lo.clone(), h = hi.clone();
            for (int r = rows.rowStart()[i]; r < rows.rowStart()[i + 1]; r++)
                if (!clipRow(l, h, coeff, r * n, bias[r])) return Optional.empty();
            if (hullLo == null) {
                hullLo = l;
                hullHi = h;
            } else {
                for (int j = 0; j < n; j++) {
                    hullLo[j] = Math.min(hullLo[j], l[j]);
                    hullHi[j] = Math.max(hullHi[j], h[j]);
                }
            }
        }
        if (hullLo == null) return Optional.empty();
        boolean shrunk = false;
        for (int j = 0; j < n; j++) if (hullLo[j] > lo[j] || hullHi[j] < hi[j]) shrunk = true;
        return shrunk ? Optional.of(new double[][] {hullLo, hullHi}) : Optional.empty();
    }

    /**
     * Shrinks {@code [l, h]} to the bounding box of its points with {@code a·x + b <= 0} ({@code a} = coeff[off, off + n));
     * false when none is left.
     */
    static boolean clipRow(double[] l, double[] h, double[] coeff, int off, double b) {
        int n = l.length;
        double[] m = new double[n];
        double sum = 0, magnitude = Math.abs(b);
        for (int j = 0; j < n; j++) {
            double a = coeff[off + j];
            m[j] = a == 0 ? 0 : Math.min(a * l[j], a * h[j]);
            sum += m[j];
            magnitude += Math.abs(m[j]);
        }
        double slack = SLACK * magnitude + Double.MIN_NORMAL;
        for (int j = 0; j < n; j++) {
            double a = coeff[off + j];
            if (a == 0) continue;
            double rhs = -b - (sum - m[j]) + slack; // a·x_j <= rhs (rounded up by the slack)
            double end = rhs / a;
            if (a > 0) {
                double u = Math.nextUp(end);
                if (u < h[j]) h[j] = u;
            } else {
                double v = Math.nextDown(end);
                if (v > l[j]) l[j] = v;
            }
            if (l[j] > h[j]) return false;
        }
        return true;
    }
}
