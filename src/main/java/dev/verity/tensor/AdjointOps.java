package dev.verity.tensor;

/**
 * {@link Ops} plus the transposed linear maps that bound back-substitution (CROWN) pushes its
 * linear coefficients through. The bound engine is written once against this interface and runs
 * with plain tensors ({@link TensorOps}: bounds) and on the autodiff {@link Tape} (alpha-CROWN:
 * gradients of a bound with respect to relaxation slopes), so every map here needs a gradient
 * there. {@link Float32Ops} does not implement it: float32 rounding is only for concrete re-checks
 * of counterexamples, never for bounds.
 *
 * <p>As everywhere in {@link Ops}, values carry a leading batch axis; for back-substitution that
 * axis indexes the linear specifications (rows of the coefficient matrix) being propagated.
 *
 * @param <T> the value type (a {@link Tensor}, or an autodiff variable)
 */
public interface AdjointOps<T> extends Ops<T> {
    /**
     * Adjoint (transpose) of conv2d without bias: {@code a [B, O, H', W'] -> [B, C, inH, inW]}. The
     * input size is an argument because several input sizes share one output size.
     */
    T conv2dAdjoint(T a, Tensor weight, ConvGeometry geometry, int inH, int inW);

    /** Adjoint of avgPool2d: {@code a [B, C, H', W'] -> [B, C, inH, inW]}. */
    T avgPool2dAdjoint(T a, PoolGeometry geometry, int inH, int inW);

    /**
     * Adjoint of constant padding (a crop): {@code a [B, ...padded] -> [B, ...unpadded]}; {@code pads}
     * as in {@link Ops#pad}, including the batch axis. The pad value does not matter: it is an
     * additive constant, not part of the linear map.
     */
    T padAdjoint(T a, int[] pads);

    /**
     * {@code out[b, index[j]] += a[b, j]} for {@code a [B, n]} and {@code out [B, width]}, zero
     * elsewhere: the adjoint of selecting columns by index. Indices may repeat (their
     * contributions add up) and need not cover every column.
     */
    T scatterColumns(T a, int[] index, int width);

    /** {@code out[b, j] = a[b, index[j]]} for {@code a [B, width]}: a column gather, the adjoint of {@link #scatterColumns}. */
    T gatherColumns(T a, int[] index);

    /** Sum over all axes but the first: {@code [B, ...] -> [B]}. */
    T sumRows(T a);

    /**
     * {@code a⁺ ⊙ p + a⁻ ⊙ q} (element-wise by the sign of a): coefficients through an activation
     * relaxed by lines of slopes p (used where a coefficient is positive) and q (negative). {@code p}
     * and {@code q} have the sample shape of a (shared by all rows) or a's full shape.
     */
    T mulBySign(T a, T p, T q);

    /**
     * Per row of {@code a [m, ...]} (n values): {@code Σ_j a⁺_j lo_j + a⁻_j hi_j} as {@code [m, 1]} — the
     * minimum of the linear function {@code a·x} over the box [lo, hi], and likewise the intercept part
     * of relaxation lines. {@code lo} and {@code hi} hold n values each.
     */
    T boxMin(T a, Tensor lo, Tensor hi);

    /**
     * The intercept part of relaxation lines: per row of {@code a [m, ...]} (n values),
     * {@code Σ_j a⁺_j lo_j + a⁻_j hi_j} as {@code [m, 1]}, with {@code lo} and {@code hi} either shared by all rows
     * (n values) or one row each ({@code [m, n]}), and either constants or values with a gradient (optimised lines).
     */
    default T interceptSum(T a, T lo, T hi) {
        int m = value(a).dim(0), n = value(a).size() / Math.max(1, m);
        return reshape(sumRows(mulBySign(reshape(a, m, n), lo, hi)), m, 1);
    }
}
