package dev.verity.model;

import java.util.Arrays;

/** The shape of one sample (no batch axis), e.g. {@code [784]} or {@code [3, 32, 32]} (CHW). */
public record Shape(int... dims) {
    public Shape {
        dims = dims.clone();
        for (int d : dims) if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
    }

    public int rank() { return dims.length; }
    public int dim(int axis) { return dims[axis < 0 ? dims.length + axis : axis]; }
    public int numel() { return Math.toIntExact(dev.verity.tensor.Tensor.numel(dims)); }
    @Override public int[] dims() { return dims.clone(); }

    /** The dims with a leading batch axis of size {@code batch} (-1: inferred). */
    public int[] withBatch(int batch) {
        int[] s = new int[dims.length + 1];
        s[0] = batch;
        System.arraycopy(dims, 0, s, 1, dims.length);
        return s;
    }

    @Override public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }
    @Override public int hashCode() { return Arrays.hashCode(dims); }
    @Override public String toString() { return Arrays.toString(dims); }
}
