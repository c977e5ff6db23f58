package dev.verity.tensor;

import static dev.verity.tensor.GemmKernels.L;
import static dev.verity.tensor.GemmKernels.MR;
import static dev.verity.tensor.GemmKernels.NR;
import static dev.verity.tensor.GemmKernels.S;

import jdk.incubator.vector.DoubleVector;

/**
 * Packing of {@link Gemm}'s operands into the layouts {@link GemmKernels}' micro-kernels read (the classic Goto/BLIS
 * scheme):
 * <ul>
 *   <li>A block (mc x kc): micro-panels of {@link GemmKernels#MR} rows; panel {@code ip} starts at {@code ip * MR * kc}
 *       and stores element (row r, step p) at {@code p * MR + r}; alpha is folded in. Rows of a partial last
 *       panel are not filled: the kernels for fewer rows never read them.</li>
 *   <li>B panel (kc x nc): micro-panels of {@link GemmKernels#NR} columns; panel {@code jp} starts at {@code jp * kc * NR}
 *       and stores element (step p, column c) at {@code p * NR + c}. Columns past the edge are zero.</li>
 * </ul>
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * Packs alpha * op(A)[i0 .. i0+mc, p0 .. p0+kc] into {@code dst} (micro-panels of MR rows). Rows of a
     * partial last panel past mc are left as they are: the row-split kernels never read them.
     */
    static void packA(boolean transA, double[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
                      double alpha, double[] dst) {
        if (transA) {
            // op(A)(i, p) = a[p * lda + i]: walk each stored row once across all the panels (streaming reads).
            int full = MR == L ? mc / MR : 0;
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0;
                int d = p * MR;
                int ip = 0;
                if (alpha == 1.0) {
                    for (; ip < full; ip++) {
                        DoubleVector.fromArray(S, a, src + ip * MR).intoArray(dst, d + ip * MR * kc);
                    }
                } else {
                    for (; ip < full; ip++) {
                        DoubleVector.fromArray(S, a, src + ip * MR).mul(alpha).intoArray(dst, d + ip * MR * kc);
                    }
                }
                for (int ir = ip * MR; ir < mc; ir += MR) {
                    int mr = Math.min(MR, mc - ir), dd = d + ir * kc;
                    for (int r = 0; r < mr; r++) dst[dd + r] = alpha * a[src + ir + r];
                }
            }
            return;
        }
        // op(A)(i, p) = a[i * lda + p]: each row is contiguous in p.
        for (int ir = 0, base = 0; ir < mc; ir += MR, base += MR * kc) {
            int mr = Math.min(MR, mc - ir);
            for (int r = 0; r < mr; r++) {
                int src = aOff + (i0 + ir + r) * lda + p0;
                int d = base + r;
                if (alpha == 1.0) {
                    for (int p = 0; p < kc; p++) dst[d + p * MR] = a[src + p];
                } else {
                    for (int p = 0; p < kc; p++) dst[d + p * MR] = alpha * a[src + p];
                }
            }
        }
    }

    /**
     * Packs micro-panels jp0 .. jp1 of op(B)[p0 .. p0+kc, j0 .. j0+nc] into {@code dst}, panel jp at
     * {@code d0 + jp * kc * NR}; columns of the last panel past nc are zero.
     */
    static void packB(boolean transB, double[] b, int bOff, int ldb, int p0, int kc, int j0, int nc,
                      int jp0, int jp1, double[] dst, int d0) {
        if (!transB) {
            // op(B)(p, j) = b[p * ldb + j]: walk each row of B once across all the panels (streaming reads).
            for (int p = 0; p < kc; p++) {
                int src = bOff + (p0 + p) * ldb + j0;
                for (int jp = jp0; jp < jp1; jp++) {
                    int jj = jp * NR, nr = Math.min(NR, nc - jj);
                    int d = d0 + jp * kc * NR + p * NR, s = src + jj;
                    if (nr == NR) {
                        for (int v = 0; v < NR; v += L) DoubleVector.fromArray(S, b, s + v).intoArray(dst, d + v);
                    } else {
                        for (int c = 0; c < nr; c++) dst[d + c] = b[s + c];
                        for (int c = nr; c < NR; c++) dst[d + c] = 0.0;
                    }
                }
            }
        } else {
            // op(B)(p, j) = b[j * ldb + p]: each column j of op(B) is contiguous in p. (Measured: this plain
            // loop is as fast as four columns at a time, L1-sized slices, gathers or 8 x 8 register transposes.)
            for (int jp = jp0; jp < jp1; jp++) {
                int jj = jp * NR, nr = Math.min(NR, nc - jj);
                int d = d0 + jp * kc * NR;
                for (int c = 0; c < nr; c++) {
                    int src = bOff + (j0 + jj + c) * ldb + p0;
                    for (int p = 0; p < kc; p++) dst[d + p * NR + c] = b[src + p];
                }
                for (int c = nr; c < NR; c++) {
                    for (int p = 0; p < kc; p++) dst[d + p * NR + c] = 0.0;
                }
            }
        }
    }
}
