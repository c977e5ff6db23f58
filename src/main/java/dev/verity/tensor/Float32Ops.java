package dev.verity.tensor;

/**
 * {@link Ops} that mimics an onnxruntime float32 run, for re-checking counterexamples found in
 * double: every input, weight, bias, constant and scalar attribute is rounded to float32, the
 * operation is evaluated by {@link TensorOps}, and its result is rounded to float32 again. (Sums
 * inside one operation still accumulate in double, so results can differ from onnxruntime in the
 * last float32 bit; rounding at every operation boundary is what matters for a re-check.)
 */
public final class Float32Ops implements Ops<Tensor> {
    public static final Float32Ops INSTANCE = new Float32Ops();
    private static final TensorOps D = TensorOps.INSTANCE;
    private Float32Ops() {}

    /** A copy of {@code t} with every value rounded to the nearest float32 (null stays null). */
    public static Tensor round(Tensor t) {
        if (t == null) return null;
        double[] s = t.data(), o = new double[s.length];
        for (int i = 0; i < s.length; i++) o[i] = (float) s[i];
        return new Tensor(o, t.shape());
    }

    private static double f(double v) { return (float) v; }

    @Override public Tensor constant(Tensor value) { return round(value); }
    @Override public Tensor value(Tensor x) { return x; }
    @Override public Tensor linear(Tensor x, Tensor weight, Tensor bias) { return round(D.linear(round(x), round(weight), round(bias))); }
    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, ConvGeometry geometry) { return round(D.conv2d(round(x), round(weight), round(bias), geometry)); }
    @Override public Tensor maxPool2d(Tensor x, PoolGeometry geometry) { return round(D.maxPool2d(round(x), geometry)); }
    @Override public Tensor avgPool2d(Tensor x, PoolGeometry geometry) { return round(D.avgPool2d(round(x), geometry)); }
    @Override public Tensor pad(Tensor x, int[] pads, double value) { return round(D.pad(round(x), pads, f(value))); }
    @Override public Tensor add(Tensor a, Tensor b) { return round(D.add(round(a), round(b))); }
    @Override public Tensor sub(Tensor a, Tensor b) { return round(D.sub(round(a), round(b))); }
    @Override public Tensor mul(Tensor a, Tensor b) { return round(D.mul(round(a), round(b))); }
    @Override public Tensor div(Tensor a, Tensor b) { return round(D.div(round(a), round(b))); }
    @Override public Tensor relu(Tensor x) { return round(D.relu(round(x))); }
    @Override public Tensor leakyRelu(Tensor x, double alpha) { return round(D.leakyRelu(round(x), f(alpha))); }
    @Override public Tensor sigmoid(Tensor x) { return round(D.sigmoid(round(x))); }
    @Override public Tensor tanh(Tensor x) { return round(D.tanh(round(x))); }
    @Override public Tensor reshape(Tensor x, int... shape) { return round(D.reshape(x, shape)); }
    @Override public Tensor transpose(Tensor x, int... perm) { return round(D.transpose(x, perm)); }
}
