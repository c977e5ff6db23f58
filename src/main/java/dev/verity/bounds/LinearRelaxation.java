package dev.verity.bounds;

import dev.verity.tensor.Tensor;

/**
 * The relaxation lines of one element-wise nonlinear node, as values of the algebra T:
 * {@code lowerSlope·z + lowerIntercept <= y <= upperSlope·z + upperIntercept}. Slopes broadcast
 * against the coefficient rows {@code [m, ...shape]} (shape {@code [...shape]}: one line per neuron;
 * {@code [m, ...shape]}: one per row and neuron, as alpha-CROWN optimises them). Intercepts are
 * {@code [1, n]} (shared by all rows), {@code [m, n]} (one per row: branch-and-bound domains bounded in
 * one batch, each with its own pre-activation bounds; alpha-CROWN's optimised sigmoid lines) or null
 * for zero.
 *
 * <p>{@code inputShift} ({@code [m, ...shape]} or null) is added to the coefficients passed on to the
 * activation's input: β-CROWN's split multipliers {@code β·s}, {@code s = −1} for a ReLU neuron split
 * active and {@code +1} for inactive ({@link BetaCrown}).
 */
record LinearRelaxation<T>(T lowerSlope, T lowerIntercept, T upperSlope, T upperIntercept, T inputShift) {
    LinearRelaxation(T lowerSlope, T lowerIntercept, T upperSlope, T upperIntercept) {
        this(lowerSlope, lowerIntercept, upperSlope, upperIntercept, null);
    }
}
