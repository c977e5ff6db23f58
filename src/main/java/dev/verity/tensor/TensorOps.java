package dev.verity.tensor;

/** Plain double-precision evaluation of {@link Ops}: every result is a new tensor. */
public final class TensorOps implements Ops<Tensor> {
    public static final TensorOps INSTANCE = new TensorOps();
    private TensorOps() {}

    @Override public Tensor constant(Tensor value) { return value; }
    @Override public Tensor linear(Tensor x, Tensor weight, Tensor bias) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, ConvGeometry geometry) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor maxPool2d(Tensor x, PoolGeometry geometry) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor avgPool2d(Tensor x, PoolGeometry geometry) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor pad(Tensor x, int[] pads, double value) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor add(Tensor a, Tensor b) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor sub(Tensor a, Tensor b) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor mul(Tensor a, Tensor b) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor div(Tensor a, Tensor b) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor relu(Tensor x) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor leakyRelu(Tensor x, double alpha) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor sigmoid(Tensor x) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor tanh(Tensor x) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor reshape(Tensor x, int... shape) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor transpose(Tensor x, int... perm) { throw new UnsupportedOperationException("TODO"); }
    @Override public Tensor value(Tensor x) { return x; }
}
