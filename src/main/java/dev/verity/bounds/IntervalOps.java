package dev.verity.bounds;

import dev.verity.relax.Interval;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Ops;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;

/**
 * Interval arithmetic (IBP, "Box" in paper 003) as an implementation of {@link Ops}: running the one
 * forward pass ({@link dev.verity.model.Forward}) over it gives every node's interval bounds, so IBP
 * can never disagree with the concrete semantics of a layer. Affine maps use the centre/radius form
 * {@code W·c + b ± |W|·r}, which is exact for a single affine map of a box.
 *
 * <p>Outward mode (sound mode, issue 17) rounds every bound outwards: sums, products and quotients by one ulp
 * ({@link Math#nextDown}/{@link Math#nextUp}: a correctly rounded result is within half an ulp), affine maps by
 * Higham's dot-product bound {@code γ_{n+1}·(|W|·(|c| + r) + |b|)} (see {@link RoundingErrors}) with a radius that
 * covers the box exactly, sigmoid and tanh (correct to a few ulps in Java) by a relative 1e-12.
 */
public final class IntervalOps implements Ops<IntervalTensor> {
    /** |W| per weight tensor, computed once per network (the weights of an imported network never change). */
    private final java.util.Map<Tensor, Tensor> absCache = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final boolean outward;
    /** Inflation of each computed error bound for the rounding in computing it (a sum of non-negative terms). */
    private static final double SAFETY = 1 + 1e-6;
    /** Outward widening of sigmoid and tanh values (relative, plus as much absolute). */
    private static final double TRANSCENDENTAL_SLACK = 1e-12;

    /** Round-to-nearest interval arithmetic. */
    public IntervalOps() { this(false); }

    /** @param outward round every bound outwards, so that the intervals hold in exact arithmetic */
    public IntervalOps(boolean outward) { this.outward = outward; }

    @Override public IntervalTensor constant(Tensor value) { return IntervalTensor.point(value); }

    @Override public Tensor value(IntervalTensor x) { return x.lower(); }

    @Override public IntervalTensor linear(IntervalTensor x, Tensor weight, Tensor bias) {
        Tensor c = centre(x), r = outward ? coveringRadius(x, c) : radius(x);
        Tensor cy = c.linear(weight, bias), ry = r.linear(abs(weight), null);
        if (!outward) return new IntervalTensor(cy.sub(ry), cy.add(ry));
        Tensor e = c.map(Math::abs).add(r).linear(abs(weight), bias == null ? null : abs(bias));
        return widened(cy.sub(ry), cy.add(ry), e, RoundingErrors.gamma(weight.dim(-1) + 2));
    }

    @Override public IntervalTensor conv2d(IntervalTensor x, Tensor weight, Tensor bias, ConvGeometry geometry) {
        Tensor c = centre(x), r = outward ? coveringRadius(x, c) : radius(x);
        Tensor cy = c.conv2d(weight, bias, geometry), ry = r.conv2d(abs(weight), null, geometry);
        if (!outward) return new IntervalTensor(cy.sub(ry), cy.add(ry));
        Tensor e = c.map(Math::abs).add(r).conv2d(abs(weight), bias == null ? null : abs(bias), geometry);
        return widened(cy.sub(ry), cy.add(ry), e, RoundingErrors.gamma((long) weight.dim(1) * weight.dim(2) * weight.dim(3) + 2));
    }

    /** {@code [lo − err, hi + err]} rounded outwards, {@code err = gamma·e + 2u·|bound|} (the last sum's rounding). */
    private static IntervalTensor widened(Tensor lo, Tensor hi, Tensor e, double gamma) {
        double[] l = lo.data().clone(), h = hi.data().clone(), ed = e.data();
        for (int i = 0; i < l.length; i++) {
            double err = gamma * ed[i] * SAFETY + Double.MIN_NORMAL;
            l[i] = Math.nextDown(l[i] - (err + 2 * RoundingErrors.U * Math.abs(l[i])));
            h[i] = Math.nextUp(h[i] + (err + 2 * RoundingErrors.U * Math.abs(h[i])));
        }
        return new IntervalTensor(new Tensor(l, lo.shape()), new Tensor(h, hi.shape()));
    }

    /** A radius r with {@code [c − r, c + r] ⊇ [lower, upper]} in exact arithmetic, for the computed centre c. */
    private static Tensor coveringRadius(IntervalTensor x, Tensor c) {
        double[] l = x.lower().data(), u = x.upper().data(), cd = c.data(), r = new double[l.length];
        for (int i = 0; i < r.length; i++) r[i] = Math.max(Math.nextUp(u[i] - cd[i]), Math.nextUp(cd[i] - l[i]));
        return new Tensor(r, c.shape());
    }

