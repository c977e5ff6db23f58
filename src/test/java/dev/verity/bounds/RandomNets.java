package dev.verity.bounds;

import static dev.verity.testing.RandomLayers.*;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.PoolGeometry;

import java.util.SplittableRandom;

/**
 * Seeded random small networks, one family per layer type the bound engine handles, plus random input
 * boxes and objectives. Weights are Gaussian with standard deviation {@code 1.5/sqrt(fan-in)} and biases
 * of similar size, so that on a wide box many neurons are unstable and on a narrow one most are stable.
 */
final class RandomNets {
    private RandomNets() {}

    /** The network families; each exercises one or more layer types. */
    enum Family {
        DENSE_RELU, CONV_RELU, MAX_POOL, MAX_POOL_PADDED, AVG_POOL, SIGMOID, TANH, LEAKY_RELU, RESIDUAL_ADD,
        AFFINE_RESHAPE_TRANSPOSE_PAD, PAD_NONZERO_VALUE, DEEP_RELU;

        boolean reluOnly() {
            return this == DENSE_RELU || this == CONV_RELU || this == RESIDUAL_ADD || this == DEEP_RELU;
        }
    }

    static Network build(Family family, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return switch (family) {
            case DENSE_RELU -> mlp(r, new int[]{4, 6, 5, 3}, new Layer.Relu());
            case DEEP_RELU -> mlp(r, new int[]{3, 5, 5, 5, 5, 2}, new Layer.Relu());
            case SIGMOID -> mlp(r, new int[]{3, 5, 4, 3}, new Layer.Sigmoid());
            case TANH -> mlp(r, new int[]{3, 5, 4, 3}, new Layer.Tanh());
            case LEAKY_RELU -> leakyMlp(r);
            case CONV_RELU -> convRelu(r);
            case MAX_POOL -> {
                var b = Network.builder(new Shape(1, 6, 6));
                b.add(conv(r, 1, 2, 3, ConvGeometry.simple(1, 1)));         // [2, 6, 6]
                b.add(new Layer.Relu());
                b.add(new Layer.MaxPool2d(PoolGeometry.simple(2, 2)));     // [2, 3, 3]
                b.add(new Layer.Flatten());
                b.add(dense(r, 18, 4));
                b.add(new Layer.Relu());
                b.add(dense(r, 4, 3));
                yield b.build();
            }
            case MAX_POOL_PADDED -> {
                // Overlapping windows with padding, straight after a convolution (no ReLU in between).
                var b = Network.builder(new Shape(2, 5, 5));
                b.add(conv(r, 2, 2, 2, ConvGeometry.simple(1, 0)));         // [2, 4, 4]
                b.add(new Layer.MaxPool2d(new PoolGeometry(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false, false))); // [2, 2, 2]
                b.add(new Layer.Flatten());
                b.add(dense(r, 8, 3));
                yield b.build();
            }
            case AVG_POOL -> {
                var b = Network.builder(new Shape(2, 6, 6));
                b.add(conv(r, 2, 3, 3, ConvGeometry.simple(1, 0)));         // [3, 4, 4]
                b.add(new Layer.Relu());
                b.add(new Layer.AvgPool2d(new PoolGeometry(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false, r.nextBoolean()))); // [3, 2, 2]
                b.add(new Layer.Flatten());
                b.add(dense(r, 12, 5));
                b.add(new Layer.Relu());
                b.add(dense(r, 5, 3));
                yield b.build();
            }
            case RESIDUAL_ADD -> {
                // x -> h = relu(W1 x) -> branch g = W3 relu(W2 h); out = W4 relu(h + g)
                var b = Network.builder(new Shape(4));
                b.add(dense(r, 4, 5));
                int h = b.add(new Layer.Relu());
                b.add(dense(r, 5, 5));
                b.add(new Layer.Relu());
                int g = b.add(dense(r, 5, 5));
                b.add("sum", new Layer.Add(), h, g);
                b.add(new Layer.Relu());
                b.add(dense(r, 5, 3));
                yield b.build();
            }
            case AFFINE_RESHAPE_TRANSPOSE_PAD -> {
                var b = Network.builder(new Shape(2, 3, 3));
                b.add(new Layer.Affine(gaussian(r, 1, 2, 3, 3), gaussian(r, 0.5, 2, 3, 3)));   // normalisation (signs mixed)
                b.add(new Layer.Pad(new int[]{0, 1, 0, 0, 1, 1}, 0));                            // [2, 5, 4] zero padding
                b.add(conv(r, 2, 2, 2, ConvGeometry.simple(1, 0)));                               // [2, 4, 3]
                b.add(new Layer.Relu());
                b.add(new Layer.Transpose(new int[]{1, 2, 0}));                                   // [4, 3, 2]
                b.add(dense(r, 2, 3));                                                            // dense on the last axis: [4, 3, 3]
                b.add(new Layer.Relu());
                b.add(new Layer.Reshape(new Shape(4, 9)));
                b.add(new Layer.Affine(gaussian(r, 1, 4, 9), gaussian(r, 0.3, 4, 9)));
                b.add(new Layer.Flatten());
                b.add(dense(r, 36, 3));
                yield b.build();
            }
            case PAD_NONZERO_VALUE -> {
                // Constant padding with a non-zero value (ONNX Pad mode=constant, value=c), then a convolution.
                var b = Network.builder(new Shape(1, 4, 4));
                b.add(new Layer.Pad(new int[]{0, 1, 1, 0, 1, 1}, 0.75));                          // [1, 6, 6]
                b.add(conv(r, 1, 2, 3, ConvGeometry.simple(2, 0)));                               // [2, 2, 2]
                b.add(new Layer.Relu());
                b.add(new Layer.Flatten());
                b.add(dense(r, 8, 3));
                yield b.build();
            }
        };
    }
}
