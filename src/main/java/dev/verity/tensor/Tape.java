package dev.verity.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reverse-mode automatic differentiation. A tape records every operation whose result depends on a
 * {@link #variable}; {@link #backward} then walks the record in reverse and fills {@link Var#grad()}.
 * Operations on constants only are evaluated but not recorded, so a forward pass through frozen
 * weights costs nothing extra for the weights.
 *
 * <p>Use one tape per computation (one forward pass and one backward); it is not thread-safe and
 * holds no global state. Through {@link Ops} the same network code that evaluates tensors builds
 * the tape (weights enter as constants); the extra methods here cover what attacks and training
 * need (trainable weights as vars, losses, reductions). Through {@link AdjointOps} the bound
 * engine's back-substitution runs on the tape too, so alpha-CROWN gets gradients of its bounds.
 *
 * <p>Conventions at kinks: relu passes no gradient at 0; max pooling and element-wise max/min send
 * it to the first winner; clamp passes it on the closed interval {@code [lo, hi]}.
 */
public final class Tape implements AdjointOps<Var> {

    /** Propagates a var's gradient to its inputs (by {@link Var#accumulate}); must not modify {@code g}. */
    @FunctionalInterface
    interface Backward {
        void apply(Tensor g);
    }

    /** Recorded vars in creation order, which is a topological order. */
    private final List<Var> nodes = new ArrayList<>();
    private final List<Var> variables = new ArrayList<>();
    private boolean backwardDone;

    // ---- Leaves -----------------------------------------------------------------------------------

    /** A leaf that wants a gradient. The tensor is wrapped, not copied: do not modify it while the tape is used. */
    public Var variable(Tensor value) {
        Var v = new Var(this, value, true, null);
        variables.add(v);
        return v;
    }

    /** A leaf without gradient (inputs of an attack's loss that are fixed, frozen weights). */
    @Override public Var constant(Tensor value) { return new Var(this, value, false, null); }

    @Override public Tensor value(Var x) { return x.value(); }

    /** Records an operation's result; without a gradient-carrying input it is a plain constant. */
    private Var record(Tensor value, Backward backward, Var... inputs) {
        boolean needs = false;
        for (Var in : inputs) {
            if (in == null) continue;
            if (in.tape() != this) throw new IllegalArgumentException("var from another tape");
            needs |= in.requiresGrad();
        }
        if (!needs) return new Var(this, value, false, null);
        Var v = new Var(this, value, true, backward);
        nodes.add(v);
        return v;
    }

    private static boolean wants(Var v) { return v != null && v.requiresGrad(); }

    /** Backward of an operation with several results: {@code grads[i]} is result i's gradient, null where none arrived. */
    @FunctionalInterface
    private interface JointBackward {
        void apply(Tensor[] grads);
    }

    /**
     * Records an operation with several results (one pass over a large input computing them all). Only the last
     * result goes on the record, with a backward that runs even without a gradient of its own and reads its
     * siblings'; they were all created before any op that consumes them, so in reverse order every gradient
     * has arrived by then.
     */
    private Var[] recordJoint(Tensor[] values, JointBackward backward, Var... inputs) {
        boolean needs = false;
        for (Var in : inputs) {
            if (in == null) continue;
            if (in.tape() != this) throw new IllegalArgumentException("var from another tape");
            needs |= in.requiresGrad();
        }
        Var[] out = new Var[values.length];
        if (!needs) {
            for (int i = 0; i < values.length; i++) out[i] = new Var(this, values[i], false, null);
            return out;
        }
        for (int i = 0; i < values.length - 1; i++) out[i] = new Var(this, values[i], true, null);
        out[values.length - 1] = new Var(this, values[values.length - 1], true, g -> {
            Tensor[] grads = new Tensor[out.length];
            for (int i = 0; i < out.length; i++) grads[i] = out[i].pendingGrad();
            boolean any = false;
            for (Tensor t : grads) any |= t != null;
            if (any) backward.apply(grads);
        }, true);
        nodes.add(out[values.length - 1]);
        return out;
    }

    // ---- Backward ---------------------------------------------------------------------------------

    /**
     * Back-propagates from {@code scalar} (a one-element var, e.g. a loss): afterwards every var that
     * requires a gradient holds {@code d scalar / d var}. Call at most once per tape.
     */
    public void backward(Var scalar) {
        if (scalar.tape() != this) throw new IllegalArgumentException("var from another tape");
        if (scalar.value().size() != 1)
            throw new IllegalArgumentException("backward from a var of shape " + Arrays.toString(scalar.shape()) + "; it needs a single value");
        if (backwardDone) throw new IllegalStateException("backward already ran on this tape; record a new one");
        backwardDone = true;
        if (!scalar.requiresGrad()) return;
        scalar.accumulate(Tensor.full(1.0, scalar.shape()));
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Var v = nodes.get(i);
            Tensor g = v.pendingGrad();
            if (g != null || v.joint) v.backward.apply(g);
        }
        for (Var v : variables) v.ownGrad();
    }

    // ---- Linear algebra ---------------------------------------------------------------------------

    /** {@code a [m, k] x b [k, n]}. */
    public Var matmul(Var a, Var b) {
        Tensor av = a.value(), bv = b.value();
        return record(av.matmul(bv), g -> {
            if (a.requiresGrad()) a.accumulateFresh(g.matmulTransB(bv));
            if (b.requiresGrad()) b.accumulateFresh(av.matmulTransA(g));
        }, a, b);
    }

    @Override public Var linear(Var x, Tensor weight, Tensor bias) {
        return linear(x, constant(weight), bias == null ? null : constant(bias));
    }

    /** {@code x [..., in] -> x W^T + b} with trainable {@code w [out, in]} and {@code b [out]} (b may be null). */
    public Var linear(Var x, Var w, Var b) {
        Tensor xv = x.value(), wv = w.value();
        Tensor y = xv.linear(wv, b == null ? null : b.value()); // validates the shapes
        int in = wv.dim(1), out = wv.dim(0);
        return record(y, g -> {
            Tensor g2 = g.reshape(-1, out);
            if (x.requiresGrad()) x.accumulateFresh(g2.matmul(wv).reshape(xv.shape()));
            if (w.requiresGrad()) w.accumulateFresh(g2.matmulTransA(xv.reshape(-1, in)));
            if (wants(b)) b.accumulate(g2.sum(0, false));
        }, x, w, b);
    }

    @Override public Var conv2d(Var x, Tensor weight, Tensor bias, ConvGeometry geometry) {
        return conv2d(x, constant(weight), bias == null ? null : constant(bias), geometry);
    }

    /** Convolution with trainable {@code w [O, C/groups, kH, kW]} and {@code b [O]} (b may be null). */
    public Var conv2d(Var x, Var w, Var b, ConvGeometry geometry) {
        Tensor xv = x.value(), wv = w.value();
        return record(xv.conv2d(wv, b == null ? null : b.value(), geometry), g -> {
            if (x.requiresGrad()) x.accumulate(Conv2dKernel.backwardInput(g, wv, xv.shape(), geometry));
            if (w.requiresGrad()) w.accumulate(Conv2dKernel.backwardWeight(xv, g, wv.shape(), geometry));
            if (wants(b)) b.accumulate(Conv2dKernel.backwardBias(g));
        }, x, w, b);
    }

    // ---- Pooling and layout -----------------------------------------------------------------------

    @Override public Var maxPool2d(Var x, PoolGeometry geometry) {
        int[] inShape = x.shape();
        int[] out = PoolKernel.Dims.of(inShape, geometry).outShape();
        int[] argmax = new int[Math.toIntExact(Tensor.numel(out))];
        Tensor y = PoolKernel.max(x.value(), geometry, argmax);
        return record(y, g -> x.accumulate(PoolKernel.maxBackward(g, argmax, inShape)), x);
    }

    @Override public Var avgPool2d(Var x, PoolGeometry geometry) {
        int[] inShape = x.shape();
        return record(x.value().avgPool2d(geometry), g -> x.accumulate(PoolKernel.avgAdjoint(g, inShape, geometry)), x);
    }

    @Override public Var pad(Var x, int[] pads, double value) {
        int[] inShape = x.shape(), p = pads.clone();
        return record(x.value().pad(p, value), g -> x.accumulate(Layout.crop(g, inShape, p)), x);
    }

    @Override public Var reshape(Var x, int... shape) {
        int[] inShape = x.shape();
        return record(x.value().reshape(shape), g -> x.accumulate(g.reshape(inShape)), x);
    }

    /** Everything after the batch axis in one: {@code [B, ...] -> [B, n]}. */
    public Var flatten(Var x) {
        int[] inShape = x.shape();
        return record(x.value().flatten(), g -> x.accumulate(g.reshape(inShape)), x);
    }

    @Override public Var transpose(Var x, int... perm) {
        int[] inverse = Layout.inversePerm(Layout.checkPerm(perm.clone(), x.value().rank()));
        return record(x.value().transpose(perm), g -> x.accumulate(g.transpose(inverse)), x);
    }

    // ---- Adjoints of the linear maps (AdjointOps) ------------------------------------------------
    // Each is linear in its var, so its gradient is the adjoint of the adjoint: the forward map.

    @Override public Var conv2dAdjoint(Var a, Tensor weight, ConvGeometry geometry, int inH, int inW) {
        return record(a.value().conv2dAdjoint(weight, inH, inW, geometry),
                g -> a.accumulate(Conv2dKernel.forward(g, weight, null, geometry)), a);
    }

    @Override public Var avgPool2dAdjoint(Var a, PoolGeometry geometry, int inH, int inW) {
        return record(a.value().avgPool2dAdjoint(inH, inW, geometry), g -> a.accumulate(PoolKernel.avg(g, geometry)), a);
    }

    @Override public Var padAdjoint(Var a, int[] pads) {
        int[] p = pads.clone(); // the backward runs later: the caller may reuse its array meanwhile
        return record(a.value().padAdjoint(p), g -> a.accumulate(Layout.pad(g, p, 0.0)), a);
    }

    @Override public Var scatterColumns(Var a, int[] index, int width) {
        int[] idx = index.clone();
        return record(Layout.scatterColumns(a.value(), idx, width), g -> a.accumulate(Layout.gatherColumns(g, idx)), a);
    }

    @Override public Var gatherColumns(Var a, int[] index) {
        int[] idx = index.clone();
        Tensor y = Layout.gatherColumns(a.value(), idx); // validates a [B, width] before dim(1) is read
        int width = a.value().dim(1);
        return record(y, g -> a.accumulate(Layout.scatterColumns(g, idx, width)), a);
    }

    @Override public Var mulBySign(Var a, Var p, Var q) {
        int[] ps = p.shape(), qs = q.shape();
        return record(SignSplit.mulBySign(a.value(), p.value(), q.value()), g -> {
            if (a.requiresGrad()) a.accumulate(SignSplit.selectBySign(a.value(), g, p.value(), q.value()));
            if (p.requiresGrad()) p.accumulate(Broadcast.reduceTo(SignSplit.maskBySign(a.value(), g, true), ps));
            if (q.requiresGrad()) q.accumulate(Broadcast.reduceTo(SignSplit.maskBySign(a.value(), g, false), qs));
        }, a, p, q);
    }

    @Override public Var boxMin(Var a, Tensor lo, Tensor hi) {
        return record(SignSplit.boxMin(a.value(), lo, hi), g -> a.accumulate(SignSplit.boxMinBackward(a.value(), lo, hi, g)), a);
    }

    /** Constant shared intercepts in one fused pass (gradient to a only); otherwise the default composition. */
    @Override public Var interceptSum(Var a, Var lo, Var hi) {
        int m = a.value().dim(0), n = a.value().size() / Math.max(1, m);
        if (!lo.requiresGrad() && !hi.requiresGrad() && lo.value().size() == n && hi.value().size() == n)
            return boxMin(a, lo.value(), hi.value());
        return AdjointOps.super.interceptSum(a, lo, hi);
    }

    @Override public Var sumRows(Var a) {
        int[] inShape = a.shape();
        return record(Reduce.sumRows(a.value()), g -> a.accumulate(Reduce.sumRowsBackward(g, inShape)), a);
    }

    // ---- Batched back-substitution (certified training): one group of coefficient rows per sample ----

    /**
     * {@code a⁺ ⊙ p[g] + a⁻ ⊙ q[g]}: coefficient rows through an activation relaxed per sample. {@code a} holds
     * G·m rows (m per sample, sample g's rows together) of n values, {@code p, q [G, n]} the slopes of each
     * sample; with {@code shared} a's m rows are used for every sample and the result has G·m rows. Differentiable
     * in all three (the slopes of certified training depend on the weights through the bounds).
     */
    public Var groupedMulBySign(Var a, Var p, Var q, boolean shared) {
        Tensor av = a.value(), pv = p.value(), qv = q.value();
        return record(SignSplit.groupedMulBySign(av, pv, qv, shared), g -> {
            Tensor[] gr = SignSplit.groupedMulBySignBackward(av, pv, qv, shared, g);
            if (a.requiresGrad()) a.accumulateFresh(gr[0]);
            if (p.requiresGrad()) p.accumulateFresh(gr[1]);
            if (q.requiresGrad()) q.accumulateFresh(gr[2]);
        }, a, p, q);
    }

    /**
     * Per row of {@code a [G·m, ...]}: {@code Σ_j a⁺_j lo[g]_j + a⁻_j hi[g]_j} as {@code [G·m, 1]}, with sample g's
     * box {@code lo, hi [G, n]}: the minimum of each row's linear function over its sample's box, and the
     * intercept part of per-sample relaxation lines. Differentiable in a, lo and hi.
     */
    public Var groupedBoxMin(Var a, Var lo, Var hi) {
        Tensor av = a.value(), lv = lo.value(), hv = hi.value();
        return record(SignSplit.groupedBoxMin(av, lv, hv), g -> {
            Tensor[] gr = SignSplit.groupedBoxMinBackward(av, lv, hv, g);
            if (a.requiresGrad()) a.accumulateFresh(gr[0]);
            if (lo.requiresGrad()) lo.accumulateFresh(gr[1]);
            if (hi.requiresGrad()) hi.accumulateFresh(gr[2]);
        }, a, lo, hi);
    }

    /**
     * {@code groupedBoxMin(a, lo, hi)} and {@code groupedBoxMin(a, hi, lo)} in one pass over a: the lower and upper
     * bounds {@code [G·m, 1]} of each row's linear function over its sample's box (parallel lines bound both sides
     * with one set of rows). The same numbers, values and gradients, as the two separate ops recorded in that order.
     */
    public Var[] groupedBoxMinPair(Var a, Var lo, Var hi) {
        Tensor av = a.value(), lv = lo.value(), hv = hi.value();
        return recordJoint(SignSplit.groupedBoxMinPair(av, lv, hv), grads -> {
            Tensor gLow = grads[0], gUp = grads[1];
            if (gLow == null || gUp == null) {
                // One bound unused: exactly the backward of the op that was.
                boolean upper = gLow == null;
                Tensor[] gr = upper ? SignSplit.groupedBoxMinBackward(av, hv, lv, gUp) : SignSplit.groupedBoxMinBackward(av, lv, hv, gLow);
                if (a.requiresGrad()) a.accumulateFresh(gr[0]);
                if ((upper ? hi : lo).requiresGrad()) (upper ? hi : lo).accumulateFresh(gr[1]);
                if ((upper ? lo : hi).requiresGrad()) (upper ? lo : hi).accumulateFresh(gr[2]);
                return;
            }
            boolean boxGrad = lo.requiresGrad() || hi.requiresGrad();
            Tensor[] gr = SignSplit.groupedBoxMinPairBackward(av, lv, hv, gLow, gUp, boxGrad);
            if (a.requiresGrad()) a.accumulateFresh(gr[0]);
            if (hi.requiresGrad()) hi.accumulateFresh(gr[1]);
            if (lo.requiresGrad()) lo.accumulateFresh(gr[2]);
            if (lo.requiresGrad()) lo.accumulateFresh(gr[3]);
            if (hi.requiresGrad()) hi.accumulateFresh(gr[4]);
        }, a, lo, hi);
    }

    /**
     * Coefficient rows through a ReLU relaxed per sample by {@code p·z <= relu(z) <= q·z + c} ({@code [G, n]} each),
     * in one pass: {@code [groupedMulBySign(a, p, q, shared), groupedBoxMin(a', 0, c)]} and with {@code twoSided}
     * {@code groupedBoxMin(a', c, 0)} as well (a' = a's rows for every group: with {@code shared} no repeated copy
     * of a is made). The same numbers, values and gradients, as {@code repeatRows} (when shared) followed by the
     * separate ops recorded in the order lower term, upper term, rows.
     */
    public Var[] groupedRelaxStep(Var a, Var p, Var q, Var c, boolean shared, boolean twoSided) {
        Tensor av = a.value(), pv = p.value(), qv = q.value(), cv = c.value();
        return recordJoint(SignSplit.groupedRelaxStep(av, pv, qv, cv, shared, twoSided), grads -> {
            Tensor gRows = grads[0], gLow = grads[1], gUp = twoSided ? grads[2] : null;
            Tensor[] gr = SignSplit.groupedRelaxStepBackward(av, pv, qv, cv, shared, gRows, gLow, gUp,
                    a.requiresGrad(), p.requiresGrad() || q.requiresGrad(), c.requiresGrad());
            if (gr[0] != null) a.accumulateFresh(gr[0]);
            if (gr[1] != null && p.requiresGrad()) p.accumulateFresh(gr[1]);
            if (gr[2] != null && q.requiresGrad()) q.accumulateFresh(gr[2]);
            if (gr[3] != null) c.accumulateFresh(gr[3]);
            if (gr[4] != null) c.accumulateFresh(gr[4]);
        }, a, p, q, c);
    }

    /**
     * The adjoint of conv2d with a trainable weight: {@code a [B, O, H', W'] -> [B, C, inH, inW]}. Linear in a
     * (gradient: the forward convolution) and in w (gradient: the weight gradient of a convolution whose input
     * is the incoming gradient and whose output gradient is a).
     */
    public Var conv2dAdjoint(Var a, Var w, ConvGeometry geometry, int inH, int inW) {
        Tensor av = a.value(), wv = w.value();
        int[] inShape = {av.dim(0), wv.dim(1) * geometry.groups(), inH, inW};
        return record(Conv2dKernel.backwardInput(av, wv, inShape, geometry), g -> {
            if (a.requiresGrad()) a.accumulate(Conv2dKernel.forward(g, wv, null, geometry));
            if (w.requiresGrad()) w.accumulate(Conv2dKernel.backwardWeight(g, av, wv.shape(), geometry));
        }, a, w);
    }

    /** {@code a [m, ...]} repeated {@code groups} times along the first axis: {@code [groups·m, ...]}; the gradient sums the copies. */
    public Var repeatRows(Var a, int groups) {
        Tensor av = a.value();
        int n = av.size();
        double[] out = new double[n * groups];
        for (int g = 0; g < groups; g++) System.arraycopy(av.data(), 0, out, g * n, n);
        int[] shape = av.shape();
        shape[0] *= groups;
        return record(new Tensor(out, shape), g -> {
            double[] gd = g.data(), sum = new double[n];
            for (int k = 0; k < groups; k++) for (int i = 0; i < n; i++) sum[i] += gd[k * n + i];
            a.accumulateFresh(new Tensor(sum, av.shape()));
        }, a);
    }

    /** Element-wise natural logarithm (of positive values). */
    public Var log(Var x) {
        Tensor xv = x.value();
        return record(xv.map(Math::log), g -> x.accumulate(g.div(xv)), x);
    }

    /** Element-wise |x|; the gradient is sign(x) (0 at 0). */
    public Var abs(Var x) {
        Tensor xv = x.value();
        return record(xv.map(Math::abs), g -> {
            double[] gd = g.data(), xd = xv.data(), out = new double[xd.length];
            for (int i = 0; i < xd.length; i++) out[i] = xd[i] > 0 ? gd[i] : xd[i] < 0 ? -gd[i] : 0;
            x.accumulate(new Tensor(out, xv.shape()));
        }, x);
    }

    // ---- Hybrid zonotope steps (one pass each over a [B, g, n] generator tensor) -------------------------

    /**
     * {@code out[b, i] = Σ_k |x[b, k, i]|} for {@code x [B, g, n]}: a hybrid zonotope's radius per neuron. The same as
     * {@code sum(abs(x), 1)} in one pass without the [B, g, n] temporaries (gradient sign(x), 0 at 0).
     */
    public Var sumAbsMiddle(Var x) {
        int[] sh = x.shape();
        int b = sh[0], g = sh[1], n = sh[2];
        double[] xd = x.value().data(), out = new double[b * n];
        for (int s = 0; s < b; s++)
            for (int k = 0; k < g; k++) {
                int o = (s * g + k) * n;
                for (int i = 0; i < n; i++) out[s * n + i] += Math.abs(xd[o + i]);
            }
        return record(new Tensor(out, b, n), gr -> {
            if (!x.requiresGrad()) return;
            double[] gd = gr.data(), dx = new double[xd.length];
            for (int s = 0; s < b; s++)
                for (int k = 0; k < g; k++) {
                    int o = (s * g + k) * n;
                    for (int i = 0; i < n; i++) dx[o + i] = xd[o + i] > 0 ? gd[s * n + i] : xd[o + i] < 0 ? -gd[s * n + i] : 0;
                }
            x.accumulateFresh(new Tensor(dx, sh));
        }, x);
    }

    /** {@code out[b, k, i] = x[b, k, i]·s[b, i]} for {@code x [B, g, n]} and a constant {@code s [B, n]} (a mask), in one pass. */
    public Var scaleMiddle(Var x, Tensor s) {
        int[] sh = x.shape();
        int b = sh[0], g = sh[1], n = sh[2];
        double[] xd = x.value().data(), sd = s.data(), out = new double[xd.length];
        for (int q = 0; q < b; q++)
            for (int k = 0; k < g; k++) {
                int o = (q * g + k) * n;
                for (int i = 0; i < n; i++) out[o + i] = xd[o + i] * sd[q * n + i];
            }
        return record(new Tensor(out, sh), gr -> {
            if (!x.requiresGrad()) return;
            double[] gd = gr.data(), dx = new double[xd.length];
            for (int q = 0; q < b; q++)
                for (int k = 0; k < g; k++) {
                    int o = (q * g + k) * n;
                    for (int i = 0; i < n; i++) dx[o + i] = gd[o + i] * sd[q * n + i];
                }
            x.accumulateFresh(new Tensor(dx, sh));
        }, x);
    }

    // ---- Element-wise binary (broadcasting; gradients summed back over broadcast axes) -------------

    @Override public Var add(Var a, Var b) {
        int[] as = a.shape(), bs = b.shape();
        return record(a.value().add(b.value()), g -> {
            if (a.requiresGrad()) a.accumulate(Broadcast.reduceTo(g, as));
            if (b.requiresGrad()) b.accumulate(Broadcast.reduceTo(g, bs));
        }, a, b);
    }

    @Override public Var sub(Var a, Var b) {
        int[] as = a.shape(), bs = b.shape();
        return record(a.value().sub(b.value()), g -> {
            if (a.requiresGrad()) a.accumulate(Broadcast.reduceTo(g, as));
            if (b.requiresGrad()) b.accumulate(Broadcast.reduceTo(g, bs).neg());
        }, a, b);
    }

    @Override public Var mul(Var a, Var b) {
        Tensor av = a.value(), bv = b.value();
        return record(av.mul(bv), g -> {
            if (a.requiresGrad()) a.accumulate(Broadcast.reduceTo(g.mul(bv), av.shape()));
            if (b.requiresGrad()) b.accumulate(Broadcast.reduceTo(g.mul(av), bv.shape()));
        }, a, b);
    }

    @Override public Var div(Var a, Var b) {
        Tensor av = a.value(), bv = b.value(), y = av.div(bv);
        return record(y, g -> {
            if (a.requiresGrad()) a.accumulate(Broadcast.reduceTo(g.div(bv), av.shape()));
            // d(a/b)/db = -(a/b)/b = -y/b
            if (b.requiresGrad()) b.accumulate(Broadcast.reduceTo(g.mul(y).div(bv).neg(), bv.shape()));
        }, a, b);
    }

    /** Element-wise maximum (broadcast); on ties the gradient goes to {@code a}. */
    public Var max(Var a, Var b) { return select(a, b, true); }

    /** Element-wise minimum (broadcast); on ties the gradient goes to {@code a}. */
    public Var min(Var a, Var b) { return select(a, b, false); }

    private Var select(Var a, Var b, boolean max) {
        Tensor av = a.value(), bv = b.value();
        Tensor y = max ? av.max(bv) : av.min(bv);
        return record(y, g -> {
            int[] s = y.shape();
            double[] ea = Broadcast.expand(av, s).data(), eb = Broadcast.expand(bv, s).data();
            if (a.requiresGrad())
                a.accumulate(Broadcast.reduceTo(new Tensor(Elementwise.selectBackward(g.data(), ea, eb, max, true), s), av.shape()));
            if (b.requiresGrad())
                b.accumulate(Broadcast.reduceTo(new Tensor(Elementwise.selectBackward(g.data(), eb, ea, max, false), s), bv.shape()));
        }, a, b);
    }

    // ---- Element-wise unary -----------------------------------------------------------------------

    public Var neg(Var x) { return scale(x, -1.0); }

    public Var scale(Var x, double s) {
        return record(x.value().scale(s), g -> x.accumulate(g.scale(s)), x);
    }

    @Override public Var relu(Var x) {
        Tensor xv = x.value();
        return record(xv.relu(), g -> x.accumulate(new Tensor(Elementwise.reluBackward(g.data(), xv.data()), xv.shape())), x);
    }

    @Override public Var leakyRelu(Var x, double alpha) {
        Tensor xv = x.value();
        return record(xv.leakyRelu(alpha), g -> x.accumulate(new Tensor(Elementwise.leakyReluBackward(g.data(), xv.data(), alpha), xv.shape())), x);
    }

    @Override public Var sigmoid(Var x) {
        Tensor y = x.value().sigmoid();
        return record(y, g -> x.accumulate(new Tensor(Elementwise.sigmoidBackward(g.data(), y.data()), y.shape())), x);
    }

    @Override public Var tanh(Var x) {
        Tensor y = x.value().tanh();
        return record(y, g -> x.accumulate(new Tensor(Elementwise.tanhBackward(g.data(), y.data()), y.shape())), x);
    }

    /** Clips into {@code [lo, hi]}; the gradient passes where {@code lo <= x <= hi}. */
    public Var clamp(Var x, double lo, double hi) {
        Tensor xv = x.value();
        return record(xv.clamp(lo, hi), g -> x.accumulate(new Tensor(Elementwise.clampBackward(g.data(), xv.data(), lo, hi), xv.shape())), x);
    }

    // ---- Reductions, softmax, loss ----------------------------------------------------------------

    public Var sum(Var x, int axis, boolean keepDims) {
        int[] inShape = x.shape();
        return record(x.value().sum(axis, keepDims), g -> x.accumulate(Reduce.sumBackward(g, inShape, axis, 1.0)), x);
    }

    public Var mean(Var x, int axis, boolean keepDims) {
        int[] inShape = x.shape();
        double f = 1.0 / Reduce.Split.of(inShape, axis).n();
        return record(x.value().mean(axis, keepDims), g -> x.accumulate(Reduce.sumBackward(g, inShape, axis, f)), x);
    }

    /** Sum of all values (rank 0). */
    public Var sum(Var x) {
        int[] inShape = x.shape();
        return record(x.value().sum(), g -> x.accumulate(Tensor.full(g.item(), inShape)), x);
    }

    /** Mean of all values (rank 0). */
    public Var mean(Var x) {
        int[] inShape = x.shape();
        double f = 1.0 / x.value().size();
        return record(x.value().mean(), g -> x.accumulate(Tensor.full(g.item() * f, inShape)), x);
    }

    public Var softmax(Var x, int axis) {
        Tensor y = x.value().softmax(axis);
        return record(y, g -> x.accumulate(Reduce.softmaxBackward(g, y, axis, false)), x);
    }

    public Var logSoftmax(Var x, int axis) {
        Tensor y = x.value().logSoftmax(axis);
        return record(y, g -> x.accumulate(Reduce.softmaxBackward(g, y, axis, true)), x);
    }

    /** Mean cross-entropy of logits {@code [B, K]} against class labels (rank 0). */
    public Var crossEntropy(Var logits, int[] labels) {
        Tensor lv = logits.value();
        int[] l = labels.clone();
        return record(lv.crossEntropy(l), g -> logits.accumulate(Reduce.crossEntropyBackward(g.item(), lv, l)), logits);
    }
}
