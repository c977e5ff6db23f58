package dev.verity.tensor;

/**
 * Plain double-precision evaluation of {@link Ops} and of the adjoints in {@link AdjointOps}: every
 * result is a new tensor (reshape shares data).
 */
public final class TensorOps implements AdjointOps<Tensor> {
    public static final TensorOps INSTANCE = new TensorOps();
    private TensorOps() {}

    @Override public Tensor constant(Tensor value) { return value; }
    @Override public Tensor value(Tensor x) { return x; }
    @Override public Tensor linear(Tensor x, Tensor weight, Tensor bias) { return x.linear(weight, bias); }
    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, ConvGeometry geometry) { return x.conv2d(weight, bias, geometry); }
    @Override public Tensor maxPool2d(Tensor x, PoolGeometry geometry) { return x.maxPool2d(geometry); }
    @Override public Tensor avgPool2d(Tensor x, PoolGeometry geometry) { return x.avgPool2d(geometry); }
    @Override public Tensor pad(Tensor x, int[] pads, double value) { return x.pad(pads, value); }
    @Override public Tensor add(Tensor a, Tensor b) { return a.add(b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return a.sub(b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return a.mul(b); }
    @Override public Tensor div(Tensor a, Tensor b) { return a.div(b); }
    @Override public Tensor relu(Tensor x) { return x.relu(); }
    @Override public Tensor leakyRelu(Tensor x, double alpha) { return x.leakyRelu(alpha); }
    @Override public Tensor sigmoid(Tensor x) { return x.sigmoid(); }
    @Override public Tensor tanh(Tensor x) { return x.tanh(); }
    @Override public Tensor reshape(Tensor x, int... shape) { return x.reshape(shape); }
    @Override public Tensor transpose(Tensor x, int... perm) { return x.transpose(perm); }

    // ---- AdjointOps ----
    @Override public Tensor conv2dAdjoint(Tensor a, Tensor weight, ConvGeometry geometry, int inH, int inW) { return a.conv2dAdjoint(weight, inH, inW, geometry); }
    @Override public Tensor avgPool2dAdjoint(Tensor a, PoolGeometry geometry, int inH, int inW) { return a.avgPool2dAdjoint(inH, inW, geometry); }
    @Override public Tensor padAdjoint(Tensor a, int[] pads) { return a.padAdjoint(pads); }
    @Override public Tensor scatterColumns(Tensor a, int[] index, int width) { return Layout.scatterColumns(a, index, width); }
    @Override public Tensor gatherColumns(Tensor a, int[] index) { return Layout.gatherColumns(a, index); }
    @Override public Tensor sumRows(Tensor a) { return Reduce.sumRows(a); }

    @Override public Tensor mulBySign(Tensor a, Tensor p, Tensor q) { return SignSplit.mulBySign(a, p, q); }

    @Override public Tensor boxMin(Tensor a, Tensor lo, Tensor hi) { return SignSplit.boxMin(a, lo, hi); }

    /** Shared intercepts in one fused pass; one row each by the default composition. */
    @Override public Tensor interceptSum(Tensor a, Tensor lo, Tensor hi) {
        int m = a.dim(0), n = a.size() / Math.max(1, m);
        return lo.size() == n && hi.size() == n ? SignSplit.boxMin(a, lo, hi) : AdjointOps.super.interceptSum(a, lo, hi);
    }
}
