package dev.verity.sdp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rigorous λ_min bound: on random symmetric matrices it is at most the true smallest eigenvalue and within
 * 1e-6 (relative to the matrix scale) of it when the shift starts at the true value; shifts above λ_min fail.
 */
class CertifiedBoundTest {
    /** Q diag(w) Qᵀ with a known spectrum, dense (no diagonal block). */
    @Test
    void knownSpectrum() {
        SplittableRandom r = new SplittableRandom(7);
        for (int trial = 0; trial < 20; trial++) {
            int n = 5 + r.nextInt(30);
            double[] w = new double[n];
            double lambda = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                w[i] = r.nextDouble(-1, 3) * Math.pow(10, r.nextInt(-2, 3));
                lambda = Math.min(lambda, w[i]);
            }
            double[] q = orthogonal(r, n), a = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += q[i * n + k] * w[k] * q[j * n + k];
                    a[i * n + j] = s;
                }
            for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) a[i * n + j] = a[j * n + i];
            double exact = Jacobi.min(a, n); // the spectrum of the rounded matrix
            var m = new CertifiedBound.Structured(0, new double[0], new double[0], a, 0);
            check(m, a, n, exact);
            assertTrue(Math.abs(exact - lambda) < 1e-9 * scale(a), "Jacobi " + exact + " vs constructed " + lambda);
        }
    }

    /** The solver's structure: a diagonal leading block, a coupling and a dense rest, with an error term. */
    @Test
    void diagonalLeadingBlock() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 20; trial++) {
            int d = r.nextInt(0, 15), rest = 1 + r.nextInt(12), n = d + rest;
            double[] diag = new double[d], coupling = new double[rest * d], block = new double[rest * rest];
            for (int k = 0; k < d; k++) diag[k] = r.nextDouble(0, 2);
            for (int k = 0; k < coupling.length; k++) coupling[k] = r.nextDouble(-1, 1);
            for (int i = 0; i < rest; i++)
                for (int j = 0; j <= i; j++) block[i * rest + j] = block[j * rest + i] = r.nextDouble(-1, 1);
            double[] a = new double[n * n];
            for (int k = 0; k < d; k++) a[k * n + k] = diag[k];
            for (int i = 0; i < rest; i++) {
                for (int k = 0; k < d; k++) a[(d + i) * n + k] = a[k * n + d + i] = coupling[i * d + k];
                for (int j = 0; j < rest; j++) a[(d + i) * n + d + j] = block[i * rest + j];
            }
            double exact = Jacobi.min(a, n);
            check(new CertifiedBound.Structured(d, diag, coupling, block, 0), a, n, exact);
            // an error term lowers the bound by its Frobenius norm
            double err = 1e-3;
            double withErr = CertifiedBound.lowerBound(new CertifiedBound.Structured(d, diag, coupling, block, err), exact, 1e-9 * scale(a), 10, 12);
            assertTrue(withErr <= exact - err, "error term not subtracted: " + withErr + " vs " + exact);
        }
    }

    private static void check(CertifiedBound.Structured m, double[] a, int n, double exact) {
        double scale = scale(a);
        double lower = CertifiedBound.lowerBound(m, exact, 1e-9 * scale, 10, 12);
        // Jacobi's own error is ~1e-15 scale: the bound must not exceed the true value
        assertTrue(lower <= exact + 1e-12 * scale, "bound " + lower + " above λ_min " + exact);
        assertTrue(lower >= exact - 1e-6 * scale, "bound " + lower + " not within 1e-6 of λ_min " + exact);
        // a shift clearly above λ_min cannot factorise
        assertTrue(Double.isNaN(CertifiedBound.atShift(m, exact + 1e-6 * scale)), "factorised above λ_min");
    }

    private static double scale(double[] a) {
        double s = 0;
        for (double v : a) s = Math.max(s, Math.abs(v));
        return Math.max(s, 1e-300);
    }

    /** A random orthogonal matrix (Gram–Schmidt of a random one, twice). */
    private static double[] orthogonal(SplittableRandom r, int n) {
        double[] q = new double[n * n];
        for (int i = 0; i < q.length; i++) q[i] = r.nextDouble(-1, 1);
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < i; j++) {
                    double dot = 0;
                    for (int k = 0; k < n; k++) dot += q[i * n + k] * q[j * n + k];
                    for (int k = 0; k < n; k++) q[i * n + k] -= dot * q[j * n + k];
                }
                double nrm = 0;
                for (int k = 0; k < n; k++) nrm += q[i * n + k] * q[i * n + k];
                nrm = Math.sqrt(nrm);
                for (int k = 0; k < n; k++) q[i * n + k] /= nrm;
            }
        return q;
    }
}
