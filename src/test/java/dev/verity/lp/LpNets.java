package dev.verity.lp;

import dev.verity.testing.RandomLayers;
import static dev.verity.testing.RandomLayers.conv;
import static dev.verity.testing.RandomLayers.dense;
import static dev.verity.testing.RandomLayers.gaussian;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Tensor;

import java.util.SplittableRandom;

/** Seeded random small ReLU networks of every layer kind TriangleLp encodes, boxes and objectives. */
public final class LpNets {
    private LpNets() {}

    public enum Family { DENSE, DEEP, CONV, AFFINE_RESHAPE, RESIDUAL }

    public static Network build(Family family, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return switch (family) {
            case DENSE -> mlp(r, 4, 6, 5, 3);
            case DEEP -> mlp(r, 3, 5, 5, 5, 2);
            case CONV -> {
                var b = Network.builder(new Shape(2, 4, 4));
                b.add(conv(r, 2, 3, 3, ConvGeometry.simple(2, 1)));                       // [3, 2, 2]
                b.add(new Layer.Relu());
                b.add(conv(r, 3, 2, 2, new ConvGeometry(1, 1, 0, 1, 1, 0, 1, 1, 1)));     // [2, 2, 2]
                b.add(new Layer.Relu());
                b.add(new Layer.Flatten());
                b.add(dense(r, 8, 3));
                yield b.build();
            }
            case AFFINE_RESHAPE -> RandomLayers.affineReshapeRelu(r);
            case RESIDUAL -> {
                var b = Network.builder(new Shape(4));
                b.add(dense(r, 4, 5));
                int h = b.add(new Layer.Relu());
                b.add(dense(r, 5, 5));
                int g = b.add(new Layer.Relu());
                b.add(null, new Layer.Add(), h, g);
                b.add(new Layer.Relu());
                b.add(dense(r, 5, 2));
                yield b.build();
            }
        };
    }

    public static Network mlp(SplittableRandom r, int... widths) {
        return RandomLayers.mlp(r, widths, new Layer.Relu());
    }

    public static Interval box(Network net, SplittableRandom r) {
        int n = net.inputShape().numel();
        double radius = 0.1 + 0.9 * r.nextDouble();
        double[] lo = new double[n], hi = new double[n];
        for (int i = 0; i < n; i++) {
            double c = 2 * r.nextDouble() - 1;
            lo[i] = c - radius;
            hi[i] = c + radius;
        }
        return new Interval(lo, hi);
    }

    /** The identity rows, their negations and two random rows with offsets. */
    public static Objective objective(Network net, SplittableRandom r) {
        int n = net.outputShape().numel(), m = 2 * n + 2;
        Tensor c = Tensor.zeros(m, n);
        double[] d = new double[m];
        for (int j = 0; j < n; j++) {
            c.data()[j * n + j] = 1;
            c.data()[(n + j) * n + j] = -1;
        }
        for (int i = 2 * n; i < m; i++) {
            for (int j = 0; j < n; j++) c.data()[i * n + j] = gaussian(r);
            d[i] = gaussian(r);
        }
        return new Objective(c, d);
    }
}
