package dev.verity.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels for the two products by sign that linear-bound propagation is made of: relaxing an
 * activation (positive coefficients take one line's slope, negative ones the other's) and minimising a
 * linear function over a box (positive coefficients take the lower end, negative ones the upper).
 * One fused pass each, instead of relu / sub / two multiplies / add.
 */
final class SignSplit {
    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

    private SignSplit() {}

    /**
     * {@code a⁺ ⊙ p + a⁻ ⊙ q} with {@code a [m, n]} (any shape viewed so) and {@code p}, {@code q} either
     * {@code [n]} (shared by all rows) or {@code [m, n]}.
     */
    static Tensor mulBySign(Tensor a, Tensor p, Tensor q) {
        int total = a.size(), rows = a.dim(0), n = total / Math.max(1, rows);
        checkFactor(a, p, n);
        checkFactor(a, q, n);
        double[] ad = a.data(), pd = p.data(), qd = q.data(), out = new double[total];
        boolean pRow = pd.length == total && total != n, qRow = qd.length == total && total != n;
        for (int r = 0; r < rows; r++) {
            int off = r * n;
            mulBySignRow(ad, off, pd, pRow ? off : 0, qd, qRow ? off : 0, out, n);
        }
        return new Tensor(out, a.shape());
    }

    /** out[off+j] = max(a,0)·p + min(a,0)·q, branch-free (signs are unpredictable), vectorised. */
    private static void mulBySignRow(double[] a, int off, double[] p, int pOff, double[] q, int qOff, double[] out, int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
            DoubleVector v = DoubleVector.fromArray(SPECIES, a, off + j);
            DoubleVector pos = v.max(0.0), neg = v.min(0.0);
            pos.mul(DoubleVector.fromArray(SPECIES, p, pOff + j))
                    .add(neg.mul(DoubleVector.fromArray(SPECIES, q, qOff + j)))
                    .intoArray(out, off + j);
        }
        for (; j < n; j++) {
            double v = a[off + j];
            out[off + j] = Math.max(v, 0) * p[pOff + j] + Math.min(v, 0) * q[qOff + j];
        }
    }

    /** {@code g ⊙ (p where a > 0, q where a < 0, 0 where a = 0)}: the gradient of mulBySign w.r.t. a. */
    static Tensor selectBySign(Tensor a, Tensor g, Tensor p, Tensor q) {
        int total = a.size(), rows = a.dim(0), n = total / Math.max(1, rows);
        checkFactor(a, p, n);
        checkFactor(a, q, n);
        double[] ad = a.data(), gd = g.data(), pd = p.data(), qd = q.data(), out = new double[total];
        boolean pRow = pd.length == total, qRow = qd.length == total;
        for (int i = 0; i < total; i++) {
            double v = ad[i];
            out[i] = v > 0 ? gd[i] * pd[pRow ? i : i % n] : v < 0 ? gd[i] * qd[qRow ? i : i % n] : 0;
        }
        return new Tensor(out, a.shape());
    }

    /** Per row of {@code a [m, ...]}: {@code Σ_j a⁺_j lo_j + a⁻_j hi_j}, as {@code [m, 1]}. */
    static Tensor boxMin(Tensor a, Tensor lo, Tensor hi) {
        int m = a.dim(0), n = a.size() / Math.max(1, m);
        if (lo.size() != n || hi.size() != n)
            throw new IllegalArgumentException("boxMin over " + n + " values per row, box of " + lo.size() + " and " + hi.size());
        double[] ad = a.data(), l = lo.data(), h = hi.data(), out = new double[m];
        for (int r = 0; r < m; r++) {
            int off = r * n, j = 0;
            DoubleVector acc = DoubleVector.zero(SPECIES);
            for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                DoubleVector v = DoubleVector.fromArray(SPECIES, ad, off + j);
                acc = v.max(0.0).fma(DoubleVector.fromArray(SPECIES, l, j), acc);
                acc = v.min(0.0).fma(DoubleVector.fromArray(SPECIES, h, j), acc);
            }
            double s = acc.reduceLanes(VectorOperators.ADD);
            for (; j < n; j++) {
                double v = ad[off + j];
                s += Math.max(v, 0) * l[j] + Math.min(v, 0) * h[j];
            }
            out[r] = s;
        }
        return new Tensor(out, m, 1);
    }

    /** Gradient of boxMin w.r.t. a: lo where a > 0, hi where a < 0 (and 0 at 0), scaled by the row's incoming gradient. */
    static Tensor boxMinBackward(Tensor a, Tensor lo, Tensor hi, Tensor g) {
        int m = a.dim(0), n = a.size() / Math.max(1, m);
        double[] ad = a.data(), l = lo.data(), h = hi.data(), gd = g.data(), out = new double[a.size()];
        for (int r = 0; r < m; r++) {
            int off = r * n;
            for (int j = 0; j < n; j++) {
                double v = ad[off + j];
                out[off + j] = gd[r] * (v > 0 ? l[j] : v < 0 ? h[j] : 0);
            }
        }
        return new Tensor(out, a.shape());
    }

    /** {@code g ⊙ [a > 0]} or {@code g ⊙ [a < 0]}: the part of the gradient that reaches p or q. */
    static Tensor maskBySign(Tensor a, Tensor g, boolean positive) {
        double[] ad = a.data(), gd = g.data(), out = new double[ad.length];
        for (int i = 0; i < ad.length; i++) out[i] = (positive ? ad[i] > 0 : ad[i] < 0) ? gd[i] * ad[i] : 0;
        return new Tensor(out, a.shape());
    }

    /** A factor holds one value per sample element (shared by all rows) or one per element of a. */
    private static void checkFactor(Tensor a, Tensor f, int n) {
        if (f.size() != n && f.size() != a.size())
            throw new IllegalArgumentException("mulBySign factor of " + f.size() + " values for coefficients of shape " + java.util.Arrays.toString(a.shape()));
    }
}
