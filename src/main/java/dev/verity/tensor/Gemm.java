package dev.verity.tensor;

import static dev.verity.tensor.GemmKernels.MR;
import static dev.verity.tensor.GemmKernels.NR;

import java.util.Arrays;

/**
 * General matrix multiply on row-major arrays, BLAS-style:
 * {@code C = alpha * op(A) * op(B) + beta * C} with {@code op(X) = X} or {@code X^T}.
 * op(A) is m x k, op(B) is k x n, C is m x n; lda/ldb/ldc are row strides of the stored matrices.
 * This is the hot path of every bound method.
 *
 * <p>Implementation (JDK Vector API, all four transpose cases; chosen over netlib's VectorBLAS, which
 * measured about 3x slower single-threaded at 1024^3 and is not multi-threaded):
 * <ul>
 *   <li>General case: Goto/BLIS-style blocking. op(B) is packed (per column block of at most
 *       {@link #B_PACK_BUDGET} doubles) into micro-panels of {@link GemmKernels#NR} columns; each row block
 *       of C (at most {@link #MC} rows) packs alpha * op(A) per k-block of at most {@link #KC} steps into
 *       micro-panels of {@link GemmKernels#MR} rows (kept in L2), and the register-tiled micro-kernel
 *       (8 rows x 3 vectors = 24 FMA accumulators on AVX-512) runs over them; narrower kernels take the
 *       edges. The transpose cases differ only in packing.</li>
 *   <li>Few rows ({@code m <= }{@link #DIRECT_B_MAX_M}): a non-transposed B is read in place (no packing);
 *       a transposed B goes to {@link GemmDot} (dot products of contiguous rows).</li>
 *   <li>One row or one column: matrix-vector products ({@link GemmGemv}); k below {@link #SMALL_K}:
 *       outer-product updates ({@link GemmSmallK}).</li>
 *   <li>Tiny problems (under {@link #SMALL_WORK} multiply-adds): plain loops.</li>
 * </ul>
 * From {@link #PARALLEL_WORK} multiply-adds on, the work is split dynamically across
 * {@link GemmThreads#DEFAULT_THREADS} threads (the caller included; {@code -Dverity.gemm.threads=N}).
 * As in BLAS, beta == 0 overwrites C without reading it, and alpha == 0 or k == 0 only scales C.
 * The {@code verity.gemm.*} system properties below are tuning knobs read once at class initialization.
 */
public final class Gemm {
    private Gemm() {}

