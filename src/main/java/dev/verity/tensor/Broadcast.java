package dev.verity.tensor;

import java.util.Arrays;

/**
 * NumPy broadcasting for element-wise binary operations, plus the two helpers reverse mode needs:
 * {@link #expand} (materialise a broadcast) and {@link #reduceTo} (sum a gradient back over the
 * broadcast axes).
 *
 * <p>Every kernel walks the output in "rows": after aligning ranks, axes of size 1 are dropped and
 * adjacent axes whose strides compose are merged, so the innermost loop is as long as possible and
 * each operand advances by a constant stride (1, or 0 where it is broadcast).
 */
final class Broadcast {
    private Broadcast() {}

    /** Element-wise binary operations; the kernel switches once per row, not per element. */
    enum Op { ADD, SUB, MUL, DIV, MIN, MAX }

    /** The broadcast shape of {@code a} and {@code b}, or an exception naming both. */
    static int[] shape(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * How to walk {@code out} (which both operand shapes broadcast to): {@code rows} rows of
     * {@code inner} elements; row r starts at {@code r * inner} in the output, at {@code aOff[r]} in
     * a (advancing by {@code aStep}) and at {@code bOff[r]} in b (advancing by {@code bStep}).
     */
    record Plan(int rows, int inner, int[] aOff, int aStep, int[] bOff, int bStep) {}

    static Plan plan(int[] aShape, int[] bShape, int[] out) {
        int r = out.length;
        int[] sa = stridesAligned(aShape, out), sb = stridesAligned(bShape, out);
        // Coalesce: drop size-1 axes, merge an axis into its predecessor when both operands' strides compose.
        int[] dims = new int[r], ca = new int[r], cb = new int[r];
        int n = 0;
        for (int i = 0; i < r; i++) {
            if (out[i] == 1) continue;
            if (n > 0 && ca[n - 1] == sa[i] * out[i] && cb[n - 1] == sb[i] * out[i]) {
                dims[n - 1] *= out[i];
                ca[n - 1] = sa[i];
                cb[n - 1] = sb[i];
            } else {
                dims[n] = out[i];
                ca[n] = sa[i];
                cb[n] = sb[i];
                n++;
            }
        }
        if (n == 0) return new Plan(total(out) == 0 ? 0 : 1, 1, new int[] {0}, 0, new int[] {0}, 0);
        int inner = dims[n - 1];
        int rows = 1;
        for (int i = 0; i < n - 1; i++) rows *= dims[i];
        int[] aOff = new int[rows], bOff = new int[rows];
        int[] idx = new int[Math.max(n - 1, 0)];
        int ao = 0, bo = 0;
        for (int row = 0; row < rows; row++) {
            aOff[row] = ao;
            bOff[row] = bo;
            // Odometer increment over the outer axes, keeping both offsets in step.
            for (int ax = n - 2; ax >= 0; ax--) {
                idx[ax]++;
                ao += ca[ax];
                bo += cb[ax];
                if (idx[ax] < dims[ax]) break;
                ao -= ca[ax] * dims[ax];
                bo -= cb[ax] * dims[ax];
                idx[ax] = 0;
            }
        }
        return new Plan(rows, inner, aOff, ca[n - 1], bOff, cb[n - 1]);
    }

    /** Row-major strides of {@code shape} aligned to the rank of {@code out}, 0 along broadcast axes. */
    private static int[] stridesAligned(int[] shape, int[] out) {
        int r = out.length, lead = r - shape.length;
        int[] s = new int[r];
        int stride = 1;
        for (int i = r - 1; i >= 0; i--) {
            int d = i < lead ? 1 : shape[i - lead];
            s[i] = d == 1 && out[i] != 1 ? 0 : stride;
            stride *= d;
        }
        return s;
    }

    private static int total(int[] shape) { return Math.toIntExact(Tensor.numel(shape)); }

    static Tensor apply(Op op, Tensor a, Tensor b) {
        int[] as = a.shape(), bs = b.shape();
        int[] outShape = shape(as, bs);
        double[] o = new double[total(outShape)];
        double[] x = a.data(), y = b.data();
        if (Arrays.equals(as, bs)) {
            row(op, x, 0, 1, y, 0, 1, o, 0, o.length);
        } else {
            Plan p = plan(as, bs, outShape);
            for (int r = 0; r < p.rows(); r++)
                row(op, x, p.aOff()[r], p.aStep(), y, p.bOff()[r], p.bStep(), o, r * p.inner(), p.inner());
        }
        return new Tensor(o, outShape);
    }

    private static void row(Op op, double[] a, int ai, int as, double[] b, int bi, int bs, double[] o, int oi, int n) {
        if (as == 1 && bs == 1) {
            // Contiguous operands: simple indexed loops the JIT can vectorise.
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) o[oi + i] = a[ai + i] + b[bi + i]; }
                case SUB -> { for (int i = 0; i < n; i++) o[oi + i] = a[ai + i] - b[bi + i]; }
                case MUL -> { for (int i = 0; i < n; i++) o[oi + i] = a[ai + i] * b[bi + i]; }
                case DIV -> { for (int i = 0; i < n; i++) o[oi + i] = a[ai + i] / b[bi + i]; }
                case MIN -> { for (int i = 0; i < n; i++) o[oi + i] = Math.min(a[ai + i], b[bi + i]); }
                case MAX -> { for (int i = 0; i < n; i++) o[oi + i] = Math.max(a[ai + i], b[bi + i]); }
            }
            return;
        }
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) o[oi + i] = a[ai + i * as] + b[bi + i * bs]; }
            case SUB -> { for (int i = 0; i < n; i++) o[oi + i] = a[ai + i * as] - b[bi + i * bs]; }
            case MUL -> { for (int i = 0; i < n; i++) o[oi + i] = a[ai + i * as] * b[bi + i * bs]; }
            case DIV -> { for (int i = 0; i < n; i++) o[oi + i] = a[ai + i * as] / b[bi + i * bs]; }
            case MIN -> { for (int i = 0; i < n; i++) o[oi + i] = Math.min(a[ai + i * as], b[bi + i * bs]); }
            case MAX -> { for (int i = 0; i < n; i++) o[oi + i] = Math.max(a[ai + i * as], b[bi + i * bs]); }
        }
    }

    /** {@code a} materialised at the (broadcast-compatible, larger) shape {@code shape}. */
    static Tensor expand(Tensor a, int[] shape) {
        int[] as = a.shape();
        if (Arrays.equals(as, shape)) return a;
        if (!Arrays.equals(shape(as, shape), shape))
            throw new IllegalArgumentException("cannot expand " + Arrays.toString(as) + " to " + Arrays.toString(shape));
        double[] o = new double[total(shape)], x = a.data();
        Plan p = plan(as, shape, shape);
        int n = p.inner(), s = p.aStep();
        for (int r = 0; r < p.rows(); r++) {
            int ai = p.aOff()[r], oi = r * n;
            if (s == 0) Arrays.fill(o, oi, oi + n, x[ai]);
            else System.arraycopy(x, ai, o, oi, n);
        }
        return new Tensor(o, shape);
    }

    /**
     * {@code g} summed over the axes along which {@code shape} was broadcast to {@code g}'s shape: the
     * gradient of a broadcast operand. Returns {@code g} itself when no axis was broadcast.
     */
    static Tensor reduceTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        if (!Arrays.equals(shape(shape, gs), gs))
            throw new IllegalArgumentException("cannot reduce " + Arrays.toString(gs) + " to " + Arrays.toString(shape));
        double[] t = new double[total(shape)], x = g.data();
        Plan p = plan(shape, gs, gs);
        int n = p.inner(), s = p.aStep();
        for (int r = 0; r < p.rows(); r++) {
            int ti = p.aOff()[r], gi = r * n;
            if (s == 0) {
                double acc = 0;
                for (int i = 0; i < n; i++) acc += x[gi + i];
                t[ti] += acc;
            } else {
                for (int i = 0; i < n; i++) t[ti + i] += x[gi + i];
            }
        }
        return new Tensor(t, shape);
    }
}
