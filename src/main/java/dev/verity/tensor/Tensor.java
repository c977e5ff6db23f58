package dev.verity.tensor;

import java.util.Arrays;

/**
 * A dense, row-major tensor of doubles. The shape is fixed; data is owned (never shared with a
 * caller unless a method says so). Strides are not stored: every tensor is contiguous, which keeps
 * the kernels simple and cache-friendly; transpose copies.
 *
 * <p>Operations never modify their operands and return new tensors (reshape and flatten share the
 * data). The kernels live in small package-private classes ({@link Broadcast}, {@link Elementwise},
 * {@link Reduce}, {@link Layout}, {@link Conv2dKernel}, {@link PoolKernel}); matrix products all go
 * through {@link Gemm}.
 */
public final class Tensor {
    private final int[] shape;
    private final double[] data;

    /** Wraps {@code data} (not copied) with the given shape. */
    public Tensor(double[] data, int... shape) {
        this.shape = shape.clone();
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + data.length);
        }
        this.data = data;
    }

    public static Tensor zeros(int... shape) {
        return new Tensor(new double[Math.toIntExact(numel(shape))], shape);
    }

    public static Tensor full(double value, int... shape) {
        double[] d = new double[Math.toIntExact(numel(shape))];
        Arrays.fill(d, value);
        return new Tensor(d, shape);
    }

    public static Tensor scalar(double value) {
        return new Tensor(new double[] {value});
    }

    /** A rank-1 tensor holding a copy of {@code values}. */
    public static Tensor vector(double... values) {
        return new Tensor(values.clone(), values.length);
    }

    /** A rank-2 tensor from rows (copied). */
    public static Tensor matrix(double[][] rows) {
        int r = rows.length, c = r == 0 ? 0 : rows[0].length;
        double[] d = new double[r * c];
        for (int i = 0; i < r; i++) {
            if (rows[i].length != c) throw new IllegalArgumentException("ragged matrix");
            System.arraycopy(rows[i], 0, d, i * c, c);
        }
        return new Tensor(d, r, c);
    }

    public static long numel(int... shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= s;
        }
        return n;
    }

    /** The NumPy/ONNX multidirectional broadcast of two shapes; {@link IllegalArgumentException} if they do not broadcast. */
    public static int[] broadcastShape(int[] a, int[] b) { return Broadcast.shape(a, b); }

    public int[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public int dim(int axis) { return shape[axis < 0 ? shape.length + axis : axis]; }
    public int size() { return data.length; }

    /** The backing array (not a copy): kernels read and write it directly. */
    public double[] data() { return data; }

    public double get(int... index) { return data[offset(index)]; }
    public void set(double value, int... index) { data[offset(index)] = value; }
    public double item() {
        if (data.length != 1) throw new IllegalStateException("item() of a tensor with " + data.length + " values");
        return data[0];
    }

    private int offset(int[] index) {
        if (index.length != shape.length) throw new IllegalArgumentException("index rank " + index.length + " != " + shape.length);
        int off = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) throw new IndexOutOfBoundsException(Arrays.toString(index) + " in " + Arrays.toString(shape));
            off = off * shape[i] + index[i];
        }
        return off;
    }

    public Tensor copy() { return new Tensor(data.clone(), shape); }

    /** Same data, new shape; one dimension may be -1 (inferred). Shares the data array. */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("two -1 in reshape " + Arrays.toString(newShape));
                infer = i;
            } else known *= s[i];
        }
        if (infer >= 0) {
            if (known == 0 || data.length % known != 0) throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
            s[infer] = (int) (data.length / known);
        }
        return new Tensor(data, s);
    }

    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    // ---- Shape ----------------------------------------------------------------------------------
    // Like reshape, flatten shares the data; every other operation returns a new tensor.

    /** {@code [d0, d1, ...] -> [d0, d1*...]}: everything after the batch axis in one (ONNX Flatten, axis 1). */
    public Tensor flatten() { return flatten(1); }

    /** ONNX Flatten: axes before {@code axis} into the first dimension, the rest into the second. Shares the data. */
    public Tensor flatten(int axis) { return new Tensor(data, Layout.flattenShape(shape, axis)); }

    /** A contiguous copy whose axis i is this tensor's axis {@code perm[i]}. */
    public Tensor transpose(int... perm) { return Layout.transpose(this, perm); }

    /** Constant padding; {@code pads} holds the begin of every axis, then the ends (ONNX Pad order). */
    public Tensor pad(int[] pads, double value) { return Layout.pad(this, pads, value); }

    // ---- Matrix products (all through Gemm) -----------------------------------------------------

    /** {@code this [m, k] x b [k, n]}. */
    public Tensor matmul(Tensor b) { return product(false, this, false, b); }

    /** {@code this^T x b} for {@code this [k, m]}, {@code b [k, n]}. */
    public Tensor matmulTransA(Tensor b) { return product(true, this, false, b); }

    /** {@code this x b^T} for {@code this [m, k]}, {@code b [n, k]}. */
    public Tensor matmulTransB(Tensor b) { return product(false, this, true, b); }

    private static Tensor product(boolean ta, Tensor a, boolean tb, Tensor b) {
        if (a.rank() != 2 || b.rank() != 2)
            throw new IllegalArgumentException("matmul needs rank-2 tensors, got " + Arrays.toString(a.shape) + " and " + Arrays.toString(b.shape));
        int m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1];
        int kb = tb ? b.shape[1] : b.shape[0], n = tb ? b.shape[0] : b.shape[1];
        if (k != kb)
            throw new IllegalArgumentException("matmul" + (ta ? "TransA" : tb ? "TransB" : "") + " of " + Arrays.toString(a.shape) + " and " + Arrays.toString(b.shape));
        double[] c = new double[m * n];
        Gemm.gemm(ta, tb, m, n, k, 1.0, a.data, 0, a.shape[1], b.data, 0, b.shape[1], 0.0, c, 0, n);
        return new Tensor(c, m, n);
    }

    /**
     * Fully connected layer over the last axis: {@code x [..., in] -> x W^T + b [..., out]} with
     * {@code weight [out, in]} and {@code bias [out]} (or null). One GEMM over all leading axes.
     */
    public Tensor linear(Tensor weight, Tensor bias) {
        if (rank() == 0 || weight.rank() != 2 || dim(-1) != weight.shape[1])
            throw new IllegalArgumentException("linear of " + Arrays.toString(shape) + " with weight " + Arrays.toString(weight.shape) + " (expects [out, in])");
        int in = weight.shape[1], out = weight.shape[0];
        if (bias != null && (bias.rank() != 1 || bias.shape[0] != out))
            throw new IllegalArgumentException("linear bias must be [" + out + "], got " + Arrays.toString(bias.shape));
        int rows = Math.toIntExact(numel(Arrays.copyOf(shape, shape.length - 1)));
        double[] o = new double[rows * out];
        if (bias != null) for (int r = 0; r < rows; r++) System.arraycopy(bias.data, 0, o, r * out, out);
        // Only for real matrix products: for a matrix-vector product the scan would cost as much as the product.
        int[] kept = rows >= 32 && in >= 64 && out >= 32 ? SparseColumns.nonZeroColumns(data, rows, in) : null;
        if (kept != null) {
            // Back-substitution through a layer of stably inactive ReLUs leaves whole coefficient columns
            // zero; dropping them (with the matching weight columns) shrinks the GEMM's inner dimension.
            int k = kept.length;
            Gemm.gemm(false, true, rows, out, k, 1.0, SparseColumns.select(data, rows, in, kept), 0, k,
                    SparseColumns.select(weight.data, out, in, kept), 0, k, bias == null ? 0.0 : 1.0, o, 0, out);
        } else {
            Gemm.gemm(false, true, rows, out, in, 1.0, data, 0, in, weight.data, 0, in, bias == null ? 0.0 : 1.0, o, 0, out);
        }
        int[] s = shape.clone();
        s[s.length - 1] = out;
        return new Tensor(o, s);
    }

    // ---- Element-wise (binary ones broadcast like NumPy) ----------------------------------------

    public Tensor add(Tensor b) { return Broadcast.apply(Broadcast.Op.ADD, this, b); }
    public Tensor sub(Tensor b) { return Broadcast.apply(Broadcast.Op.SUB, this, b); }
    public Tensor mul(Tensor b) { return Broadcast.apply(Broadcast.Op.MUL, this, b); }
    public Tensor div(Tensor b) { return Broadcast.apply(Broadcast.Op.DIV, this, b); }
    /** Element-wise minimum of two (broadcast) tensors. */
    public Tensor min(Tensor b) { return Broadcast.apply(Broadcast.Op.MIN, this, b); }
    /** Element-wise maximum of two (broadcast) tensors. */
    public Tensor max(Tensor b) { return Broadcast.apply(Broadcast.Op.MAX, this, b); }

    public Tensor scale(double s) { return new Tensor(Elementwise.scale(data, s), shape); }
    public Tensor neg() { return scale(-1.0); }
    public Tensor relu() { return new Tensor(Elementwise.relu(data), shape); }
    public Tensor leakyRelu(double alpha) { return new Tensor(Elementwise.leakyRelu(data, alpha), shape); }
    /** Logistic sigmoid, computed without overflow for large |x|. */
    public Tensor sigmoid() { return new Tensor(Elementwise.sigmoid(data), shape); }
    public Tensor tanh() { return new Tensor(Elementwise.tanh(data), shape); }
    /** Every value clipped into {@code [lo, hi]} (either may be infinite). */
    public Tensor clamp(double lo, double hi) { return new Tensor(Elementwise.clamp(data, lo, hi), shape); }

    /** {@code f} applied to every value (for the odd operation without a kernel; not for hot paths). */
    public Tensor map(java.util.function.DoubleUnaryOperator f) {
        double[] o = new double[data.length];
        for (int i = 0; i < o.length; i++) o[i] = f.applyAsDouble(data[i]);
        return new Tensor(o, shape);
    }

    // ---- Reductions and normalisations along an axis (negative axes count from the end) ---------

    public Tensor sum(int axis, boolean keepDims) { return Reduce.sum(this, axis, keepDims, 1.0); }
    public Tensor mean(int axis, boolean keepDims) { return Reduce.sum(this, axis, keepDims, 1.0 / Reduce.Split.of(shape, axis).n()); }
    /** Sum of all values, as a rank-0 tensor. */
    public Tensor sum() { return scalar(Reduce.sumAll(data)); }
    /** Mean of all values, as a rank-0 tensor. */
    public Tensor mean() { return scalar(Reduce.sumAll(data) / data.length); }

    /** Softmax along {@code axis}, shifted by the maximum so it never overflows. */
    public Tensor softmax(int axis) { return Reduce.softmax(this, axis, false); }
    /** Log-softmax along {@code axis} ({@code x - max - log sum exp(x - max)}). */
    public Tensor logSoftmax(int axis) { return Reduce.softmax(this, axis, true); }

    /**
     * Index of the first maximum along {@code axis} for every position of the other axes, in
     * row-major order of the shape without that axis (for logits {@code [B, K]} and axis 1: one
     * predicted class per sample).
     */
    public int[] argmax(int axis) { return Reduce.argmax(this, axis); }

    /** Mean over the batch of the cross-entropy of logits {@code [B, K]} against class labels, as a rank-0 tensor. */
    public Tensor crossEntropy(int[] labels) { return scalar(Reduce.crossEntropy(this, labels)); }

    // ---- Convolution and pooling (NCHW, batch axis first) ---------------------------------------

    /** 2-D convolution with {@code weight [O, C/groups, kH, kW]} and {@code bias [O]} (or null). */
    public Tensor conv2d(Tensor weight, Tensor bias, ConvGeometry geometry) { return Conv2dKernel.forward(this, weight, bias, geometry); }

    /** Max pooling; padding acts as -infinity. */
    public Tensor maxPool2d(PoolGeometry geometry) { return PoolKernel.max(this, geometry, null); }

    /** Average pooling; the divisor follows {@link PoolGeometry#countIncludePad()}. */
    public Tensor avgPool2d(PoolGeometry geometry) { return PoolKernel.avg(this, geometry); }

    // ---- Adjoints (transposes) of the linear operations, for back-substitution and gradients ----

    /**
     * The adjoint of {@code x -> x.conv2d(weight, null, geometry)} applied to this {@code [B, O, OH, OW]}
     * tensor: a {@code [B, C, inH, inW]} tensor y with {@code <conv(x), this> = <x, y>} for every x.
     * The input size is needed because several input sizes give the same output size.
     */
    public Tensor conv2dAdjoint(Tensor weight, int inH, int inW, ConvGeometry geometry) {
        if (rank() != 4 || weight.rank() != 4)
            throw new IllegalArgumentException("conv2dAdjoint of " + Arrays.toString(shape) + " with weight " + Arrays.toString(weight.shape));
        return Conv2dKernel.backwardInput(this, weight, new int[] {shape[0], weight.shape[1] * geometry.groups(), inH, inW}, geometry);
    }

    /** The adjoint of {@code x -> x.avgPool2d(geometry)} applied to this {@code [B, C, OH, OW]} tensor. */
    public Tensor avgPool2dAdjoint(int inH, int inW, PoolGeometry geometry) {
        if (rank() != 4) throw new IllegalArgumentException("avgPool2dAdjoint of " + Arrays.toString(shape));
        return PoolKernel.avgAdjoint(this, new int[] {shape[0], shape[1], inH, inW}, geometry);
    }

    /** The adjoint of {@code x -> x.pad(pads, 0)}: the interior of this (padded) tensor, i.e. the padding cut off. */
    public Tensor padAdjoint(int[] pads) {
        int r = shape.length;
        if (pads.length != 2 * r) throw new IllegalArgumentException("padAdjoint of a rank-" + r + " tensor needs " + 2 * r + " pads, got " + Arrays.toString(pads));
        int[] in = new int[r];
        for (int i = 0; i < r; i++) in[i] = shape[i] - pads[i] - pads[r + i];
        return Layout.crop(this, in, pads);
    }

    @Override public String toString() {
        StringBuilder b = new StringBuilder("Tensor").append(Arrays.toString(shape)).append(' ');
        int n = Math.min(data.length, 8);
        b.append('[');
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ", ").append(data[i]);
        if (data.length > n) b.append(", ...");
        return b.append(']').toString();
    }
}
