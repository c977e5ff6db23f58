package dev.verity.tensor;

/**
 * The operations a network's forward pass is written in. One implementation computes plain
 * tensors ({@link TensorOps}), one rounds every result to float32 ({@link Float32Ops}), and the
 * autodiff tape records them for reverse mode. Writing the forward pass once against this interface
 * is what keeps a single definition of each layer's semantics (architecture: "no second copy of the
 * forward pass").
 *
 * <p>All values carry a leading batch axis. Broadcasting follows NumPy/ONNX rules.
 *
 * @param <T> the value type (a {@link Tensor}, or an autodiff variable)
 */
public interface Ops<T> {
    /** A constant (no gradient flows into it). */
    T constant(Tensor value);

    /** The tensor value of {@code x}. */
    Tensor value(T x);

    /** {@code x[..., in] -> x W^T + b}, with {@code weight [out, in]} and {@code bias [out]} (may be null). */
    T linear(T x, Tensor weight, Tensor bias);

    /** 2-D convolution: {@code x [B, C, H, W]}, {@code weight [O, C/groups, kH, kW]}, {@code bias [O]} or null. */
    T conv2d(T x, Tensor weight, Tensor bias, ConvGeometry geometry);

    T maxPool2d(T x, PoolGeometry geometry);

    T avgPool2d(T x, PoolGeometry geometry);

    /** Constant padding; {@code pads} has begin values for every axis then end values (ONNX Pad order). */
    T pad(T x, int[] pads, double value);

    T add(T a, T b);

    T sub(T a, T b);

    T mul(T a, T b);

    T div(T a, T b);

    T relu(T x);

    T leakyRelu(T x, double alpha);

    T sigmoid(T x);

    T tanh(T x);

    T reshape(T x, int... shape);

    /** Axis permutation: output axis i is input axis {@code perm[i]}. */
    T transpose(T x, int... perm);
}
