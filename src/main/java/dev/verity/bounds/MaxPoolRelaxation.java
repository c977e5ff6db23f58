package dev.verity.bounds;

import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;

/**
 * Linear bounds of a max-pool output y = max_j x_j over its window, given the inputs' bounds (paper 000
 * eq. (5); DeepPoly): below, y >= x_{j*} for the input with the largest lower bound (any single input
 * is a lower bound of the max); above, y <= x_{j*} when that input dominates (its lower bound is at
 * least every other input's upper bound, so the max is exactly x_{j*}), else the constant max_j u_j.
 *
 * @param lowerIndex    flat input index of x_{j*} for each output
 * @param upperIsInput  1 where the upper bound is x_{j*}, 0 where it is a constant ({@code [outputs]})
 * @param upperConstant the constant upper bound, 0 where upperIsInput is 1 ({@code [1, outputs]})
 */
record MaxPoolRelaxation(int inputSize, int outputSize, int[] lowerIndex, Tensor upperIsInput, Tensor upperConstant) {

    static MaxPoolRelaxation of(Interval in, Shape inShape, Shape outShape, PoolGeometry g) {
        int channels = inShape.dim(0), ih = inShape.dim(1), iw = inShape.dim(2);
        int oh = outShape.dim(1), ow = outShape.dim(2);
        int outN = outShape.numel();
        int[] index = new int[outN];
        double[] isInput = new double[outN], constant = new double[outN];
        int o = 0;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++, o++) {
                    int best = -1;
                    double bestLower = Double.NEGATIVE_INFINITY, maxUpper = Double.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < g.kernelH(); ky++) {
                        int r = y * g.strideH() - g.padTop() + ky * g.dilationH();
                        if (r < 0 || r >= ih) continue;
                        for (int kx = 0; kx < g.kernelW(); kx++) {
                            int col = x * g.strideW() - g.padLeft() + kx * g.dilationW();
                            if (col < 0 || col >= iw) continue; // padded cells (-inf) never win
                            int j = (c * ih + r) * iw + col;
                            if (best < 0 || in.lower(j) > bestLower) {
                                best = j;
                                bestLower = in.lower(j);
                            }
                            maxUpper = Math.max(maxUpper, in.upper(j));
                        }
                    }
                    if (best < 0) throw new IllegalArgumentException("max-pool window without an input cell");
                    double otherUpper = Double.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < g.kernelH(); ky++) {
                        int r = y * g.strideH() - g.padTop() + ky * g.dilationH();
                        if (r < 0 || r >= ih) continue;
                        for (int kx = 0; kx < g.kernelW(); kx++) {
                            int col = x * g.strideW() - g.padLeft() + kx * g.dilationW();
                            if (col < 0 || col >= iw) continue;
                            int j = (c * ih + r) * iw + col;
                            if (j != best) otherUpper = Math.max(otherUpper, in.upper(j));
                        }
                    }
                    index[o] = best;
                    if (bestLower >= otherUpper) {
                        isInput[o] = 1;
                    } else {
                        constant[o] = maxUpper;
                    }
                }
            }
        }
        return new MaxPoolRelaxation(in.size(), outN, index, new Tensor(isInput, outN), new Tensor(constant, 1, outN));
    }
}
