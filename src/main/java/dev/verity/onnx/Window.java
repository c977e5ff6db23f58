package dev.verity.onnx;

import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.PoolGeometry;

import java.util.Arrays;

/**
 * The sliding-window attributes shared by ONNX Conv, MaxPool and AveragePool, resolved for one or two
 * spatial axes: kernel_shape, strides (default 1), dilations (default 1), and pads (ONNX order
 * {@code [x1_begin, x2_begin, ..., x1_end, x2_end]}, default 0) or auto_pad. For auto_pad SAME_UPPER /
 * SAME_LOWER the output size is {@code ceil(in / stride)} and the total padding
 * {@code max(0, (out - 1) * stride + (k - 1) * dilation + 1 - in)} is split evenly, the odd cell going
 * to the end (UPPER) or the beginning (LOWER); VALID means no padding.
 */
record Window(int[] kernel, int[] strides, int[] dilations, int[] padsBegin, int[] padsEnd) {

    static Window resolve(OnnxNode node, int[] inSpatial, int[] kernel) {
        int r = inSpatial.length;
        int[] strides = node.getIntArray("strides", filled(r, 1));
        int[] dilations = node.getIntArray("dilations", filled(r, 1));
        int[] pads = node.getIntArray("pads", new int[2 * r]);
        if (strides.length != r || dilations.length != r || pads.length != 2 * r)
            throw node.invalid("strides " + Arrays.toString(strides) + ", dilations " + Arrays.toString(dilations) + " or pads "
                    + Arrays.toString(pads) + " do not fit " + r + " spatial axes");
        int[] begin = Arrays.copyOfRange(pads, 0, r), end = Arrays.copyOfRange(pads, r, 2 * r);
        String autoPad = node.getString("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET" -> { }
            case "VALID" -> {
                Arrays.fill(begin, 0);
                Arrays.fill(end, 0);
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                for (int i = 0; i < r; i++) {
                    int out = Math.ceilDiv(inSpatial[i], strides[i]);
                    int total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inSpatial[i]);
                    int small = total / 2;
                    begin[i] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    end[i] = total - begin[i];
                }
            }
            default -> throw node.invalid("auto_pad '" + autoPad + "' is not an ONNX value");
        }
        for (int i = 0; i < r; i++) {
            if (strides[i] < 1 || dilations[i] < 1 || kernel[i] < 1) throw node.invalid("kernel, strides and dilations must be >= 1");
            if (begin[i] < 0 || end[i] < 0) throw node.invalid("negative pads " + Arrays.toString(pads) + " are not supported");
        }
        return new Window(kernel, strides, dilations, begin, end);
    }

    /** A 1-D window (one spatial axis) as a 2-D one over a height-1 image. */
    Window asTwoD() {
        if (kernel.length == 2) return this;
        return new Window(new int[] {1, kernel[0]}, new int[] {1, strides[0]}, new int[] {1, dilations[0]},
                new int[] {0, padsBegin[0]}, new int[] {0, padsEnd[0]});
    }

    ConvGeometry conv(int groups) {
        return new ConvGeometry(strides[0], strides[1], padsBegin[0], padsBegin[1], padsEnd[0], padsEnd[1],
                dilations[0], dilations[1], groups);
    }

    PoolGeometry pool(boolean ceilMode, boolean countIncludePad) {
        return new PoolGeometry(kernel[0], kernel[1], strides[0], strides[1], padsBegin[0], padsBegin[1], padsEnd[0], padsEnd[1],
                dilations[0], dilations[1], ceilMode, countIncludePad);
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }
}
