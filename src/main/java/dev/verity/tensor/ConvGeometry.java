package dev.verity.tensor;

/**
 * Geometry of a 2-D convolution over NCHW data: strides, zero padding (top, left, bottom, right),
 * dilations and the number of groups. Output size per axis is
 * {@code floor((in + padBefore + padAfter - dilation*(k-1) - 1) / stride) + 1} (ONNX Conv).
 */
public record ConvGeometry(int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight,
                           int dilationH, int dilationW, int groups) {
    public ConvGeometry {
        if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || groups < 1)
            throw new IllegalArgumentException("conv strides, dilations and groups must be >= 1: " + this);
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0)
            throw new IllegalArgumentException("negative conv padding: " + this);
    }

    public static ConvGeometry simple(int stride, int pad) {
        return new ConvGeometry(stride, stride, pad, pad, pad, pad, 1, 1, 1);
    }

    public int outH(int inH, int kH) { return Math.floorDiv(inH + padTop + padBottom - dilationH * (kH - 1) - 1, strideH) + 1; }
    public int outW(int inW, int kW) { return Math.floorDiv(inW + padLeft + padRight - dilationW * (kW - 1) - 1, strideW) + 1; }
}
