package dev.verity.dual;

import static dev.verity.testing.RandomLayers.*;

import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;

import java.util.SplittableRandom;

/** Seeded random small chain networks of every layer kind the Lagrangian dual handles, boxes, objectives. */
final class DualNets {
    private DualNets() {}

    enum Family {
        DENSE_RELU, DEEP_RELU, LEAKY_RELU, SIGMOID, TANH, CONV_RELU, AFFINE_RESHAPE_RELU, MIXED;

        boolean piecewiseLinear() { return this != SIGMOID && this != TANH && this != MIXED; }

        boolean reluOnly() { return this == DENSE_RELU || this == DEEP_RELU || this == CONV_RELU || this == AFFINE_RESHAPE_RELU; }
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
            case AFFINE_RESHAPE_RELU -> affineReshapeRelu(r);
            case MIXED -> {
                // Two activations in a row (an identity segment between them) and a network ending in one.
                var b = Network.builder(new Shape(3));
                b.add(dense(r, 3, 5));
                b.add(new Layer.Tanh());
                b.add(new Layer.Relu());
                b.add(dense(r, 5, 4));
                b.add(new Layer.Sigmoid());
                b.add(dense(r, 4, 3));
                b.add(new Layer.LeakyRelu(0.2));
                yield b.build();
            }
        };
    }

    /** The minimum of every objective row over {@code samples} points of the box (corners included often). */
    static double[] sampledMin(Network net, Interval box, Objective obj, int samples, SplittableRandom r) {
        int n = box.size();
        double[] x = new double[samples * n];
        for (int s = 0; s < samples; s++) {
            boolean corner = s % 4 == 0; // the extremes of a ReLU net are often at vertices of the box
            for (int i = 0; i < n; i++) {
                double t = corner ? (r.nextBoolean() ? 1 : 0) : r.nextDouble();
                x[s * n + i] = box.lower(i) + t * (box.upper(i) - box.lower(i));
            }
        }
        Tensor y = Forward.run(net, TensorOps.INSTANCE, new Tensor(x, net.inputShape().withBatch(samples)));
        double[] v = y.reshape(samples, -1).matmulTransB(obj.c()).data(), d = obj.d();
        int m = obj.rows();
        double[] min = new double[m];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        for (int s = 0; s < samples; s++) for (int i = 0; i < m; i++) min[i] = Math.min(min[i], v[s * m + i] + d[i]);
        return min;
    }
}
