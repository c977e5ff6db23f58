package dev.verity.onnx;

import java.util.Arrays;

/** Shape arithmetic on full ONNX dimensions (ONNX "Broadcasting in ONNX": multidirectional, NumPy rules). */
final class Shapes {
    private Shapes() {}

    static long numel(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            n *= d;
        }
        return n;
    }

    static int numelInt(int[] dims) {
        long n = numel(dims);
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor of shape " + Arrays.toString(dims) + " is too large");
        return (int) n;
    }

    /** The multidirectional broadcast of two shapes; throws {@link IllegalArgumentException} if they do not broadcast. */
    static int[] broadcast(int[] a, int[] b) {
        return dev.verity.tensor.Tensor.broadcastShape(a, b);
    }

    /**
     * For every element of {@code target} (row-major), the flat index of the element of a tensor of shape
     * {@code source} that broadcasting maps to it.
     */
    static int[] broadcastIndex(int[] source, int[] target) {
        int r = target.length;
        if (source.length > r) throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(source) + " to " + Arrays.toString(target));
        int[] strides = new int[r];
        int stride = 1;
        for (int i = source.length - 1; i >= 0; i--) {
            int t = i + r - source.length;
            if (source[i] != target[t] && source[i] != 1)
                throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(source) + " to " + Arrays.toString(target));
            strides[t] = source[i] == 1 ? 0 : stride;
            stride *= source[i];
        }
        return gatherIndex(target, strides, 0);
    }

    /** Flat source indices for a row-major walk over {@code dims} with the given source strides and offset. */
    static int[] gatherIndex(int[] dims, int[] strides, int offset) {
        int n = numelInt(dims);
        int[] index = new int[n];
        int r = dims.length;
        int[] counter = new int[r];
        int src = offset;
        for (int i = 0; i < n; i++) {
            index[i] = src;
            for (int ax = r - 1; ax >= 0; ax--) {
                if (++counter[ax] < dims[ax]) {
                    src += strides[ax];
                    break;
                }
                src -= strides[ax] * (dims[ax] - 1);
                counter[ax] = 0;
            }
        }
        return index;
    }

    /** Row-major strides of a contiguous tensor. */
    static int[] strides(int[] dims) {
        int[] s = new int[dims.length];
        int stride = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = stride;
            stride *= dims[i];
        }
        return s;
    }

    /** Flat source indices of the transpose of a {@code dims} tensor: output axis i is input axis {@code perm[i]}. */
    static int[] transposeIndex(int[] dims, int[] perm) {
        int[] in = strides(dims);
        int[] outDims = permute(dims, perm);
        int[] s = new int[perm.length];
        for (int i = 0; i < perm.length; i++) s[i] = in[perm[i]];
        return gatherIndex(outDims, s, 0);
    }

    static int[] permute(int[] dims, int[] perm) {
        int[] out = new int[perm.length];
        for (int i = 0; i < perm.length; i++) out[i] = dims[perm[i]];
        return out;
    }

    /** Checks that {@code perm} is a permutation of 0..rank-1. */
    static boolean isPermutation(int[] perm, int rank) {
        if (perm.length != rank) return false;
        boolean[] seen = new boolean[rank];
        for (int p : perm) {
            if (p < 0 || p >= rank || seen[p]) return false;
            seen[p] = true;
        }
        return true;
    }

    /** An ONNX axis attribute (negative counts from the end) as an index in 0..rank-1. */
    static int axis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
        return (int) a;
    }

    static int[] tail(int[] dims) { return Arrays.copyOfRange(dims, 1, dims.length); }

    static int[] withLeading(int first, int[] dims) {
        int[] out = new int[dims.length + 1];
        out[0] = first;
        System.arraycopy(dims, 0, out, 1, dims.length);
        return out;
    }

    static int toDim(long d) {
        if (d < 0 || d > Integer.MAX_VALUE) throw new IllegalArgumentException("dimension " + d + " out of range");
        return (int) d;
    }

    static String str(int[] dims) { return Arrays.toString(dims); }
}
