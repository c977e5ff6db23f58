package dev.verity.tensor;

import java.util.Arrays;

/**
 * Reductions and normalisations along one axis. A tensor is viewed as {@code [outer, n, inner]}
 * around the axis, so every kernel is three flat loops with the inner axis contiguous.
 */
final class Reduce {
    private Reduce() {}

    /** The {@code [outer, n, inner]} view of a shape around an axis (negative axes count from the end). */
    record Split(int axis, int outer, int n, int inner) {
        static Split of(int[] shape, int axis) {
            int a = axis < 0 ? axis + shape.length : axis;
            if (a < 0 || a >= shape.length)
                throw new IllegalArgumentException("axis " + axis + " out of range for shape " + Arrays.toString(shape));
            int outer = 1, inner = 1;
            for (int i = 0; i < a; i++) outer *= shape[i];
            for (int i = a + 1; i < shape.length; i++) inner *= shape[i];
            return new Split(a, outer, shape[a], inner);
        }
    }

    /** {@code shape} with {@code axis} removed, or set to 1 when keeping dims. */
    static int[] reducedShape(int[] shape, int axis, boolean keepDims) {
        if (keepDims) {
            int[] s = shape.clone();
            s[axis] = 1;
            return s;
        }
        int[] s = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != axis) s[j++] = shape[i];
        return s;
    }

    static Tensor sum(Tensor x, int axis, boolean keepDims, double factor) {
        int[] shape = x.shape();
        Split s = Split.of(shape, axis);
        double[] d = x.data(), o = new double[s.outer() * s.inner()];
        int n = s.n(), inner = s.inner();
        for (int a = 0; a < s.outer(); a++) {
            int oi = a * inner;
            for (int k = 0; k < n; k++) {
                int xi = (a * n + k) * inner;
                for (int j = 0; j < inner; j++) o[oi + j] += d[xi + j];
            }
        }
        if (factor != 1.0) for (int i = 0; i < o.length; i++) o[i] *= factor;
        return new Tensor(o, reducedShape(shape, s.axis(), keepDims));
    }

    /** Sum over every axis but the first, {@code [B, ...] -> [B]}: the {@code [B, n]} view summed along axis 1. */
    static Tensor sumRows(Tensor x) {
        int[] shape = x.shape();
        if (shape.length == 0) throw new IllegalArgumentException("sumRows of a rank-0 tensor (it needs a leading batch axis)");
        return sum(x.reshape(shape[0], rowSize(shape)), 1, false, 1.0);
    }

    /** Gradient of {@link #sumRows}: {@code g[b]} repeated over row b of a tensor of shape {@code inShape}. */
    static Tensor sumRowsBackward(Tensor g, int[] inShape) {
        return sumBackward(g, new int[] {inShape[0], rowSize(inShape)}, 1, 1.0).reshape(inShape);
    }

    private static int rowSize(int[] shape) {
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
        return Math.toIntExact(n);
    }

    static double sumAll(double[] d) {
        double acc = 0;
        for (double v : d) acc += v;
        return acc;
    }

    /**
     * Gradient of a sum along {@code axis}: {@code g} (with or without the kept axis) repeated
     * {@code n} times along it and multiplied by {@code factor} (1/n for a mean).
     */
    static Tensor sumBackward(Tensor g, int[] inShape, int axis, double factor) {
        Split s = Split.of(inShape, axis);
        double[] gd = g.data(), o = new double[Math.toIntExact(Tensor.numel(inShape))];
        int n = s.n(), inner = s.inner();
        for (int a = 0; a < s.outer(); a++) {
            int gi = a * inner;
            for (int k = 0; k < n; k++) {
                int oi = (a * n + k) * inner;
                for (int j = 0; j < inner; j++) o[oi + j] = gd[gi + j] * factor;
            }
        }
        return new Tensor(o, inShape);
    }

    /** Softmax (or log-softmax) along the axis, shifted by the maximum so exp never overflows. */
    static Tensor softmax(Tensor x, int axis, boolean log) {
        int[] shape = x.shape();
        Split s = Split.of(shape, axis);
        double[] d = x.data(), o = new double[d.length];
        int n = s.n(), inner = s.inner();
        double[] max = new double[inner], sum = new double[inner];
        for (int a = 0; a < s.outer(); a++) {
            int base = a * n * inner;
            Arrays.fill(max, Double.NEGATIVE_INFINITY);
            Arrays.fill(sum, 0.0);
            for (int k = 0; k < n; k++)
                for (int j = 0; j < inner; j++) max[j] = Math.max(max[j], d[base + k * inner + j]);
            for (int k = 0; k < n; k++)
                for (int j = 0; j < inner; j++) {
                    int i = base + k * inner + j;
                    double e = Math.exp(d[i] - max[j]);
                    sum[j] += e;
                    if (!log) o[i] = e;
                }
            for (int j = 0; j < inner; j++) sum[j] = log ? max[j] + Math.log(sum[j]) : 1.0 / sum[j];
            for (int k = 0; k < n; k++)
                for (int j = 0; j < inner; j++) {
                    int i = base + k * inner + j;
                    o[i] = log ? d[i] - sum[j] : o[i] * sum[j];
                }
        }
        return new Tensor(o, shape);
    }

    /**
     * Vector-Jacobian product of softmax (from its output {@code y}): {@code y * (g - sum(g*y))}; of
     * log-softmax: {@code g - exp(y) * sum(g)}.
     */
    static Tensor softmaxBackward(Tensor g, Tensor y, int axis, boolean log) {
        int[] shape = y.shape();
        Split s = Split.of(shape, axis);
        double[] gd = g.data(), yd = y.data(), o = new double[yd.length];
        int n = s.n(), inner = s.inner();
        double[] dot = new double[inner];
        for (int a = 0; a < s.outer(); a++) {
            int base = a * n * inner;
            Arrays.fill(dot, 0.0);
            for (int k = 0; k < n; k++)
                for (int j = 0; j < inner; j++) {
                    int i = base + k * inner + j;
                    dot[j] += log ? gd[i] : gd[i] * yd[i];
                }
            for (int k = 0; k < n; k++)
                for (int j = 0; j < inner; j++) {
                    int i = base + k * inner + j;
                    o[i] = log ? gd[i] - Math.exp(yd[i]) * dot[j] : yd[i] * (gd[i] - dot[j]);
                }
        }
        return new Tensor(o, shape);
    }

    /** Index of the first maximum along the axis, for every position of the other axes (row-major). */
    static int[] argmax(Tensor x, int axis) {
        Split s = Split.of(x.shape(), axis);
        double[] d = x.data();
        int n = s.n(), inner = s.inner();
        if (n == 0) throw new IllegalArgumentException("argmax along an empty axis");
        int[] idx = new int[s.outer() * inner];
        for (int a = 0; a < s.outer(); a++)
            for (int j = 0; j < inner; j++) {
                int best = 0;
                double bv = d[a * n * inner + j];
                for (int k = 1; k < n; k++) {
                    double v = d[(a * n + k) * inner + j];
                    if (v > bv) { bv = v; best = k; }
                }
                idx[a * inner + j] = best;
            }
        return idx;
    }

    static void checkLabels(int[] shape, int[] labels) {
        if (shape.length != 2) throw new IllegalArgumentException("cross-entropy expects logits [B, K], got " + Arrays.toString(shape));
        if (labels.length != shape[0])
            throw new IllegalArgumentException(labels.length + " labels for a batch of " + shape[0]);
        for (int l : labels)
            if (l < 0 || l >= shape[1]) throw new IllegalArgumentException("label " + l + " out of range for " + shape[1] + " classes");
    }

    /** Mean over the batch of {@code -log softmax(logits)[label]}; logits {@code [B, K]}. */
    static double crossEntropy(Tensor logits, int[] labels) {
        checkLabels(logits.shape(), labels);
        Tensor ls = softmax(logits, 1, true);
        int k = logits.dim(1);
        double acc = 0;
        for (int b = 0; b < labels.length; b++) acc -= ls.data()[b * k + labels[b]];
        return labels.length == 0 ? 0.0 : acc / labels.length;
    }

    /** Gradient of the mean cross-entropy w.r.t. the logits, times the upstream scalar {@code g}. */
    static Tensor crossEntropyBackward(double g, Tensor logits, int[] labels) {
        Tensor p = softmax(logits, 1, false);
        double[] o = p.data();
        int k = logits.dim(1);
        double f = g / labels.length;
        for (int b = 0; b < labels.length; b++) {
            o[b * k + labels[b]] -= 1.0;
            for (int j = 0; j < k; j++) o[b * k + j] *= f;
        }
        return p;
    }
}
