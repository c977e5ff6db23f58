package dev.verity.tensor;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * 2-D convolution over NCHW data by im2col + {@link Gemm}, and its two vector-Jacobian products.
 *
 * <p>Per sample, the input is unfolded into {@code col [C*kH*kW, OH*OW]} (row = (channel, ky, kx),
 * column = output position, zeros where the window reads padding). A group's rows are contiguous,
 * so group g is one GEMM {@code W_g [O/g, Cg*kH*kW] x col_g -> out_g [O/g, OH*OW]} written straight
 * into the NCHW output. A 1x1 kernel with unit stride and no padding skips the unfolding: the
 * sample itself is already its col matrix. Samples are processed in parallel chunks when the
 * batch is large, each chunk owning one col buffer.
 */
final class Conv2dKernel {
    private Conv2dKernel() {}

    /** Every size the kernels need, checked once. */
    record Dims(int batch, int c, int h, int w, int o, int cg, int og, int kh, int kw, int oh, int ow, ConvGeometry g) {
        static Dims of(int[] x, int[] weight, ConvGeometry g) {
            if (x.length != 4) throw new IllegalArgumentException("conv2d expects input [B, C, H, W], got " + Arrays.toString(x));
            if (weight.length != 4) throw new IllegalArgumentException("conv2d expects weight [O, C/groups, kH, kW], got " + Arrays.toString(weight));
            int groups = g.groups();
            if (x[1] != weight[1] * groups || weight[0] % groups != 0)
                throw new IllegalArgumentException("conv2d of input " + Arrays.toString(x) + " with weight " + Arrays.toString(weight) + " and " + groups + " groups");
            int oh = g.outH(x[2], weight[2]), ow = g.outW(x[3], weight[3]);
            if (oh < 1 || ow < 1) throw new IllegalArgumentException("conv2d output would be empty for input " + Arrays.toString(x) + " and " + g);
            return new Dims(x[0], x[1], x[2], x[3], weight[0], weight[1], weight[0] / groups, weight[2], weight[3], oh, ow, g);
        }
        int ckk() { return cg * kh * kw; }          // GEMM inner size per group
        int rows() { return c * kh * kw; }          // col rows over all groups
        int ohw() { return oh * ow; }
        int inSize() { return c * h * w; }
        int outSize() { return o * oh * ow; }
        boolean direct() {
            return kh == 1 && kw == 1 && g.strideH() == 1 && g.strideW() == 1
                    && g.padTop() == 0 && g.padLeft() == 0 && g.padBottom() == 0 && g.padRight() == 0;
        }
        long flopsPerSample() { return (long) o * ckk() * ohw(); }
        int[] outShape() { return new int[] {batch, o, oh, ow}; }
    }

