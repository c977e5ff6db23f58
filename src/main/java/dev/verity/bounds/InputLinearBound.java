package dev.verity.bounds;

import dev.verity.relax.Interval;
import dev.verity.tensor.Tensor;

import java.util.Map;

/**
 * Linear lower bounds of objective rows in the input: {@code row_i(f(x)) >= coeff_i·x + bias_i} over the box they
 * were computed for, and {@code lower_i}, their minimum over that box.
 *
 * @param coeff        {@code [rows, inputs]}
 * @param intermediate the pre-activation bounds used (by node id), valid over the box and any box inside it
 */
public record InputLinearBound(Tensor coeff, double[] bias, double[] lower, Map<Integer, Interval> intermediate) {}
