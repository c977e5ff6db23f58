package dev.verity.tensor;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;

import java.util.Random;

import static dev.verity.tensor.TestTensors.uniform;

/** A small network touching every layer type, for tests that run a whole forward pass. */
final class SmallNets {
    private SmallNets() {}

    /** {@code [2, 6, 6] -> [4]}: affine, conv, relu, max/avg pool, pad, transpose, dense, residual add, activations. */
    static Network everyLayer(long seed) {
        Random r = new Random(seed);
        Network.Builder b = Network.builder(new Shape(2, 6, 6));
        b.add(new Layer.Affine(uniform(r, 0.5, 1.5, 2, 6, 6), uniform(r, -0.2, 0.2, 2, 6, 6)));
        b.add(new Layer.Conv2d(uniform(r, -0.5, 0.5, 3, 2, 3, 3), uniform(r, -0.1, 0.1, 3), ConvGeometry.simple(1, 1)));
        b.add(new Layer.Relu());
        b.add(new Layer.MaxPool2d(PoolGeometry.simple(2, 2)));                            // [3, 3, 3]
        b.add(new Layer.Pad(new int[] {0, 1, 0, 0, 0, 1}, 0.25));                          // [3, 4, 4]
        b.add(new Layer.AvgPool2d(new PoolGeometry(2, 2, 2, 2, 0, 0, 0, 0, 1, 1, false, false))); // [3, 2, 2]
        b.add(new Layer.Transpose(new int[] {1, 2, 0}));                                   // [2, 2, 3]
        b.add(new Layer.Flatten());                                                        // [12]
        b.add(new Layer.Dense(uniform(r, -0.5, 0.5, 8, 12), uniform(r, -0.1, 0.1, 8)));
        int a = b.add(new Layer.LeakyRelu(0.1));
        b.add(new Layer.Dense(uniform(r, -0.5, 0.5, 8, 8), uniform(r, -0.1, 0.1, 8)));
        int t = b.add(new Layer.Tanh());
        b.add(null, new Layer.Add(), a, t);
        b.add(new Layer.Reshape(new Shape(2, 4)));
        b.add(new Layer.Flatten());
        b.add(new Layer.Dense(uniform(r, -0.5, 0.5, 4, 8), uniform(r, -0.1, 0.1, 4)));
        b.add(new Layer.Sigmoid());
        return b.build();
    }
}
