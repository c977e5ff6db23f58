package dev.verity.tensor;

/**
 * Geometry of 2-D max/average pooling over NCHW data (ONNX MaxPool/AveragePool): kernel, strides,
 * padding (top, left, bottom, right), dilations, ceil mode, and for averages whether padded cells
 * count in the divisor. Max pooling pads with -infinity (padded cells never win).
 */
public record PoolGeometry(int kernelH, int kernelW, int strideH, int strideW,
                           int padTop, int padLeft, int padBottom, int padRight,
                           int dilationH, int dilationW, boolean ceilMode, boolean countIncludePad) {
    public PoolGeometry {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1)
            throw new IllegalArgumentException("pool kernel, strides and dilations must be >= 1: " + this);
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0)
            throw new IllegalArgumentException("negative pool padding: " + this);
    }

    public static PoolGeometry simple(int kernel, int stride) {
        return new PoolGeometry(kernel, kernel, stride, stride, 0, 0, 0, 0, 1, 1, false, false);
    }

    public int outH(int inH) { return outSize(inH, kernelH, strideH, padTop, padBottom, dilationH); }
    public int outW(int inW) { return outSize(inW, kernelW, strideW, padLeft, padRight, dilationW); }

    private int outSize(int in, int k, int s, int p0, int p1, int d) {
        int span = in + p0 + p1 - d * (k - 1) - 1;
        int out = (ceilMode ? Math.ceilDiv(span, s) : Math.floorDiv(span, s)) + 1;
        // ONNX/PyTorch: with ceil mode the last window must start inside the input or left padding.
        if (ceilMode && (out - 1) * s >= in + p0) out--;
        return out;
    }
}