    private IntervalTensor outwards(Tensor lo, Tensor hi) {
        return outward ? new IntervalTensor(lo.map(Math::nextDown), hi.map(Math::nextUp)) : new IntervalTensor(lo, hi);
    }

    @Override public IntervalTensor maxPool2d(IntervalTensor x, PoolGeometry geometry) {
        return new IntervalTensor(x.lower().maxPool2d(geometry), x.upper().maxPool2d(geometry));
    }

    @Override public IntervalTensor avgPool2d(IntervalTensor x, PoolGeometry geometry) {
        // An average has non-negative weights: it maps lower to lower and upper to upper.
        Tensor lo = x.lower().avgPool2d(geometry), hi = x.upper().avgPool2d(geometry);
        if (!outward) return new IntervalTensor(lo, hi);
        Tensor mag = x.lower().map(Math::abs).max(x.upper().map(Math::abs)).avgPool2d(geometry);
        return widened(lo, hi, mag, RoundingErrors.gamma((long) geometry.kernelH() * geometry.kernelW() + 1));
    }

    @Override public IntervalTensor pad(IntervalTensor x, int[] pads, double value) {
        return new IntervalTensor(x.lower().pad(pads, value), x.upper().pad(pads, value));
    }

    @Override public IntervalTensor add(IntervalTensor a, IntervalTensor b) {
        return outwards(a.lower().add(b.lower()), a.upper().add(b.upper()));
    }

    @Override public IntervalTensor sub(IntervalTensor a, IntervalTensor b) {
        return outwards(a.lower().sub(b.upper()), a.upper().sub(b.lower()));
    }

    @Override public IntervalTensor mul(IntervalTensor a, IntervalTensor b) {
        Tensor p1 = a.lower().mul(b.lower()), p2 = a.lower().mul(b.upper());
        Tensor p3 = a.upper().mul(b.lower()), p4 = a.upper().mul(b.upper());
        return outwards(p1.min(p2).min(p3.min(p4)), p1.max(p2).max(p3.max(p4)));
    }

    @Override public IntervalTensor div(IntervalTensor a, IntervalTensor b) {
        double[] bl = b.lower().data(), bu = b.upper().data();
        for (int i = 0; i < bl.length; i++)
            if (bl[i] <= 0 && bu[i] >= 0) throw new ArithmeticException("interval division by an interval containing 0");
        Tensor one = Tensor.scalar(1);
        Tensor lo = one.div(b.upper()), hi = one.div(b.lower());
        return mul(a, outward ? new IntervalTensor(lo.map(Math::nextDown), hi.map(Math::nextUp)) : new IntervalTensor(lo, hi));
    }

    @Override public IntervalTensor relu(IntervalTensor x) { return new IntervalTensor(x.lower().relu(), x.upper().relu()); }

    @Override public IntervalTensor leakyRelu(IntervalTensor x, double alpha) {
        if (alpha < 0) throw new IllegalArgumentException("interval leaky ReLU needs a non-negative slope (monotone), got " + alpha);
        Tensor lo = x.lower().leakyRelu(alpha), hi = x.upper().leakyRelu(alpha);
        if (!outward || alpha == 0 || alpha == 1) return new IntervalTensor(lo, hi);
        // a·z is rounded where z < 0
        return new IntervalTensor(lo.map(v -> v < 0 ? Math.nextDown(v) : v), hi.map(v -> v < 0 ? Math.nextUp(v) : v));
    }

    @Override public IntervalTensor sigmoid(IntervalTensor x) { return transcendental(x.lower().sigmoid(), x.upper().sigmoid()); }

    @Override public IntervalTensor tanh(IntervalTensor x) { return transcendental(x.lower().tanh(), x.upper().tanh()); }

    private IntervalTensor transcendental(Tensor lo, Tensor hi) {
        if (!outward) return new IntervalTensor(lo, hi);
        return new IntervalTensor(lo.map(v -> v - TRANSCENDENTAL_SLACK * (1 + Math.abs(v))), hi.map(v -> v + TRANSCENDENTAL_SLACK * (1 + Math.abs(v))));
    }

    @Override public IntervalTensor reshape(IntervalTensor x, int... shape) {
        return new IntervalTensor(x.lower().reshape(shape), x.upper().reshape(shape));
    }

    @Override public IntervalTensor transpose(IntervalTensor x, int... perm) {
        return new IntervalTensor(x.lower().transpose(perm), x.upper().transpose(perm));
    }

    static Tensor centre(IntervalTensor x) { return x.lower().add(x.upper()).scale(0.5); }

    static Tensor radius(IntervalTensor x) { return x.upper().sub(x.lower()).scale(0.5); }

    /** |w| of a weight or bias tensor, computed once per tensor (also sound mode's charges use it: {@link RoundingErrors}). */
    Tensor abs(Tensor w) { return absCache.computeIfAbsent(w, t -> t.map(Math::abs)); }
}
