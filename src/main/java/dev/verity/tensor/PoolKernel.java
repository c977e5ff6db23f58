package dev.verity.tensor;

import java.util.Arrays;

/**
 * Max and average pooling over NCHW data with ONNX semantics (see {@link PoolGeometry}), and their
 * vector-Jacobian products. Each (sample, channel) plane is pooled independently.
 *
 * <p>Max pooling treats padding as -infinity, i.e. padded cells are simply skipped; the winner is the
 * first maximum in row-major window order, which is where the gradient goes. Average pooling
 * divides by the number of real cells in the window, or with {@code countIncludePad} by the full
 * kernel size {@code kH*kW}, even for a ceil-mode window that reaches past the end padding. That
 * is what onnxruntime (the reference counterexamples are re-checked against) computes; PyTorch
 * would not count the cells beyond the padding there.
 */
final class PoolKernel {
    private PoolKernel() {}

    record Dims(int planes, int h, int w, int oh, int ow, int[] outShape) {
        static Dims of(int[] x, PoolGeometry g) {
            if (x.length != 4) throw new IllegalArgumentException("pooling expects input [B, C, H, W], got " + Arrays.toString(x));
            int oh = g.outH(x[2]), ow = g.outW(x[3]);
            if (oh < 1 || ow < 1) throw new IllegalArgumentException("pooling output would be empty for input " + Arrays.toString(x) + " and " + g);
            return new Dims(x[0] * x[1], x[2], x[3], oh, ow, new int[] {x[0], x[1], oh, ow});
        }
    }

    /**
     * Max pooling; when {@code argmax} is non-null it receives, per output cell, the flat input index
     * of the winner (-1 when the window holds no real cell, whose output is -infinity).
     */
    static Tensor max(Tensor x, PoolGeometry g, int[] argmax) {
        Dims d = Dims.of(x.shape(), g);
        double[] in = x.data(), out = new double[d.planes() * d.oh() * d.ow()];
        int o = 0;
        for (int p = 0; p < d.planes(); p++) {
            int base = p * d.h() * d.w();
            for (int y = 0; y < d.oh(); y++) {
                int hs = y * g.strideH() - g.padTop();
                for (int x0 = 0; x0 < d.ow(); x0++, o++) {
                    int ws = x0 * g.strideW() - g.padLeft();
                    double best = Double.NEGATIVE_INFINITY;
                    int at = -1;
                    for (int i = 0; i < g.kernelH(); i++) {
                        int ih = hs + i * g.dilationH();
                        if (ih < 0 || ih >= d.h()) continue;
                        int row = base + ih * d.w();
                        for (int j = 0; j < g.kernelW(); j++) {
                            int iw = ws + j * g.dilationW();
                            if (iw < 0 || iw >= d.w()) continue;
                            double v = in[row + iw];
                            if (at < 0 || v > best) { best = v; at = row + iw; }
                        }
                    }
                    out[o] = best;
                    if (argmax != null) argmax[o] = at;
                }
            }
        }
        return new Tensor(out, d.outShape());
    }

    static Tensor maxBackward(Tensor gy, int[] argmax, int[] inShape) {
        double[] g = gy.data(), gx = new double[Math.toIntExact(Tensor.numel(inShape))];
        for (int o = 0; o < g.length; o++) if (argmax[o] >= 0) gx[argmax[o]] += g[o];
        return new Tensor(gx, inShape);
    }

    /** First kernel tap t with {@code start + t*dil >= 0}. */
    private static int firstTap(int start, int dil) { return start >= 0 ? 0 : Math.ceilDiv(-start, dil); }

    /** One past the last kernel tap t (< k) with {@code start + t*dil < limit}. */
    private static int endTap(int start, int dil, int k, int limit) {
        return Math.max(0, Math.min(k, start >= limit ? 0 : Math.floorDiv(limit - 1 - start, dil) + 1));
    }

    /** Average pooling ({@code backward == false}), or its gradient scattered into {@code gx}. */
    private static void avg(double[] in, double[] out, Dims d, PoolGeometry g, boolean backward) {
        int o = 0;
        for (int p = 0; p < d.planes(); p++) {
            int base = p * d.h() * d.w();
            for (int y = 0; y < d.oh(); y++) {
                int hs = y * g.strideH() - g.padTop();
                int i0 = firstTap(hs, g.dilationH()), i1 = endTap(hs, g.dilationH(), g.kernelH(), d.h());
                int cntH = g.countIncludePad() ? g.kernelH() : Math.max(0, i1 - i0);
                for (int x0 = 0; x0 < d.ow(); x0++, o++) {
                    int ws = x0 * g.strideW() - g.padLeft();
                    int j0 = firstTap(ws, g.dilationW()), j1 = endTap(ws, g.dilationW(), g.kernelW(), d.w());
                    int cntW = g.countIncludePad() ? g.kernelW() : Math.max(0, j1 - j0);
                    int cnt = cntH * cntW;
                    if (cnt == 0) continue; // window entirely outside: output 0, no gradient
                    double inv = 1.0 / cnt;
                    if (backward) {
                        double share = in[o] * inv;
                        for (int i = i0; i < i1; i++) {
                            int row = base + (hs + i * g.dilationH()) * d.w() + ws;
                            for (int j = j0; j < j1; j++) out[row + j * g.dilationW()] += share;
                        }
                    } else {
                        double acc = 0;
                        for (int i = i0; i < i1; i++) {
                            int row = base + (hs + i * g.dilationH()) * d.w() + ws;
                            for (int j = j0; j < j1; j++) acc += in[row + j * g.dilationW()];
                        }
                        out[o] = acc * inv;
                    }
                }
            }
        }
    }

    static Tensor avg(Tensor x, PoolGeometry g) {
        Dims d = Dims.of(x.shape(), g);
        double[] out = new double[d.planes() * d.oh() * d.ow()];
        avg(x.data(), out, d, g, false);
        return new Tensor(out, d.outShape());
    }

    /** The adjoint of average pooling (a linear map): its input gradient for {@code gy}. */
    static Tensor avgAdjoint(Tensor gy, int[] inShape, PoolGeometry g) {
        Dims d = Dims.of(inShape, g);
        if (!Arrays.equals(gy.shape(), d.outShape()))
            throw new IllegalArgumentException("avgPool2d output gradient " + Arrays.toString(gy.shape()) + ", expected " + Arrays.toString(d.outShape()));
        double[] gx = new double[Math.toIntExact(Tensor.numel(inShape))];
        avg(gy.data(), gx, d, g, true);
        return new Tensor(gx, inShape);
    }
}
