package dev.verity.tensor;

import static dev.verity.tensor.GemmKernels.L;
import static dev.verity.tensor.GemmKernels.S;

import jdk.incubator.vector.DoubleVector;

/**
 * GEMM with a short inner dimension (k below {@link Gemm#SMALL_K}): a sum of k outer products, computed
 * directly on C one vector of columns at a time (C read and written once). Keeping these shapes out of the
 * blocked kernels also keeps their loops' profiles from being trained on k-loops of one or two steps.
 */
final class GemmSmallK {
    private GemmSmallK() {}

    /** Rows of C per parallel item. */
    private static final int ROWS = 32;

    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[1][0]);

    static void gemm(int threads, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                     double beta, double[] c, int cOff, int ldc) {
        // Rows of op(B) contiguous: in place, or copied when B is transposed.
        double[] br = b;
        int bo = bOff, bs = ldb;
        if (transB) {
            double[][] holder = SCRATCH.get();
            if (holder[0].length < k * n) holder[0] = new double[k * n];
            br = holder[0];
            bo = 0;
            bs = n;
            for (int j = 0; j < n; j++) {
                int src = bOff + j * ldb;
                for (int p = 0; p < k; p++) br[p * n + j] = b[src + p];
            }
        }
        final double[] bv = br;
        final int b0 = bo, bst = bs;
        int ai = transA ? 1 : lda, ap = transA ? lda : 1;   // op(A)(i, p) = a[aOff + i*ai + p*ap]
        int t = (long) m * n * k >= Gemm.PARALLEL_WORK ? threads : 1;
        GemmThreads.parallelFor((m + ROWS - 1) / ROWS, t, item -> {
            int i0 = item * ROWS, i1 = Math.min(m, i0 + ROWS);
            double[] coef = new double[4 * k];   // alpha * op(A)(i + r, p) at r * k + p
            int i = i0;
            for (; i < i1; i += 4) {
                int rows = Math.min(4, i1 - i);
                for (int r = 0; r < rows; r++) {
                    for (int p = 0; p < k; p++) coef[r * k + p] = alpha * a[aOff + (i + r) * ai + p * ap];
                }
                if (rows == 4) {
                    rows4(n, k, coef, bv, b0, bst, beta, c, cOff + i * ldc, ldc);
                } else {
                    for (int r = 0; r < rows; r++) row(n, k, coef, r * k, bv, b0, bst, beta, c, cOff + (i + r) * ldc);
                }
            }
        });
    }

    /** Four rows of C sharing each vector load of op(B). */
    private static void rows4(int n, int k, double[] coef, double[] b, int bOff, int ldb, double beta,
                              double[] c, int co, int ldc) {
        int vEnd = n - n % L;
        int o0 = co, o1 = co + ldc, o2 = co + 2 * ldc, o3 = co + 3 * ldc;
        for (int j = 0; j < vEnd; j += L) {
            DoubleVector c0, c1, c2, c3;
            if (beta == 0) {
                c0 = c1 = c2 = c3 = DoubleVector.zero(S);
            } else {
                c0 = DoubleVector.fromArray(S, c, o0 + j).mul(beta);
                c1 = DoubleVector.fromArray(S, c, o1 + j).mul(beta);
                c2 = DoubleVector.fromArray(S, c, o2 + j).mul(beta);
                c3 = DoubleVector.fromArray(S, c, o3 + j).mul(beta);
            }
            for (int p = 0, q = bOff + j; p < k; p++, q += ldb) {
                DoubleVector y = DoubleVector.fromArray(S, b, q);
                c0 = y.fma(DoubleVector.broadcast(S, coef[p]), c0);
                c1 = y.fma(DoubleVector.broadcast(S, coef[k + p]), c1);
                c2 = y.fma(DoubleVector.broadcast(S, coef[2 * k + p]), c2);
                c3 = y.fma(DoubleVector.broadcast(S, coef[3 * k + p]), c3);
            }
            c0.intoArray(c, o0 + j);
            c1.intoArray(c, o1 + j);
            c2.intoArray(c, o2 + j);
            c3.intoArray(c, o3 + j);
        }
        for (int r = 0; r < 4; r++) tail(vEnd, n, k, coef, r * k, b, bOff, ldb, beta, c, co + r * ldc);
    }

    /** C(i, :) = beta * C(i, :) + sum_p coef[cf + p] * opB(p, :). */
    private static void row(int n, int k, double[] coef, int cf, double[] b, int bOff, int ldb, double beta,
                            double[] c, int co) {
        int vEnd = n - n % L;
        for (int j = 0; j < vEnd; j += L) {
            DoubleVector acc = beta == 0 ? DoubleVector.zero(S) : DoubleVector.fromArray(S, c, co + j).mul(beta);
            for (int p = 0, q = bOff + j; p < k; p++, q += ldb) {
                acc = DoubleVector.fromArray(S, b, q).fma(DoubleVector.broadcast(S, coef[cf + p]), acc);
            }
            acc.intoArray(c, co + j);
        }
        tail(vEnd, n, k, coef, cf, b, bOff, ldb, beta, c, co);
    }

    /** Columns vEnd .. n of one row. */
    private static void tail(int vEnd, int n, int k, double[] coef, int cf, double[] b, int bOff, int ldb,
                             double beta, double[] c, int co) {
        for (int j = vEnd; j < n; j++) {
            double s = beta == 0 ? 0 : beta * c[co + j];
            for (int p = 0, q = bOff + j; p < k; p++, q += ldb) s += coef[cf + p] * b[q];
            c[co + j] = s;
        }
    }
}
