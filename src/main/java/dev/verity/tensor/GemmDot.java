package dev.verity.tensor;

import static dev.verity.tensor.GemmKernels.L;
import static dev.verity.tensor.GemmKernels.S;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * GEMM with few rows and a transposed B ({@code C = alpha * op(A) * B^T + beta * C}, B stored n x k),
 * the shape of a linear layer applied to a small batch: every C(i, j) is a dot product of a row of op(A)
 * and a stored row of B, both contiguous, so B is read once in place instead of being packed.
 * Register tile: 4 rows of op(A) x 2 rows of B, vectorized along k: 8 accumulators + 2 rows of B + 1 of A. The former
 * 4 x 3 took all 16 registers of AVX2 and spilled: a throwaway harness of these tiles (60 x 780 x 400, one core, the
 * machine shared) ran 4 x 3 at 12–16 GFLOP/s, 3 x 3 at 19–20, 4 x 2 at 26–28.
 */
final class GemmDot {
    private GemmDot() {}

    /** Columns of C per parallel item. */
    private static final int CHUNK = 96;

    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[1][0]);

    static void gemmNT(int threads, boolean transA, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                       double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        // Rows of op(A) contiguous: in place, or copied when A is transposed.
        double[] ar = a;
        int ao = aOff, ars = lda;
        if (transA) {
            double[][] holder = SCRATCH.get();
            if (holder[0].length < m * k) holder[0] = new double[m * k];
            ar = holder[0];
            ao = 0;
            ars = k;
            for (int p = 0; p < k; p++) {
                int src = aOff + p * lda;
                for (int i = 0; i < m; i++) ar[i * k + p] = a[src + i];
            }
        }
        final double[] av = ar;
        final int a0 = ao, as = ars;
        int t = (long) m * n * k >= Gemm.PARALLEL_WORK ? threads : 1;
        int items = t == 1 ? 1 : Math.max(1, Math.min(4 * t, n / CHUNK));
        int per = (n + items - 1) / items;
        GemmThreads.parallelFor(items, t, item -> {
            int j0 = item * per, j1 = Math.min(n, j0 + per);
            if (j0 < j1) block(m, j0, j1, k, alpha, av, a0, as, b, bOff, ldb, beta, c, cOff, ldc);
        });
    }

    /*
     * Why one method per tile: block() with all four tiles inlined was 1,878 bytes of bytecode, and C1 gave up on it
     * ("out of virtual registers in LIR generator"), so it stayed at tier 2 without the profile C2 waits for. Whether C2
     * ever compiled it depended on the run: the same ACAS Xu branch and bound bounded 9,343 domains in 18 s in one JVM
     * and 225,345 in 58 s in another, and the Vector API's interpreted fallback (ldOp, ternaryOp) was most of the time.
     * Small methods compile at every tier.
     */

    /** Columns j0 .. j1 of C. */
    private static void block(int m, int j0, int j1, int k, double alpha, double[] a, int aOff, int lda,
                              double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        int vEnd = k - k % L;
        // The last k % L steps as one masked step.
        VectorMask<Double> tail = vEnd < k ? S.indexInRange(vEnd, k) : null;
        int j = j0;
        for (; j + 2 <= j1; j += 2) {
            int b0 = bOff + j * ldb;
            int i = 0;
            for (; i + 4 <= m; i += 4) tile4x2(vEnd, tail, alpha, a, aOff + i * lda, lda, b, b0, ldb, beta, c, cOff + i * ldc + j, ldc);
            for (; i < m; i++) tile1x2(vEnd, tail, alpha, a, aOff + i * lda, b, b0, ldb, beta, c, cOff + i * ldc + j);
        }
        for (; j < j1; j++) {
            int b0 = bOff + j * ldb;
            int i = 0;
            for (; i + 4 <= m; i += 4) tile4x1(vEnd, tail, alpha, a, aOff + i * lda, lda, b, b0, beta, c, cOff + i * ldc + j, ldc);
            for (; i < m; i++) tile1x1(vEnd, tail, alpha, a, aOff + i * lda, b, b0, beta, c, cOff + i * ldc + j);
        }
    }

    /** Rows r0.. (4, stride lda) of A against rows b0.. (2, stride ldb) of B into C at ci (stride ldc). */
    private static void tile4x2(int vEnd, VectorMask<Double> tail, double alpha, double[] a, int r0, int lda,
                                double[] b, int b0, int ldb, double beta, double[] c, int ci, int ldc) {
        int r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, b1 = b0 + ldb;
        DoubleVector s00 = DoubleVector.zero(S), s01 = DoubleVector.zero(S);
        DoubleVector s10 = DoubleVector.zero(S), s11 = DoubleVector.zero(S);
        DoubleVector s20 = DoubleVector.zero(S), s21 = DoubleVector.zero(S);
        DoubleVector s30 = DoubleVector.zero(S), s31 = DoubleVector.zero(S);
        for (int p = 0; p < vEnd; p += L) {
            DoubleVector y0 = DoubleVector.fromArray(S, b, b0 + p);
            DoubleVector y1 = DoubleVector.fromArray(S, b, b1 + p);
            DoubleVector x = DoubleVector.fromArray(S, a, r0 + p);
            s00 = x.fma(y0, s00); s01 = x.fma(y1, s01);
            x = DoubleVector.fromArray(S, a, r1 + p);
            s10 = x.fma(y0, s10); s11 = x.fma(y1, s11);
            x = DoubleVector.fromArray(S, a, r2 + p);
            s20 = x.fma(y0, s20); s21 = x.fma(y1, s21);
            x = DoubleVector.fromArray(S, a, r3 + p);
            s30 = x.fma(y0, s30); s31 = x.fma(y1, s31);
        }
        if (tail != null) {
            int p = vEnd;
            DoubleVector y0 = DoubleVector.fromArray(S, b, b0 + p, tail);
            DoubleVector y1 = DoubleVector.fromArray(S, b, b1 + p, tail);
            DoubleVector x = DoubleVector.fromArray(S, a, r0 + p, tail);
            s00 = x.fma(y0, s00); s01 = x.fma(y1, s01);
            x = DoubleVector.fromArray(S, a, r1 + p, tail);
            s10 = x.fma(y0, s10); s11 = x.fma(y1, s11);
            x = DoubleVector.fromArray(S, a, r2 + p, tail);
            s20 = x.fma(y0, s20); s21 = x.fma(y1, s21);
            x = DoubleVector.fromArray(S, a, r3 + p, tail);
            s30 = x.fma(y0, s30); s31 = x.fma(y1, s31);
        }
        put(c, ci, Lanes.sum(s00), alpha, beta);
        put(c, ci + 1, Lanes.sum(s01), alpha, beta);
        ci += ldc;
        put(c, ci, Lanes.sum(s10), alpha, beta);
        put(c, ci + 1, Lanes.sum(s11), alpha, beta);
        ci += ldc;
        put(c, ci, Lanes.sum(s20), alpha, beta);
        put(c, ci + 1, Lanes.sum(s21), alpha, beta);
        ci += ldc;
        put(c, ci, Lanes.sum(s30), alpha, beta);
        put(c, ci + 1, Lanes.sum(s31), alpha, beta);
    }

    /** One row r0 of A against rows b0.. (2, stride ldb) of B into C at ci. */
    private static void tile1x2(int vEnd, VectorMask<Double> tail, double alpha, double[] a, int r0,
                                double[] b, int b0, int ldb, double beta, double[] c, int ci) {
        int b1 = b0 + ldb;
        DoubleVector s00 = DoubleVector.zero(S), s01 = DoubleVector.zero(S);
        for (int p = 0; p < vEnd; p += L) {
            DoubleVector x = DoubleVector.fromArray(S, a, r0 + p);
            s00 = x.fma(DoubleVector.fromArray(S, b, b0 + p), s00);
            s01 = x.fma(DoubleVector.fromArray(S, b, b1 + p), s01);
        }
        if (tail != null) {
            int p = vEnd;
            DoubleVector x = DoubleVector.fromArray(S, a, r0 + p, tail);
            s00 = x.fma(DoubleVector.fromArray(S, b, b0 + p, tail), s00);
            s01 = x.fma(DoubleVector.fromArray(S, b, b1 + p, tail), s01);
        }
        put(c, ci, Lanes.sum(s00), alpha, beta);
        put(c, ci + 1, Lanes.sum(s01), alpha, beta);
    }

    /** Rows r0.. (4, stride lda) of A against row b0 of B into C at ci (stride ldc). */
    private static void tile4x1(int vEnd, VectorMask<Double> tail, double alpha, double[] a, int r0, int lda,
                                double[] b, int b0, double beta, double[] c, int ci, int ldc) {
        int r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
        DoubleVector s0 = DoubleVector.zero(S), s1 = DoubleVector.zero(S);
        DoubleVector s2 = DoubleVector.zero(S), s3 = DoubleVector.zero(S);
        for (int p = 0; p < vEnd; p += L) {
            DoubleVector y = DoubleVector.fromArray(S, b, b0 + p);
            s0 = DoubleVector.fromArray(S, a, r0 + p).fma(y, s0);
            s1 = DoubleVector.fromArray(S, a, r1 + p).fma(y, s1);
            s2 = DoubleVector.fromArray(S, a, r2 + p).fma(y, s2);
            s3 = DoubleVector.fromArray(S, a, r3 + p).fma(y, s3);
        }
        if (tail != null) {
            int p = vEnd;
            DoubleVector y = DoubleVector.fromArray(S, b, b0 + p, tail);
            s0 = DoubleVector.fromArray(S, a, r0 + p, tail).fma(y, s0);
            s1 = DoubleVector.fromArray(S, a, r1 + p, tail).fma(y, s1);
            s2 = DoubleVector.fromArray(S, a, r2 + p, tail).fma(y, s2);
            s3 = DoubleVector.fromArray(S, a, r3 + p, tail).fma(y, s3);
        }
        put(c, ci, Lanes.sum(s0), alpha, beta);
        put(c, ci + ldc, Lanes.sum(s1), alpha, beta);
        put(c, ci + 2 * ldc, Lanes.sum(s2), alpha, beta);
        put(c, ci + 3 * ldc, Lanes.sum(s3), alpha, beta);
    }

    /** One row r0 of A against row b0 of B into C at ci. */
    private static void tile1x1(int vEnd, VectorMask<Double> tail, double alpha, double[] a, int r0,
                                double[] b, int b0, double beta, double[] c, int ci) {
        DoubleVector s0 = DoubleVector.zero(S);
        for (int p = 0; p < vEnd; p += L) s0 = DoubleVector.fromArray(S, a, r0 + p).fma(DoubleVector.fromArray(S, b, b0 + p), s0);
        if (tail != null) s0 = DoubleVector.fromArray(S, a, r0 + vEnd, tail).fma(DoubleVector.fromArray(S, b, b0 + vEnd, tail), s0);
        put(c, ci, Lanes.sum(s0), alpha, beta);
    }

    private static void put(double[] c, int o, double dot, double alpha, double beta) {
        c[o] = beta == 0 ? alpha * dot : alpha * dot + beta * c[o];
    }
}
