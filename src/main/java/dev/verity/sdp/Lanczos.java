package dev.verity.sdp;

import java.util.SplittableRandom;

/**
 * Estimates of the smallest eigenpair of a symmetric operator by the Lanczos method with full
 * reorthogonalisation, restarted from the current Ritz vector. The estimate steers the solver and picks the
 * shift of {@link CertifiedBound}; it is never itself reported as a bound.
 */
final class Lanczos {
    private Lanczos() {}

    /** A symmetric linear map on R^n. */
    interface Operator {
        int dimension();

        void apply(double[] v, double[] out);
    }

    /** The smallest Ritz value, its unit Ritz vector and the residual norm ‖Sx − θx‖. */
    record Pair(double value, double[] vector, double residual, int products) {}

    /**
     * @param start     a start vector (e.g. the previous eigenvector; null: random from {@code seed})
     * @param steps     Lanczos steps per restart
     * @param restarts  restarts at most
     * @param tolerance stop when the residual is at most this
     */
    static Pair smallest(Operator op, double[] start, int steps, int restarts, double tolerance, long seed) {
        int n = op.dimension();
        double[] x = start == null ? random(n, seed) : start.clone();
        if (norm(x) == 0) x = random(n, seed);
        Pair best = null;
        int products = 0;
        for (int restart = 0; restart <= restarts; restart++) {
            Pair p = run(op, x, Math.min(steps, n), new SplittableRandom(seed + restart));
            products += p.products();
            best = p;
            x = p.vector();
            if (p.residual() <= tolerance) break;
        }
        return new Pair(best.value(), best.vector(), best.residual(), products);
    }

    private static Pair run(Operator op, double[] start, int steps, SplittableRandom rnd) {
        int n = op.dimension();
        double[][] q = new double[steps + 1][];
        double[] alpha = new double[steps], beta = new double[steps];
        q[0] = start.clone();
        scale(q[0], 1 / norm(q[0]));
        double[] w = new double[n];
        int m = 0, products = 0;
        for (int j = 0; j < steps; j++) {
            op.apply(q[j], w);
            products++;
            alpha[j] = dot(w, q[j]);
            // full reorthogonalisation (twice is enough: Kahan–Parlett)
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i <= j; i++) axpy(-dot(w, q[i]), q[i], w);
            m = j + 1;
            double b = norm(w);
            beta[j] = b;
            if (j == steps - 1) break;
            if (b <= 1e-12 * Math.max(1, Math.abs(alpha[j]))) {
                // invariant subspace: continue with a fresh direction orthogonal to the basis
                double[] r = random(n, rnd.nextLong());
                for (int pass = 0; pass < 2; pass++)
                    for (int i = 0; i <= j; i++) axpy(-dot(r, q[i]), q[i], r);
                double rn = norm(r);
                if (rn == 0) break;
                scale(r, 1 / rn);
                q[j + 1] = r;
                beta[j] = 0;
            } else {
                q[j + 1] = w.clone();
                scale(q[j + 1], 1 / b);
            }
        }
        double[] off = new double[Math.max(0, m - 1)];
        System.arraycopy(beta, 0, off, 0, off.length);
        double theta = Tridiagonal.smallestEigenvalue(alpha, off, m);
        double[] s = Tridiagonal.eigenvector(alpha, off, m, theta);
        double[] x = new double[n];
        for (int i = 0; i < m; i++) axpy(s[i], q[i], x);
        scale(x, 1 / norm(x));
        op.apply(x, w);
        products++;
        double rq = dot(w, x);
        axpy(-rq, x, w);
        return new Pair(rq, x, norm(w), products);
    }

    static double[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextDouble(-1, 1);
        return v;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double norm(double[] a) { return Math.sqrt(dot(a, a)); }

    static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] += a * x[i];
    }

    static void scale(double[] x, double a) {
        for (int i = 0; i < x.length; i++) x[i] *= a;
    }
}
