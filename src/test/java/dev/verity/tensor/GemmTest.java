package dev.verity.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GemmTest {
    private static final double TOL = 1e-12;
    private static final double SENTINEL = -7.25e33;

    /** One GEMM problem laid out with offsets, padded leading dimensions and sentinel-filled slack. */
    private static final class Case {
        final boolean ta, tb;
        final int m, n, k, aOff, lda, bOff, ldb, cOff, ldc;
        final double alpha, beta;
        final double[] a, b, c0;

        Case(SplittableRandom r, boolean ta, boolean tb, int m, int n, int k, double alpha, double beta,
             boolean pad) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            int aRows = ta ? k : m, aCols = ta ? m : k;
            int bRows = tb ? n : k, bCols = tb ? k : n;
            lda = aCols + (pad ? r.nextInt(1, 5) : 0);
            ldb = bCols + (pad ? r.nextInt(1, 5) : 0);
            ldc = n + (pad ? r.nextInt(1, 5) : 0);
            aOff = pad ? r.nextInt(0, 11) : 0;
            bOff = pad ? r.nextInt(0, 11) : 0;
            cOff = pad ? r.nextInt(0, 11) : 0;
            a = filled(r, aOff + Math.max(0, aRows - 1) * lda + aCols + (pad ? 3 : 0), aOff, aRows, aCols, lda);
            b = filled(r, bOff + Math.max(0, bRows - 1) * ldb + bCols + (pad ? 3 : 0), bOff, bRows, bCols, ldb);
            c0 = filled(r, cOff + Math.max(0, m - 1) * ldc + n + (pad ? 3 : 0), cOff, m, n, ldc);
        }

        /** Random values in the logical matrix, NaN in the slack (a kernel that reads slack poisons C). */
        private static double[] filled(SplittableRandom r, int len, int off, int rows, int cols, int ld) {
            double[] x = new double[Math.max(len, 1)];
            java.util.Arrays.fill(x, Double.NaN);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) x[off + i * ld + j] = r.nextDouble(-1, 1);
            }
            return x;
        }

        double opA(int i, int p) {
            return ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        }

        double opB(int p, int j) {
            return tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }

        /** Checks C against a naive triple loop; slack in C must keep its NaN/sentinel contents. */
        void check(double[] c, String what) {
            for (int idx = 0; idx < c.length; idx++) {
                int rel = idx - cOff;
                int i = rel >= 0 ? rel / ldc : -1, j = rel >= 0 ? rel % ldc : -1;
                boolean inside = rel >= 0 && i < m && j < n;
                if (!inside) {
                    if (Double.doubleToRawLongBits(c[idx]) != Double.doubleToRawLongBits(c0[idx])) {
                        fail(what + ": wrote outside C at index " + idx);
                    }
                    continue;
                }
                double s = 0, scale = 0;
                for (int p = 0; p < k; p++) {
                    double prod = opA(i, p) * opB(p, j);
                    s += prod;
                    scale += Math.abs(prod);
                }
                double old = c0[idx];
                double want = alpha * s + (beta == 0 ? 0 : beta * old);
                double bound = TOL * (Math.abs(alpha) * scale + (beta == 0 ? 0 : Math.abs(beta * old))) + 1e-300;
                if (!(Math.abs(c[idx] - want) <= bound)) {
                    fail(what + ": C[" + i + "," + j + "] = " + c[idx] + ", want " + want + " (bound " + bound + ")");
                }
            }
        }

        double[] run(int threads) {
            double[] c = c0.clone();
            if (threads <= 0) {
                Gemm.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            } else {
                Gemm.gemm(threads, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
            return c;
        }

        @Override
        public String toString() {
            return "m=" + m + " n=" + n + " k=" + k + " transA=" + ta + " transB=" + tb + " alpha=" + alpha
                    + " beta=" + beta + " offs=" + aOff + "/" + bOff + "/" + cOff + " ld=" + lda + "/" + ldb + "/" + ldc;
        }
    }

    private static final double[][] ALPHA_BETA = {{1, 0}, {1, 1}, {-0.75, 0.5}, {2.5, -1.25}};

    @Test
    void edgeSizesAllTransposes() {
        // Around the tile sizes of both vector widths (MR 5 or 8 rows, NR 8 or 24 columns) and the in-place-B limit (4 MR rows).
        int[] sizes = {1, 2, 4, 5, 6, 7, 8, 9, 10, 16, 17, 20, 21, 23, 24, 25, 32, 33, 63, 129};
        SplittableRandom r = new SplittableRandom(1);
        int cases = 0;
        for (int m : sizes) {
            for (int n : sizes) {
                int k = new int[] {1, 3, 7, 17, 63, 65, 129}[r.nextInt(7)];
                for (int t = 0; t < 4; t++) {
                    double[] ab = ALPHA_BETA[r.nextInt(ALPHA_BETA.length)];
                    Case cs = new Case(r, (t & 1) != 0, (t & 2) != 0, m, n, k, ab[0], ab[1], r.nextBoolean());
                    cs.check(cs.run(0), cs.toString());
                    cases++;
                }
            }
        }
        assertEquals(sizes.length * sizes.length * 4, cases);
    }

    @Test
    void randomShapesAllTransposesAndThreadCounts() {
        SplittableRandom r = new SplittableRandom(2);
        for (int it = 0; it < 60; it++) {
            int m = 1 + r.nextInt(200), n = 1 + r.nextInt(200), k = 1 + r.nextInt(300);
            if (k % 2 == 0) k++; // odd k
            double[] ab = ALPHA_BETA[it % ALPHA_BETA.length];
            Case cs = new Case(r, r.nextBoolean(), r.nextBoolean(), m, n, k, ab[0], ab[1], true);
            int threads = 1 + it % 3;
            cs.check(cs.run(threads), cs + " threads=" + threads);
        }
    }

    /** Sizes that take the blocked path with several row blocks, k blocks and (with threads) column chunks. */
    @Test
    void largeProblemsAcrossBlocksAndThreads() {
        SplittableRandom r = new SplittableRandom(3);
        int[][] shapes = {
                {300, 260, 529},   // several row blocks and k blocks
                {129, 131, 257},   // every edge at once, k just over one block
                {17, 700, 301},    // few rows, many columns: column chunks across threads
                {1000, 9, 257},    // tall-skinny
                {1, 513, 784},     // one row (matrix-vector path)
                {3001, 1, 803},    // one column, large enough to split across threads
                {1, 2999, 801},    // one row, large enough to split across threads
                {4, 2000, 300},    // a few rows: 4-row kernels, column chunks
                {2000, 5, 300},    // a few columns: 1-vector kernels into the edge buffer
                {600, 16, 300},    // two full vectors wide
                {784, 256, 23},    // wide, short k
                {1501, 301, 3},    // k below the packed kernels' range, split across threads
        };
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                double[] ab = ALPHA_BETA[(t + s[0]) % ALPHA_BETA.length];
                Case cs = new Case(r, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], ab[0], ab[1], true);
                for (int threads : new int[] {1, 2, 3}) {
                    cs.check(cs.run(threads), cs + " threads=" + threads);
                }
            }
        }
    }

    /**
     * n times a k-block over the packing budget: op(B) is packed in several column blocks (9,000 columns of 256-step
     * k-blocks, 2 blocks), each over two k-blocks, with op(A) packed once per column block; 40 rows, so B is packed
     * whether transposed or not.
     */
    @Test
    void severalPackedColumnBlocks() {
        assertTrue(9000L * 256 > Gemm.B_PACK_BUDGET && 512 / 256 == 2 && 40 > Gemm.DIRECT_B_MAX_M);
        SplittableRandom r = new SplittableRandom(4);
        for (boolean tb : new boolean[] {false, true}) {
            Case cs = new Case(r, !tb, tb, 40, 9000, 512, 1.5, 0.5, true);
            cs.check(cs.run(2), cs.toString());
        }
    }

    @Test
    void betaZeroIgnoresNanInC() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] s : new int[][] {{3, 4, 5}, {70, 90, 110}}) {
            Case cs = new Case(r, false, false, s[0], s[1], s[2], 1.0, 0.0, false);
            double[] c = cs.c0.clone();
            java.util.Arrays.fill(c, Double.NaN);
            Gemm.gemm(false, false, cs.m, cs.n, cs.k, 1.0, cs.a, 0, cs.lda, cs.b, 0, cs.ldb, 0.0, c, 0, cs.ldc);
            for (double v : c) assertTrue(Double.isFinite(v));
        }
    }

    @Test
    void alphaZeroOrEmptyKOnlyScalesC() {
        double[] a = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        double[] c = {1, 2, 3, 4};
        Gemm.gemm(false, false, 2, 2, 2, 0.0, a, 0, 2, a, 0, 2, 0.5, c, 0, 2);
        assertArrayEquals(new double[] {0.5, 1, 1.5, 2}, c);
        Gemm.gemm(false, false, 2, 2, 0, 1.0, new double[0], 0, 1, new double[0], 0, 2, 0.0, c, 0, 2);
        assertArrayEquals(new double[] {0, 0, 0, 0}, c);
        Gemm.gemm(false, false, 0, 2, 5, 1.0, new double[0], 0, 5, new double[10], 0, 2, 0.0, c, 0, 2);
        assertArrayEquals(new double[] {0, 0, 0, 0}, c);
    }

    @Test
    void multiplyMatchesGemm() {
        SplittableRandom r = new SplittableRandom(6);
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            Case cs = new Case(r, ta, tb, 37, 45, 51, 1.0, 0.0, false);
            double[] c = Gemm.multiply(ta, tb, cs.m, cs.n, cs.k, cs.a, cs.b);
            cs.check(c, "multiply " + cs);
        }
    }

    @Test
    void badArgumentsThrowWithoutHanging() {
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, -1, 2, 2, 1, new double[4], 0, 2, new double[4], 0, 2, 0, new double[4], 0, 2));
        // A too short for its stated shape, on the multi-threaded path: the error reaches the caller.
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.gemm(2, false, false, 200, 200, 200, 1, new double[200 * 199], 0, 200,
                        new double[200 * 200], 0, 200, 0, new double[200 * 200], 0, 200));
    }

    @Test
    void benchmarkReportsSaneNumbers() {
        GemmBenchmark.Result res = GemmBenchmark.run(64, 48, 40, 1, 3, null);
        assertEquals(3, res.reps());
        assertTrue(res.bestGflops() > 0 && res.bestGflops() >= res.medianGflops(), res.toString());
        assertTrue(res.threads() >= 1);
    }
}
