package dev.verity.tensor;

import java.util.Arrays;

/** Data-movement kernels: constant padding (and its inverse, cropping), column scatter/gather, and axis permutation. */
final class Layout {
    private Layout() {}

    static int[] paddedShape(int[] shape, int[] pads) {
        int r = shape.length;
        if (pads.length != 2 * r)
            throw new IllegalArgumentException("pad of a rank-" + r + " tensor needs " + 2 * r + " values, got " + Arrays.toString(pads));
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            if (pads[i] < 0 || pads[r + i] < 0) throw new IllegalArgumentException("negative pads are not supported: " + Arrays.toString(pads));
            out[i] = shape[i] + pads[i] + pads[r + i];
        }
        return out;
    }

    /** Constant padding, ONNX order: {@code pads} = begins of every axis, then ends. */
    static Tensor pad(Tensor x, int[] pads, double value) {
        int[] in = x.shape(), out = paddedShape(in, pads);
        double[] o = new double[Math.toIntExact(Tensor.numel(out))];
        if (value != 0.0) Arrays.fill(o, value);
        copyRows(x.data(), in, o, out, pads, true);
        return new Tensor(o, out);
    }

    /** Inverse of {@link #pad}: the interior of {@code g} (shape {@code padded}) that came from the input. */
    static Tensor crop(Tensor g, int[] inShape, int[] pads) {
        int[] out = paddedShape(inShape, pads);
        if (!Arrays.equals(out, g.shape()))
            throw new IllegalArgumentException("crop of " + Arrays.toString(g.shape()) + " expected " + Arrays.toString(out));
        double[] o = new double[Math.toIntExact(Tensor.numel(inShape))];
        copyRows(g.data(), inShape, o, out, pads, false);
        return new Tensor(o, inShape);
    }

    /** Copies each last-axis row of the small tensor to/from its place inside the padded one. */
    private static void copyRows(double[] src, int[] small, double[] dst, int[] big, int[] pads, boolean toBig) {
        int r = small.length;
        if (r == 0) {
            if (src.length > 0) dst[0] = src[0];
            return;
        }
        int row = small[r - 1];
        int rows = row == 0 ? 0 : (int) (Tensor.numel(small) / row);
        int[] idx = new int[r];
        for (int k = 0; k < rows; k++) {
            // Offset in the big tensor of element (idx[0..r-2], 0) of the small one.
            int off = 0;
            for (int i = 0; i < r; i++) off = off * big[i] + idx[i] + pads[i];
            if (toBig) System.arraycopy(src, k * row, dst, off, row);
            else System.arraycopy(src, off, dst, k * row, row);
            for (int ax = r - 2; ax >= 0; ax--) {
                if (++idx[ax] < small[ax]) break;
                idx[ax] = 0;
            }
        }
    }

    /**
     * {@code out[b, index[j]] += a[b, j]}: {@code a [B, n]} with {@code n == index.length} into a new
     * {@code [B, width]} tensor. Repeated indices add up, which is what makes it the adjoint of
     * {@link #gatherColumns}.
     */
    static Tensor scatterColumns(Tensor a, int[] index, int width) {
        if (a.rank() != 2 || a.dim(1) != index.length)
            throw new IllegalArgumentException("scatterColumns of " + Arrays.toString(a.shape()) + " with " + index.length + " indices (expects [B, " + index.length + "])");
        checkIndex(index, width);
        int rows = a.dim(0), n = index.length;
        double[] src = a.data(), out = new double[Math.multiplyExact(rows, width)];
        for (int b = 0; b < rows; b++) {
            int si = b * n, oi = b * width;
            for (int j = 0; j < n; j++) out[oi + index[j]] += src[si + j];
        }
        return new Tensor(out, rows, width);
    }

    /** {@code out[b, j] = a[b, index[j]]} for {@code a [B, width]}: a new {@code [B, index.length]} tensor. */
    static Tensor gatherColumns(Tensor a, int[] index) {
        if (a.rank() != 2)
            throw new IllegalArgumentException("gatherColumns expects [B, width], got " + Arrays.toString(a.shape()));
        int rows = a.dim(0), width = a.dim(1), n = index.length;
        checkIndex(index, width);
        double[] src = a.data(), out = new double[Math.multiplyExact(rows, n)];
        for (int b = 0; b < rows; b++) {
            int si = b * width, oi = b * n;
            for (int j = 0; j < n; j++) out[oi + j] = src[si + index[j]];
        }
        return new Tensor(out, rows, n);
    }

    /** Checked once up front so the hot loops need no bounds logic of their own. */
    private static void checkIndex(int[] index, int width) {
        if (width < 0) throw new IllegalArgumentException("negative column count " + width);
        for (int j = 0; j < index.length; j++)
            if (index[j] < 0 || index[j] >= width)
                throw new IndexOutOfBoundsException("column index " + index[j] + " at position " + j + " outside [0, " + width + ")");
    }

    static int[] checkPerm(int[] perm, int rank) {
        if (perm.length != rank) throw new IllegalArgumentException("transpose perm " + Arrays.toString(perm) + " for a rank-" + rank + " tensor");
        boolean[] seen = new boolean[rank];
        for (int p : perm) {
            if (p < 0 || p >= rank || seen[p]) throw new IllegalArgumentException("transpose perm " + Arrays.toString(perm) + " is not a permutation");
            seen[p] = true;
        }
        return perm;
    }

    static int[] inversePerm(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return inv;
    }

    /** A contiguous copy with output axis i = input axis {@code perm[i]}. */
    static Tensor transpose(Tensor x, int[] perm) {
        int[] in = x.shape();
        int r = in.length;
        checkPerm(perm, r);
        int[] out = new int[r];
        int[] inStride = new int[r];
        for (int i = r - 1, s = 1; i >= 0; i--) { inStride[i] = s; s *= in[i]; }
        int[] step = new int[r]; // input stride of each output axis
        for (int i = 0; i < r; i++) { out[i] = in[perm[i]]; step[i] = inStride[perm[i]]; }
        double[] src = x.data(), o = new double[src.length];
        if (o.length == 0 || r == 0) {
            System.arraycopy(src, 0, o, 0, src.length);
            return new Tensor(o, out);
        }
        int n = out[r - 1], s = step[r - 1];
        int rows = o.length / n;
        int[] idx = new int[r];
        int base = 0;
        for (int k = 0; k < rows; k++) {
            int oi = k * n;
            if (s == 1) System.arraycopy(src, base, o, oi, n);
            else for (int j = 0; j < n; j++) o[oi + j] = src[base + j * s];
            for (int ax = r - 2; ax >= 0; ax--) {
                base += step[ax];
                if (++idx[ax] < out[ax]) break;
                base -= step[ax] * out[ax];
                idx[ax] = 0;
            }
        }
        return new Tensor(o, out);
    }

    /** ONNX Flatten: {@code [d0..d(axis-1)] x [d(axis)..]} as a rank-2 shape. */
    static int[] flattenShape(int[] shape, int axis) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a > shape.length) throw new IllegalArgumentException("flatten axis " + axis + " for shape " + Arrays.toString(shape));
        long outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= shape[i];
        for (int i = a; i < shape.length; i++) inner *= shape[i];
        return new int[] {Math.toIntExact(outer), Math.toIntExact(inner)};
    }
}