    /** Rows of C per block (A block = MC x KC doubles, sized for the 1 MiB L2). Multiple of MR. */
    static final int MC = roundUp(Integer.getInteger("verity.gemm.mc", 128), MR);
    /** k steps per block. */
    static final int KC = Integer.getInteger("verity.gemm.kc", 256);
    /** B micro-panels packed per parallel work item. */
    static final int B_PACK_GROUP = 8;
    /** Up to this many rows of C, a non-transposed B is read in place instead of packed. */
    static final int DIRECT_B_MAX_M = Integer.getInteger("verity.gemm.directb", 4 * MR);
    /** Few rows and a transposed B take dot products along k ({@link GemmDot}) from this k on. */
    static final int DOT_MIN_K = Integer.getInteger("verity.gemm.dotk", 2 * GemmKernels.L);
    /** Below this k, C is updated by outer products ({@link GemmSmallK}) instead of packed kernels. */
    static final int SMALL_K = Integer.getInteger("verity.gemm.smallk", 8);
    /** Max doubles of packed op(B) per column block (bounds the per-thread buffer to 16 MiB). */
    static final int B_PACK_BUDGET = 1 << 21;
    /** Below this many multiply-adds (m*n*k) a plain loop beats packing. */
    static final long SMALL_WORK = Long.getLong("verity.gemm.small", 512);
    /** From this many multiply-adds on, the work is split across threads. */
    static final long PARALLEL_WORK = Long.getLong("verity.gemm.parallel", 1L << 20);

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            double alpha, double[] a, int aOff, int lda,
                            double[] b, int bOff, int ldb,
                            double beta, double[] c, int cOff, int ldc) {
        gemm(GemmThreads.DEFAULT_THREADS, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** {@code op(A) * op(B)} as a new m x n matrix. */
    public static double[] multiply(boolean transA, boolean transB, int m, int n, int k, double[] a, double[] b) {
        double[] c = new double[m * n];
        gemm(transA, transB, m, n, k, 1.0, a, 0, transA ? m : k, b, 0, transB ? k : n, 0.0, c, 0, n);
        return c;
    }

    /** Threads a large GEMM uses by default. */
    public static int defaultThreads() {
        return GemmThreads.DEFAULT_THREADS;
    }

    /** Threads an m x n x k GEMM allowed {@code threads} threads actually runs on. */
    static int threadsUsed(int m, int n, int k, int threads) {
        long work = (long) m * n * k;
        return work >= PARALLEL_WORK && work >= SMALL_WORK ? Math.max(1, threads) : 1;
    }

    /** {@link #gemm} on at most {@code threads} threads (the caller included). */
    static void gemm(int threads, boolean transA, boolean transB, int m, int n, int k,
                     double alpha, double[] a, int aOff, int lda,
                     double[] b, int bOff, int ldb,
                     double beta, double[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative dimension: m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) return;
        if (alpha == 0 || k == 0) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        if (n == 1) {
            // y = op(A) x with x the single column of op(B).
            GemmGemv.gemv(threads, !transA, m, k, a, aOff, lda, b, bOff, transB ? 1 : ldb,
                    alpha, beta, c, cOff, ldc);
            return;
        }
        if (m == 1) {
            // y^T = x^T op(B), i.e. y = op(B)^T x with x the single row of op(A).
            GemmGemv.gemv(threads, transB, n, k, b, bOff, ldb, a, aOff, transA ? lda : 1,
                    alpha, beta, c, cOff, 1);
            return;
        }
        long work = (long) m * n * k;
        if (work < SMALL_WORK) {
            plain(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (k < SMALL_K) {
            GemmSmallK.gemm(threads, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (transB && m <= DIRECT_B_MAX_M && k >= DOT_MIN_K) {
            GemmDot.gemmNT(threads, transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        blocked(work >= PARALLEL_WORK ? Math.max(1, threads) : 1,
                transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    // ------------------------------------------------------------------------------------ blocked path

    /** Per-thread packing buffers. */
    private static final class Scratch {
        double[] a = new double[0];
        double[] b = new double[0];
        double[] edge = new double[0];
        final double[] tile = new double[MR * NR];

        double[] a(int size) {
            if (a.length < size) a = new double[size];
            return a;
        }

        double[] b(int size) {
            if (b.length < size) b = new double[size];
            return b;
        }

        double[] edge(int size) {
            if (edge.length < size) edge = new double[size];
            return edge;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static void blocked(int threads, boolean transA, boolean transB, int m, int n, int k,
                                double alpha, double[] a, int aOff, int lda,
                                double[] b, int bOff, int ldb,
                                double beta, double[] c, int cOff, int ldc) {
        // Balanced blocks: k in kBlocks of kcMax steps, m in mBlocks of mcMax rows (a multiple of MR).
        int kBlocks = ceilDiv(k, KC);
        int kcMax = ceilDiv(k, kBlocks);
        int mcMax = roundUp(ceilDiv(m, ceilDiv(m, MC)), MR);
        int mBlocks = ceilDiv(m, mcMax);
        // With few rows of C each element of op(B) is used by few micro-tiles, and when op(B) is not
        // transposed the kernels can read its rows in place (stride ldb): no packing of B at all.
        final boolean directB = !transB && m <= DIRECT_B_MAX_M;
        // Column blocks as wide as a packed k-block of op(B) allows: op(A) is packed once per column block, so with a
        // long k (a weight gradient summed over a batch of back-substitution rows: k in the tens of thousands) sizing
        // the block by all of k made it ~100 columns wide and op(A) was packed again for every one of them.
        int ncMax = directB ? n : Math.max(NR, B_PACK_BUDGET / kcMax / NR * NR);
        double[] bp = directB ? null : SCRATCH.get().b(roundUp(Math.min(n, ncMax), NR) * kcMax);

        for (int jc = 0; jc < n; jc += ncMax) {
            final int j0 = jc;
            final int nc = Math.min(ncMax, n - jc);
            final int panels = ceilDiv(nc, NR);
            // Stage 2's items: (row block, column chunk); chunk the columns only when rows are too few.
            int chunks = threads == 1 ? 1 : Math.min(panels, ceilDiv(4 * threads, mBlocks));
            final int panelsPerChunk = ceilDiv(panels, chunks);
            final int nChunks = ceilDiv(panels, panelsPerChunk);
            for (int pc = 0; pc < k; pc += kcMax) {
                final int p0 = pc, kc = Math.min(kcMax, k - pc);
                // Stage 1: pack op(B)[p0..p0+kc, j0..j0+nc] in groups of panels, panel jp at jp * kc * NR.
                final int groups = directB ? 0 : ceilDiv(panels, B_PACK_GROUP);
                GemmThreads.parallelFor(groups, threads, g -> {
                    int jp0 = g * B_PACK_GROUP, jp1 = Math.min(panels, jp0 + B_PACK_GROUP);
                    GemmPacking.packB(transB, b, bOff, ldb, p0, kc, j0, nc, jp0, jp1, bp, 0);
                });
                // Stage 2: each item packs its rows of alpha * op(A) for this k-block and runs the kernels over its columns.
                final double bt = p0 == 0 ? beta : 1.0;
                GemmThreads.parallelFor(mBlocks * nChunks, threads, item -> {
                    int ib = item / nChunks, ch = item % nChunks;
                    int i0 = ib * mcMax, mc = Math.min(mcMax, m - i0);
                    int jp0 = ch * panelsPerChunk, jp1 = Math.min(panels, jp0 + panelsPerChunk);
                    Scratch s = SCRATCH.get();
                    double[] ap = s.a(roundUp(mcMax, MR) * kcMax);
                    double[] tile = s.tile;
                    GemmPacking.packA(transA, a, aOff, lda, i0, mc, p0, kc, alpha, ap);
                    for (int jp = jp0; jp < jp1; jp++) {
                        int jj = jp * NR, nr = Math.min(NR, nc - jj);
                        double[] bsrc = bp;
                        int bi = jj * kc, bs = NR;
                        if (directB) {
                            if (nr == NR) {
                                bsrc = b;
                                bi = bOff + p0 * ldb + j0 + jj;
                                bs = ldb;
                            } else {
                                // The partial last panel is packed (reading a full width would overrun B).
                                bsrc = s.edge(kc * NR);
                                GemmPacking.packB(false, b, bOff, ldb, p0, kc, j0, nc, jp, jp + 1, bsrc, -jj * kc);
                                bi = 0;
                            }
                        }
                        int ci = cOff + i0 * ldc + j0 + jj;
                        for (int ir = 0; ir < mc; ir += MR, ci += MR * ldc) {
                            GemmKernels.tile(kc, ap, ir * kc, bsrc, bi, bs, c, ci, ldc, Math.min(MR, mc - ir), nr, bt, tile);
                        }
                    }
                });
            }
        }
    }

    // ------------------------------------------------------------------------------------ small cases

    /** Unblocked loops for tiny problems. */
    private static void plain(boolean transA, boolean transB, int m, int n, int k,
                              double alpha, double[] a, int aOff, int lda,
                              double[] b, int bOff, int ldb,
                              double beta, double[] c, int cOff, int ldc) {
        int ai = transA ? 1 : lda, ap = transA ? lda : 1;   // op(A)(i, p) = a[aOff + i*ai + p*ap]
        if (!transB) {
            // Rows of op(B) are contiguous: C(i, :) = beta * C(i, :) + sum_p alpha * op(A)(i, p) * B(p, :).
            scale(m, n, beta, c, cOff, ldc);
            for (int i = 0; i < m; i++) {
                int cRow = cOff + i * ldc;
                for (int p = 0, x = aOff + i * ai, y = bOff; p < k; p++, x += ap, y += ldb) {
                    double s = alpha * a[x];
                    for (int j = 0; j < n; j++) c[cRow + j] += s * b[y + j];
                }
            }
            return;
        }
        // Columns of op(B) are contiguous: dot products.
        for (int i = 0; i < m; i++) {
            int aRow = aOff + i * ai, cRow = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0, x = aRow, y = bOff + j * ldb; p < k; p++, x += ap, y++) {
                    s += a[x] * b[y];
                }
                c[cRow + j] = beta == 0 ? alpha * s : alpha * s + beta * c[cRow + j];
            }
        }
    }

    /** C = beta * C (beta == 0 clears C, NaNs included). */
    private static void scale(int m, int n, double beta, double[] c, int cOff, int ldc) {
        if (beta == 1.0) return;
        for (int i = 0; i < m; i++) {
            int o = cOff + i * ldc;
            if (beta == 0) Arrays.fill(c, o, o + n, 0.0);
            else for (int j = 0; j < n; j++) c[o + j] *= beta;
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int multiple) {
        return ceilDiv(x, multiple) * multiple;
    }
}
