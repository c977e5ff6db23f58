package dev.verity.bounds;

import dev.verity.relax.Interval;
import dev.verity.tensor.Tensor;

/** A tensor of intervals: element-wise lower and upper bounds of the same shape (batch axis first). */
public record IntervalTensor(Tensor lower, Tensor upper) {
    public IntervalTensor {
        if (!lower.sameShape(upper)) throw new IllegalArgumentException("interval bounds of different shapes");
    }

    public static IntervalTensor point(Tensor t) {
        return new IntervalTensor(t, t);
    }

    /** The bounds of sample 0, flattened. */
    public Interval sample0() {
        int n = lower.size() / lower.dim(0);
        return new Interval(java.util.Arrays.copyOf(lower.data(), n), java.util.Arrays.copyOf(upper.data(), n));
    }
}
