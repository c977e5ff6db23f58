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
 */
public final class IntervalOps implements Ops<IntervalTensor> {
    /** |W| per weight tensor, computed once per network (the weights of an imported network never change). */
    private final java.util.Map<Tensor, Tensor> absCache = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    @Override public IntervalTensor constant(Tensor value) { return IntervalTensor.point(value); }

    @Override public Tensor value(IntervalTensor x) { return x.lower(); }

    @Override public IntervalTensor linear(IntervalTensor x, Tensor weight, Tensor bias) {
        Tensor c = centre(x), r = radius(x);
        Tensor cy = c.linear(weight, bias), ry = r.linear(abs(weight), null);
        return new IntervalTensor(cy.sub(ry), cy.add(ry));
    }

    @Override public IntervalTensor conv2d(IntervalTensor x, Tensor weight, Tensor bias, ConvGeometry geometry) {
        Tensor c = centre(x), r = radius(x);
        Tensor cy = c.conv2d(weight, bias, geometry), ry = r.conv2d(abs(weight), null, geometry);
        return new IntervalTensor(cy.sub(ry), cy.add(ry));
    }

    @Override public IntervalTensor maxPool2d(IntervalTensor x, PoolGeometry geometry) {
        return new IntervalTensor(x.lower().maxPool2d(geometry), x.upper().maxPool2d(geometry));
    }

    @Override public IntervalTensor avgPool2d(IntervalTensor x, PoolGeometry geometry) {
        // An average has non-negative weights: it maps lower to lower and upper to upper.
        return new IntervalTensor(x.lower().avgPool2d(geometry), x.upper().avgPool2d(geometry));
    }

    @Override public IntervalTensor pad(IntervalTensor x, int[] pads, double value) {
        return new IntervalTensor(x.lower().pad(pads, value), x.upper().pad(pads, value));
    }

    @Override public IntervalTensor add(IntervalTensor a, IntervalTensor b) {
        return new IntervalTensor(a.lower().add(b.lower()), a.upper().add(b.upper()));
    }

    @Override public IntervalTensor sub(IntervalTensor a, IntervalTensor b) {
        return new IntervalTensor(a.lower().sub(b.upper()), a.upper().sub(b.lower()));
    }

    @Override public IntervalTensor mul(IntervalTensor a, IntervalTensor b) {
        Tensor p1 = a.lower().mul(b.lower()), p2 = a.lower().mul(b.upper());
        Tensor p3 = a.upper().mul(b.lower()), p4 = a.upper().mul(b.upper());
        return new IntervalTensor(p1.min(p2).min(p3.min(p4)), p1.max(p2).max(p3.max(p4)));
    }

    @Override public IntervalTensor div(IntervalTensor a, IntervalTensor b) {
        double[] bl = b.lower().data(), bu = b.upper().data();
        for (int i = 0; i < bl.length; i++)
            if (bl[i] <= 0 && bu[i] >= 0) throw new ArithmeticException("interval division by an interval containing 0");
        Tensor one = Tensor.scalar(1);
        return mul(a, new IntervalTensor(one.div(b.upper()), one.div(b.lower())));
    }

    @Override public IntervalTensor relu(IntervalTensor x) { return new IntervalTensor(x.lower().relu(), x.upper().relu()); }

    @Override public IntervalTensor leakyRelu(IntervalTensor x, double alpha) {
        if (alpha < 0) throw new IllegalArgumentException("interval leaky ReLU needs a non-negative slope (monotone), got " + alpha);
        return new IntervalTensor(x.lower().leakyRelu(alpha), x.upper().leakyRelu(alpha));
    }

    @Override public IntervalTensor sigmoid(IntervalTensor x) { return new IntervalTensor(x.lower().sigmoid(), x.upper().sigmoid()); }

    @Override public IntervalTensor tanh(IntervalTensor x) { return new IntervalTensor(x.lower().tanh(), x.upper().tanh()); }

    @Override public IntervalTensor reshape(IntervalTensor x, int... shape) {
        return new IntervalTensor(x.lower().reshape(shape), x.upper().reshape(shape));
    }

    @Override public IntervalTensor transpose(IntervalTensor x, int... perm) {
        return new IntervalTensor(x.lower().transpose(perm), x.upper().transpose(perm));
    }

    static Tensor centre(IntervalTensor x) { return x.lower().add(x.upper()).scale(0.5); }

    static Tensor radius(IntervalTensor x) { return x.upper().sub(x.lower()).scale(0.5); }

    private Tensor abs(Tensor w) { return absCache.computeIfAbsent(w, t -> t.map(Math::abs)); }
}