    static Tensor forward(Tensor x, Tensor weight, Tensor bias, ConvGeometry g) {
        Dims d = Dims.of(x.shape(), weight.shape(), g);
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != d.o()))
            throw new IllegalArgumentException("conv2d bias must be [" + d.o() + "], got " + Arrays.toString(bias.shape()));
        double[] xd = x.data(), wd = weight.data(), out = new double[d.batch() * d.outSize()];
        double[] bd = bias == null ? null : bias.data();
        int ohw = d.ohw(), ckk = d.ckk(), og = d.og();
        int chunks = Parallel.chunks(d.batch(), d.flopsPerSample());
        Parallel.forRange(d.batch(), chunks, (chunk, from, to) -> {
            double[] col = d.direct() ? null : new double[d.rows() * ohw];
            for (int s = from; s < to; s++) {
                double[] src = source(xd, s, d, col);
                int srcOff = d.direct() ? s * d.inSize() : 0;
                int oBase = s * d.outSize();
                if (bd != null)
                    for (int oc = 0; oc < d.o(); oc++) Arrays.fill(out, oBase + oc * ohw, oBase + (oc + 1) * ohw, bd[oc]);
                for (int grp = 0; grp < g.groups(); grp++)
                    Gemm.gemm(false, false, og, ohw, ckk, 1.0, wd, grp * og * ckk, ckk,
                            src, srcOff + grp * ckk * ohw, ohw, bd == null ? 0.0 : 1.0, out, oBase + grp * og * ohw, ohw);
            }
        });
        return new Tensor(out, d.outShape());
    }

    /**
     * The adjoint of {@code x -> conv2d(x, weight, null)}: for {@code gy [B, O, OH, OW]} the input
     * gradient {@code [B, C, H, W]} ({@code inShape}). Per sample and group one GEMM
     * {@code W_g^T gy_g -> col_g}, then col2im adds the columns back onto the image.
     */
    static Tensor backwardInput(Tensor gy, Tensor weight, int[] inShape, ConvGeometry g) {
        return backwardInput(gy, weight, inShape, g, BLOCK_CELLS);
    }

    /** As above, samples blocked so that a block's col gradient holds at most {@code blockCells} cells. */
    static Tensor backwardInput(Tensor gy, Tensor weight, int[] inShape, ConvGeometry g, int blockCells) {
        Dims d = Dims.of(inShape, weight.shape(), g);
        checkOutput(gy, d);
        ConvGeometry transposed = transposedGeometry(d);
        if (transposed != null) return forward(gy, flipped(weight), null, transposed);
        double[] wd = weight.data(), gd = gy.data(), gx = new double[d.batch() * d.inSize()];
        int ohw = d.ohw(), ckk = d.ckk(), og = d.og();
        if (d.direct()) {
            // The col gradient is the input gradient of the sample itself: one GEMM per sample and group.
            Parallel.forRange(d.batch(), Parallel.chunks(d.batch(), d.flopsPerSample()), (chunk, from, to) -> {
                for (int s = from; s < to; s++)
                    for (int grp = 0; grp < g.groups(); grp++)
                        Gemm.gemm(true, false, ckk, ohw, og, 1.0, wd, grp * og * ckk, ckk,
                                gd, s * d.outSize() + grp * og * ohw, ohw, 0.0, gx, s * d.inSize() + grp * ckk * ohw, ohw);
            });
            return new Tensor(gx, inShape);
        }
        // Many samples share one GEMM, and the samples are the innermost axis of every buffer: gy is laid out as
        // [O, OH·OW, samples] so that W_g^T multiplies a whole block of samples at once (the per-sample GEMMs of a
        // back-substitution's rows are small: K = O/groups, N = OH·OW), and col2im then adds whole vectors of samples
        // instead of single cells at the convolution's stride (its scalar strided additions were 40 % of CROWN's time
        // on oval21's strided convolutions). The block is transposed back to [samples, C, H, W] at the end.
        int block = Math.max(1, Math.min(d.batch(), blockCells / Math.max(1, d.rows() * ohw)));
        Parallel.forRange(d.batch(), Parallel.chunks(d.batch(), d.flopsPerSample()), (chunk, from, to) -> {
            int size = Math.min(block, to - from);
            double[] gyT = new double[d.o() * ohw * size], gcol = new double[d.rows() * ohw * size];
            double[] gxT = new double[d.inSize() * size];
            for (int s0 = from; s0 < to; s0 += size) {
                int b = Math.min(size, to - s0), ld = b * ohw, outSize = d.outSize();
                interleave(gd, s0 * outSize, outSize, b, gyT);
                for (int grp = 0; grp < g.groups(); grp++)
                    Gemm.gemm(true, false, ckk, ld, og, 1.0, wd, grp * og * ckk, ckk,
                            gyT, grp * og * ld, ld, 0.0, gcol, grp * ckk * ld, ld);
                if (s0 > from) Arrays.fill(gxT, 0, d.inSize() * b, 0.0);
                col2im(gcol, ld, b, d, gxT);
                deinterleave(gxT, d.inSize(), b, gx, s0 * d.inSize());
            }
        });
        return new Tensor(gx, inShape);
    }

    /**
     * {@code dst[c·b + s] = src[off + s·n + c]} for {@code c < n, s < b}: b rows of n cells into one [n, b] block, in
     * tiles of {@link #TILE} cells (the rows lie n cells apart, often a multiple of 4 KB, and cell-by-cell access
     * across them thrashed L1: the transposes cost more than the col2im they serve).
     */
    private static void interleave(double[] src, int off, int n, int b, double[] dst) {
        for (int c0 = 0; c0 < n; c0 += TILE) {
            int c1 = Math.min(n, c0 + TILE);
            for (int s = 0; s < b; s++)
                for (int c = c0, at = off + s * n + c0; c < c1; c++, at++) dst[c * b + s] = src[at];
        }
    }

    /** The inverse of {@link #interleave}: {@code dst[off + s·n + c] = src[c·b + s]}. */
    private static void deinterleave(double[] src, int n, int b, double[] dst, int off) {
        int lanes = VEC.length(), full = n - n % lanes;
        int[] stride = new int[lanes];
        for (int k = 0; k < lanes; k++) stride[k] = k * b;
        for (int c0 = 0; c0 < full; c0 += lanes)     // a gather of `lanes` cells b apart, stored contiguously
            for (int s = 0; s < b; s++)
                DoubleVector.fromArray(VEC, src, c0 * b + s, stride, 0).intoArray(dst, off + s * n + c0);
        for (int c0 = full; c0 < n; c0 += TILE) {
            int c1 = Math.min(n, c0 + TILE);
            for (int s = 0; s < b; s++)
                for (int c = c0, at = off + s * n + c0; c < c1; c++, at++) dst[at] = src[c * b + s];
        }
    }

    private static final int TILE = 16;

    /**
     * For a convolution with unit strides and one group, its adjoint is itself a convolution: of {@code gy} with the
     * kernel flipped in both spatial axes and its channel axes swapped, padded by {@code dilation·(k−1) − pad} per side —
     * so it runs as im2col (copies) and a GEMM whose inner size is {@code O·kH·kW}, instead of a GEMM of inner size
     * {@code O} and col2im's scattered additions (a fifth of ReLU splitting's time on ResNet-4B went to col2im). Null
     * where that padding would be negative (a convolution padded more than its kernel's reach), where the direct path
     * is cheaper, on small maps ({@link #MIN_TRANSPOSED_CELLS}), or with strides or groups: those keep col2im.
     */
    static ConvGeometry transposedGeometry(Dims d) {
        ConvGeometry g = d.g();
        if (d.direct() || g.groups() != 1 || g.strideH() != 1 || g.strideW() != 1 || d.ohw() < MIN_TRANSPOSED_CELLS) return null;
        int reachH = g.dilationH() * (d.kh() - 1), reachW = g.dilationW() * (d.kw() - 1);
        int top = reachH - g.padTop(), bottom = reachH - g.padBottom(), left = reachW - g.padLeft(), right = reachW - g.padRight();
        if (top < 0 || bottom < 0 || left < 0 || right < 0) return null;
        return new ConvGeometry(1, 1, top, left, bottom, right, g.dilationH(), g.dilationW(), 1);
    }

    /**
     * The smallest output map ({@code OH·OW}) whose adjoint runs as a convolution: on whole 32×32 maps it was 1.2–1.5×
     * faster than col2im, on 16×16 1.15×, on 8×8 the same, and on the small windows of {@code WindowedBackSubstitution}
     * slower (CROWN on ResNet-4B 3.9–4.1 s → 4.3 s with every unit-stride adjoint transposed).
     */
    private static final int MIN_TRANSPOSED_CELLS = 256;

    /** {@code W'[c, o, i, j] = W[o, c, kH−1−i, kW−1−j]}: the kernel of the adjoint convolution. */
    private static Tensor flipped(Tensor weight) {
        int o = weight.dim(0), c = weight.dim(1), kh = weight.dim(2), kw = weight.dim(3);
        double[] wd = weight.data(), out = new double[wd.length];
        for (int oc = 0; oc < o; oc++)
            for (int ic = 0; ic < c; ic++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        out[((ic * o + oc) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)] = wd[((oc * c + ic) * kh + i) * kw + j];
        return new Tensor(out, c, o, kh, kw);
    }

    /**
     * Col-gradient cells per block of samples in {@link #backwardInput}: 1 MB of doubles, so that col2im reads the
     * block from L2 right after the GEMM wrote it and a block holds several vectors' width of samples (32 MB blocks made
     * alpha-CROWN on oval21 slower, not faster; 256 KB held 2 samples of its first convolution's rows).
     */
    private static final int BLOCK_CELLS = 1 << 17;

    /**
     * The weight gradient {@code sum over samples of gy_g col_g^T}; each parallel chunk accumulates
     * its samples into its own buffer (GEMM with beta 1) and the buffers are added at the end.
     */
    static Tensor backwardWeight(Tensor x, Tensor gy, int[] weightShape, ConvGeometry g) {
        Dims d = Dims.of(x.shape(), weightShape, g);
        checkOutput(gy, d);
        double[] xd = x.data(), gd = gy.data();
        int ohw = d.ohw(), ckk = d.ckk(), og = d.og(), size = d.o() * ckk;
        int chunks = Parallel.chunks(d.batch(), d.flopsPerSample());
        double[][] parts = new double[chunks][];
        Parallel.forRange(d.batch(), chunks, (chunk, from, to) -> {
            double[] col = d.direct() ? null : new double[d.rows() * ohw];
            double[] gw = new double[size];
            for (int s = from; s < to; s++) {
                double[] src = source(xd, s, d, col);
                int srcOff = d.direct() ? s * d.inSize() : 0;
                for (int grp = 0; grp < g.groups(); grp++)
                    Gemm.gemm(false, true, og, ckk, ohw, 1.0, gd, s * d.outSize() + grp * og * ohw, ohw,
                            src, srcOff + grp * ckk * ohw, ohw, 1.0, gw, grp * og * ckk, ckk);
            }
            parts[chunk] = gw;
        });
        double[] sum = parts[0];
        for (int c = 1; c < chunks; c++) for (int i = 0; i < size; i++) sum[i] += parts[c][i];
        return new Tensor(sum, weightShape);
    }

    /** The bias gradient: {@code gy} summed over samples and positions, per output channel. */
    static Tensor backwardBias(Tensor gy) {
        int batch = gy.dim(0), o = gy.dim(1), ohw = gy.dim(2) * gy.dim(3);
        double[] gd = gy.data(), gb = new double[o];
        for (int s = 0; s < batch; s++)
            for (int oc = 0; oc < o; oc++) {
                int base = (s * o + oc) * ohw;
                double acc = 0;
                for (int p = 0; p < ohw; p++) acc += gd[base + p];
                gb[oc] += acc;
            }
        return new Tensor(gb, o);
    }

    private static void checkOutput(Tensor gy, Dims d) {
        if (!Arrays.equals(gy.shape(), d.outShape()))
            throw new IllegalArgumentException("conv2d output gradient " + Arrays.toString(gy.shape()) + ", expected " + Arrays.toString(d.outShape()));
    }

    /** First output column whose input column {@code ow*stride - pad + offset} is >= 0. */
    private static int firstValid(int pad, int offset, int stride) {
        return Math.max(0, Math.ceilDiv(pad - offset, stride));
    }

    /** One past the last output column whose input column is < {@code in}, clamped to [lo, out]. */
    private static int endValid(int in, int pad, int offset, int stride, int lo, int out) {
        return Math.max(lo, Math.min(out, Math.floorDiv(in - 1 + pad - offset, stride) + 1));
    }

    /** Sample s's input as the GEMM reads it: the tensor itself for a direct convolution, else its im2col columns in {@code col}. */
    private static double[] source(double[] xd, int s, Dims d, double[] col) {
        if (d.direct()) return xd;
        im2col(xd, s * d.inSize(), d, col);
        return col;
    }

    /** Unfolds sample {@code x[xOff ..]} into {@code col [C*kH*kW, OH*OW]} (every cell written). */
    static void im2col(double[] x, int xOff, Dims d, double[] col) {
        ConvGeometry g = d.g();
        int sh = g.strideH(), sw = g.strideW(), ow = d.ow(), oh = d.oh(), h = d.h(), w = d.w();
        for (int c = 0; c < d.c(); c++)
            for (int i = 0; i < d.kh(); i++)
                for (int j = 0; j < d.kw(); j++) {
                    int rowOff = ((c * d.kh() + i) * d.kw() + j) * d.ohw();
                    int dx = j * g.dilationW();
                    int lo = firstValid(g.padLeft(), dx, sw), hi = endValid(w, g.padLeft(), dx, sw, lo, ow);
                    int iw0 = dx - g.padLeft();
                    for (int y = 0; y < oh; y++) {
                        int dst = rowOff + y * ow;
                        int ih = y * sh - g.padTop() + i * g.dilationH();
                        if (ih < 0 || ih >= h || lo >= hi) {
                            Arrays.fill(col, dst, dst + ow, 0.0);
                            continue;
                        }
                        int src = xOff + (c * h + ih) * w + iw0;
                        Arrays.fill(col, dst, dst + lo, 0.0);
                        if (sw == 1) System.arraycopy(x, src + lo, col, dst + lo, hi - lo);
                        else for (int q = lo; q < hi; q++) col[dst + q] = x[src + q * sw];
                        Arrays.fill(col, dst + hi, dst + ow, 0.0);
                    }
                }
    }

    /**
     * The adjoint of {@link #im2col} on {@code b} samples at once, the samples the innermost axis: every cell of
     * {@code col [C·kH·kW, OH·OW, b]} (rows {@code ld} apart) is added into the input cell it was read from in
     * {@code gx [C, H, W, b]}, one contiguous vector of {@code b} per cell.
     */
    static void col2im(double[] col, int ld, int b, Dims d, double[] gx) {
        ConvGeometry g = d.g();
        int sh = g.strideH(), sw = g.strideW(), ow = d.ow(), oh = d.oh(), h = d.h(), w = d.w();
        int lanes = VEC.length(), full = VEC.loopBound(b);
        for (int c = 0; c < d.c(); c++)
            for (int i = 0; i < d.kh(); i++)
                for (int j = 0; j < d.kw(); j++) {
                    int rowOff = ((c * d.kh() + i) * d.kw() + j) * ld;
                    int dx = j * g.dilationW();
                    int lo = firstValid(g.padLeft(), dx, sw), hi = endValid(w, g.padLeft(), dx, sw, lo, ow);
                    int iw0 = dx - g.padLeft();
                    for (int y = 0; y < oh; y++) {
                        int ih = y * sh - g.padTop() + i * g.dilationH();
                        if (ih < 0 || ih >= h) continue;
                        int src = rowOff + y * ow * b, dst = ((c * h + ih) * w + iw0) * b;
                        for (int q = lo; q < hi; q++) {
                            int from = src + q * b, into = dst + q * sw * b, t = 0;
                            for (; t < full; t += lanes)
                                DoubleVector.fromArray(VEC, gx, into + t).add(DoubleVector.fromArray(VEC, col, from + t)).intoArray(gx, into + t);
                            for (; t < b; t++) gx[into + t] += col[from + t];
                        }
                    }
                }
    }

    private static final VectorSpecies<Double> VEC = DoubleVector.SPECIES_PREFERRED;
}
