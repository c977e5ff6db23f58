package dev.verity.tensor;

import static dev.verity.tensor.GemmKernels.L;
import static dev.verity.tensor.GemmKernels.S;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix-vector products for the GEMM shapes with one row or one column (m == 1 or n == 1), where
 * packing for the blocked kernel would cost as much as the product itself:
 * {@code y = alpha * M x + beta * y} for a rows x cols matrix M stored either with its rows contiguous
 * ("dot" form, element (i, p) at {@code off + i * ld + p}) or its columns contiguous ("axpy" form,
 * element (i, p) at {@code off + p * ld + i}).
 */
final class GemmGemv {
    private GemmGemv() {}

    /** Rows per parallel item in the dot form. */
    private static final int DOT_ROWS = 64;
    /** Least elements of y per parallel item in the axpy form. */
    private static final int AXPY_CHUNK = 512;

    private static final class Scratch {
        double[] x = new double[0];
        double[] t = new double[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * y[yOff + i * ys] = alpha * sum_p M(i, p) * x[xOff + p * xs] + beta * y[...] for i in [0, rows).
     *
     * @param rowsContiguous true for the dot form, false for the axpy form
     */
    static void gemv(int threads, boolean rowsContiguous, int rows, int cols, double[] mat, int off, int ld,
                     double[] x, int xOff, int xs, double alpha, double beta, double[] y, int yOff, int ys) {
        Scratch s = SCRATCH.get();
        // x contiguous (copied when strided).
        double[] xv = x;
        int xo = xOff;
        if (xs != 1) {
            if (s.x.length < cols) s.x = new double[cols];
            xv = s.x;
            xo = 0;
            for (int p = 0; p < cols; p++) xv[p] = x[xOff + p * xs];
        }
        final double[] xc = xv;
        final int xc0 = xo;
        int t = (long) rows * cols >= Gemm.PARALLEL_WORK ? threads : 1;
        if (rowsContiguous) {
            GemmThreads.parallelFor(ceilDiv(rows, DOT_ROWS), t, item -> {
                int i0 = item * DOT_ROWS, i1 = Math.min(rows, i0 + DOT_ROWS);
                dotRows(i0, i1, cols, mat, off, ld, xc, xc0, alpha, beta, y, yOff, ys);
            });
        } else {
            if (s.t.length < rows) s.t = new double[rows];
            final double[] acc = s.t;
            // Single-threaded: one pass over M; otherwise a few chunks per thread for load balance.
            final int chunk = t == 1 ? rows : Math.max(AXPY_CHUNK, ceilDiv(ceilDiv(rows, 4 * t), L) * L);
            GemmThreads.parallelFor(ceilDiv(rows, chunk), t, item -> {
                int i0 = item * chunk, i1 = Math.min(rows, i0 + chunk);
                axpyCols(i0, i1, cols, mat, off, ld, xc, xc0, acc);
                for (int i = i0; i < i1; i++) {
                    int o = yOff + i * ys;
                    y[o] = beta == 0 ? alpha * acc[i] : alpha * acc[i] + beta * y[o];
                }
            });
        }
    }

    /** Dot form, rows i0 .. i1: four rows at a time share each load of x. */
    private static void dotRows(int i0, int i1, int cols, double[] m, int off, int ld, double[] x, int xo,
                                double alpha, double beta, double[] y, int yOff, int ys) {
        int vEnd = cols - cols % L;
        int i = i0;
        for (; i + 4 <= i1; i += 4) {
            int r0 = off + i * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld;
            DoubleVector s0 = DoubleVector.zero(S), s1 = DoubleVector.zero(S);
            DoubleVector s2 = DoubleVector.zero(S), s3 = DoubleVector.zero(S);
            for (int p = 0; p < vEnd; p += L) {
                DoubleVector xv = DoubleVector.fromArray(S, x, xo + p);
                s0 = DoubleVector.fromArray(S, m, r0 + p).fma(xv, s0);
                s1 = DoubleVector.fromArray(S, m, r1 + p).fma(xv, s1);
                s2 = DoubleVector.fromArray(S, m, r2 + p).fma(xv, s2);
                s3 = DoubleVector.fromArray(S, m, r3 + p).fma(xv, s3);
            }
            double d0 = Lanes.sum(s0), d1 = Lanes.sum(s1);
            double d2 = Lanes.sum(s2), d3 = Lanes.sum(s3);
            for (int p = vEnd; p < cols; p++) {
                double xp = x[xo + p];
                d0 += m[r0 + p] * xp;
                d1 += m[r1 + p] * xp;
                d2 += m[r2 + p] * xp;
                d3 += m[r3 + p] * xp;
            }
            store(y, yOff + i * ys, d0, alpha, beta);
            store(y, yOff + (i + 1) * ys, d1, alpha, beta);
            store(y, yOff + (i + 2) * ys, d2, alpha, beta);
            store(y, yOff + (i + 3) * ys, d3, alpha, beta);
        }
        for (; i < i1; i++) {
            int r0 = off + i * ld;
            DoubleVector s0 = DoubleVector.zero(S), s1 = DoubleVector.zero(S);
            int p = 0;
            for (; p + 2 * L <= vEnd; p += 2 * L) {
                s0 = DoubleVector.fromArray(S, m, r0 + p).fma(DoubleVector.fromArray(S, x, xo + p), s0);
                s1 = DoubleVector.fromArray(S, m, r0 + p + L).fma(DoubleVector.fromArray(S, x, xo + p + L), s1);
            }
            for (; p < vEnd; p += L) {
                s0 = DoubleVector.fromArray(S, m, r0 + p).fma(DoubleVector.fromArray(S, x, xo + p), s0);
            }
            double d0 = Lanes.sum(s0.add(s1));
            for (; p < cols; p++) d0 += m[r0 + p] * x[xo + p];
            store(y, yOff + i * ys, d0, alpha, beta);
        }
    }

    private static void store(double[] y, int o, double dot, double alpha, double beta) {
        y[o] = beta == 0 ? alpha * dot : alpha * dot + beta * y[o];
    }

    /** Axpy form, acc[i0 .. i1] = sum_p x[p] * M(i, p): four columns of M (stored rows) per pass over acc. */
    private static void axpyCols(int i0, int i1, int cols, double[] m, int off, int ld, double[] x, int xo,
                                 double[] acc) {
        java.util.Arrays.fill(acc, i0, i1, 0.0);
        int len = i1 - i0, vEnd = i0 + (len - len % L);
        int p = 0;
        for (; p + 4 <= cols; p += 4) {
            int q0 = off + p * ld, q1 = q0 + ld, q2 = q1 + ld, q3 = q2 + ld;
            double x0 = x[xo + p], x1 = x[xo + p + 1], x2 = x[xo + p + 2], x3 = x[xo + p + 3];
            DoubleVector v0 = DoubleVector.broadcast(S, x0), v1 = DoubleVector.broadcast(S, x1);
            DoubleVector v2 = DoubleVector.broadcast(S, x2), v3 = DoubleVector.broadcast(S, x3);
            int i = i0;
            for (; i < vEnd; i += L) {
                DoubleVector a = DoubleVector.fromArray(S, acc, i);
                a = DoubleVector.fromArray(S, m, q0 + i).fma(v0, a);
                a = DoubleVector.fromArray(S, m, q1 + i).fma(v1, a);
                a = DoubleVector.fromArray(S, m, q2 + i).fma(v2, a);
                a = DoubleVector.fromArray(S, m, q3 + i).fma(v3, a);
                a.intoArray(acc, i);
            }
            for (; i < i1; i++) {
                acc[i] += m[q0 + i] * x0 + m[q1 + i] * x1 + m[q2 + i] * x2 + m[q3 + i] * x3;
            }
        }
        for (; p < cols; p++) {
            int q0 = off + p * ld;
            double x0 = x[xo + p];
            DoubleVector v0 = DoubleVector.broadcast(S, x0);
            int i = i0;
            for (; i < vEnd; i += L) {
                DoubleVector.fromArray(S, m, q0 + i).fma(v0, DoubleVector.fromArray(S, acc, i)).intoArray(acc, i);
            }
            for (; i < i1; i++) acc[i] += m[q0 + i] * x0;
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}
