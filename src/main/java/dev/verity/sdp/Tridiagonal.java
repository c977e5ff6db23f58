package dev.verity.sdp;

/**
 * The smallest eigenpair of a symmetric tridiagonal matrix (diagonal a, off-diagonal b): the eigenvalue by
 * bisection on Sturm counts, the eigenvector by inverse iteration. Small matrices only (Lanczos' T).
 */
final class Tridiagonal {
    private Tridiagonal() {}

    /** Number of eigenvalues below x (the negative pivots of the LDLᵀ of T − xI). */
    static int countBelow(double[] a, double[] b, int m, double x) {
        int count = 0;
        double d = 1;
        for (int i = 0; i < m; i++) {
            double bb = i == 0 ? 0 : b[i - 1] * b[i - 1];
            d = (a[i] - x) - (i == 0 ? 0 : bb / d);
            if (d == 0) d = -1e-300;
            if (d < 0) count++;
        }
        return count;
    }

    static double smallestEigenvalue(double[] a, double[] b, int m) {
        // Gershgorin interval
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < m; i++) {
            double r = (i > 0 ? Math.abs(b[i - 1]) : 0) + (i < m - 1 ? Math.abs(b[i]) : 0);
            lo = Math.min(lo, a[i] - r);
            hi = Math.max(hi, a[i] + r);
        }
        if (m == 1) return a[0];
        for (int it = 0; it < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo) + Math.abs(hi)); it++) {
            double mid = 0.5 * (lo + hi);
            if (countBelow(a, b, m, mid) >= 1) hi = mid;
            else lo = mid;
        }
        return 0.5 * (lo + hi);
    }

    /** A unit eigenvector for the eigenvalue theta, by inverse iteration with a slightly perturbed shift. */
    static double[] eigenvector(double[] a, double[] b, int m, double theta) {
        double scale = 0;
        for (int i = 0; i < m; i++) scale = Math.max(scale, Math.abs(a[i]) + (i < m - 1 ? Math.abs(b[i]) : 0));
        double shift = theta - 1e-12 * Math.max(scale, 1e-300);
        double[] x = new double[m];
        java.util.Arrays.fill(x, 1.0 / Math.sqrt(m));
        for (int it = 0; it < 4; it++) {
            x = solve(a, b, m, shift, x);
            double nrm = 0;
            for (double v : x) nrm += v * v;
            nrm = Math.sqrt(nrm);
            if (!(nrm > 0) || !Double.isFinite(nrm)) {
                x = new double[m];
                x[0] = 1;
                return x;
            }
            for (int i = 0; i < m; i++) x[i] /= nrm;
        }
        return x;
    }

    /** (T − shift I) y = rhs by Gaussian elimination with partial pivoting on the tridiagonal band. */
    private static double[] solve(double[] a, double[] b, int m, double shift, double[] rhs) {
        // band storage: row i has entries at columns i-1, i, i+1, i+2 (after pivoting)
        double[] d0 = new double[m], d1 = new double[m], d2 = new double[m], r = rhs.clone();
        double[] sub = new double[m];
        for (int i = 0; i < m; i++) {
            d0[i] = a[i] - shift;
            d1[i] = i < m - 1 ? b[i] : 0;
            sub[i] = i > 0 ? b[i - 1] : 0;
        }
        for (int i = 0; i < m - 1; i++) {
            // rows i (d0,d1,d2 at cols i,i+1,i+2) and i+1 (sub at col i, d0 at i+1, d1 at i+2)
            if (Math.abs(sub[i + 1]) > Math.abs(d0[i])) {
                double t0 = d0[i], t1 = d1[i], t2 = d2[i], tr = r[i];
                d0[i] = sub[i + 1];
                d1[i] = d0[i + 1];
                d2[i] = d1[i + 1];
                r[i] = r[i + 1];
                sub[i + 1] = t0;
                d0[i + 1] = t1;
                d1[i + 1] = t2;
                r[i + 1] = tr;
            }
            double piv = d0[i] == 0 ? 1e-300 : d0[i];
            double f = sub[i + 1] / piv;
            d0[i + 1] -= f * d1[i];
            d1[i + 1] -= f * d2[i];
            r[i + 1] -= f * r[i];
        }
        double[] y = new double[m];
        for (int i = m - 1; i >= 0; i--) {
            double s = r[i];
            if (i + 1 < m) s -= d1[i] * y[i + 1];
            if (i + 2 < m) s -= d2[i] * y[i + 2];
            y[i] = s / (d0[i] == 0 ? 1e-300 : d0[i]);
        }
        return y;
    }
}
