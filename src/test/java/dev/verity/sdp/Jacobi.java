package dev.verity.sdp;

/** Reference eigenvalues of a small dense symmetric matrix by the cyclic Jacobi method (test oracle). */
final class Jacobi {
    private Jacobi() {}

    /** All eigenvalues of the symmetric n×n row-major matrix a (not modified), unsorted. */
    static double[] eigenvalues(double[] a, int n) {
        double[] m = a.clone();
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) off += m[i * n + j] * m[i * n + j];
            if (off < 1e-30) break;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = m[p * n + q];
                    if (apq == 0) continue;
                    double theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) { // columns p, q
                        double kp = m[k * n + p], kq = m[k * n + q];
                        m[k * n + p] = c * kp - s * kq;
                        m[k * n + q] = s * kp + c * kq;
                    }
                    for (int k = 0; k < n; k++) { // rows p, q
                        double pk = m[p * n + k], qk = m[q * n + k];
                        m[p * n + k] = c * pk - s * qk;
                        m[q * n + k] = s * pk + c * qk;
                    }
                }
            }
        }
        double[] w = new double[n];
        for (int i = 0; i < n; i++) w[i] = m[i * n + i];
        return w;
    }

    static double min(double[] a, int n) {
        double best = Double.POSITIVE_INFINITY;
        for (double v : eigenvalues(a, n)) best = Math.min(best, v);
        return best;
    }
}
