package dev.verity.bounds;

import dev.verity.tensor.Tensor;

/**
 * The relaxation lines of one element-wise nonlinear node, as values of the algebra T:
 * {@code lowerSlope·z + lowerIntercept <= y <= upperSlope·z + upperIntercept}. Slopes broadcast
 * against the coefficient rows {@code [m, ...shape]} (shape {@code [...shape]}: one line per neuron;
 * {@code [m, ...shape]}: one per row and neuron, as alpha-CROWN optimises them). Intercepts are
 * constants {@code [1, n]} or null for zero.
 */
record LinearRelaxation<T>(T lowerSlope, Tensor lowerIntercept, T upperSlope, Tensor upperIntercept) {}
