package dev.verity.tensor;

import java.util.Arrays;

/**
 * A dense, row-major tensor of doubles. The shape is fixed; data is owned (never shared with a
 * caller unless a method says so). Strides are not stored: every tensor is contiguous, which keeps
 * the kernels simple and cache-friendly; transpose copies.
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

    @Override public String toString() {
        StringBuilder b = new StringBuilder("Tensor").append(Arrays.toString(shape)).append(' ');
        int n = Math.min(data.length, 8);
        b.append('[');
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ", ").append(data[i]);
        if (data.length > n) b.append(", ...");
        return b.append(']').toString();
    }
}
