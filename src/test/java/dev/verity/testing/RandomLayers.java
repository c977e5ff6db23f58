package dev.verity.testing;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Seeded random building blocks for the property tests of every package: layers with weights scaled so
 * that random boxes leave a good share of neurons unstable, boxes and objective rows.
 */
public final class RandomLayers {
    private RandomLayers() {}

    /** Dense layers of the given widths with {@code activation} between them (none after the last). */
    public static Network mlp(SplittableRandom r, int[] widths, Layer activation) {
        var b = Network.builder(new Shape(widths[0]));
        for (int i = 1; i < widths.length; i++) {
            b.add(dense(r, widths[i - 1], widths[i]));
            if (i < widths.length - 1) b.add(activation);
        }
        return b.build();
    }

    public static Layer.Dense dense(SplittableRandom r, int in, int out) {
        return new Layer.Dense(gaussian(r, 1.5 / Math.sqrt(in), out, in), gaussian(r, 0.5, out));
    }

    public static Layer.Conv2d conv(SplittableRandom r, int in, int out, int k, ConvGeometry g) {
        return new Layer.Conv2d(gaussian(r, 1.5 / Math.sqrt(in * k * k), out, in, k, k), gaussian(r, 0.5, out), g);
    }

    public static Tensor gaussian(SplittableRandom r, double sd, int... shape) {
        double[] d = new double[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < d.length; i++) d[i] = sd * gaussian(r);
        return new Tensor(d, shape);
    }

    /** A standard normal draw (Box–Muller; two uniform draws, in this order). */
    public static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** A box around a random centre in [-1, 1]^n with radius {@code radius} (per coordinate up to ±50%). */
    public static Interval box(SplittableRandom r, int n, double radius) {
        double[] l = new double[n], u = new double[n];
        for (int i = 0; i < n; i++) {
            double c = r.nextDouble(-1, 1), e = radius * r.nextDouble(0.5, 1.5);
            l[i] = c - e;
            u[i] = c + e;
        }
        return new Interval(l, u);
    }

    /** {@code rows} random Gaussian objective rows over {@code outputs}, with random offsets. */
    public static Objective objective(SplittableRandom r, int rows, int outputs) {
        double[] d = new double[rows];
        for (int i = 0; i < rows; i++) d[i] = gaussian(r);
        return new Objective(gaussian(r, 1, rows, outputs), d);
    }

    // ---- network families shared by several packages' property tests (each draws from r in the order written) ----

    /** 4 → 6 → 5 → 3 with leaky ReLUs of slopes 0.1 and 0.35. */
    public static Network leakyMlp(SplittableRandom r) {
        var b = Network.builder(new Shape(4));
        b.add(dense(r, 4, 6));
        b.add(new Layer.LeakyRelu(0.1));
        b.add(dense(r, 6, 5));
        b.add(new Layer.LeakyRelu(0.35));
        b.add(dense(r, 5, 3));
        return b.build();
    }

    /** A [2, 5, 5] image through two convolutions (the second with asymmetric padding) and ReLUs, then a dense layer. */
    public static Network convRelu(SplittableRandom r) {
        var b = Network.builder(new Shape(2, 5, 5));
        b.add(conv(r, 2, 3, 3, ConvGeometry.simple(2, 1)));                          // [3, 3, 3]
        b.add(new Layer.Relu());
        b.add(conv(r, 3, 2, 2, new ConvGeometry(1, 1, 0, 1, 1, 0, 1, 1, 1)));        // asymmetric padding: [2, 3, 3]
        b.add(new Layer.Relu());
        b.add(new Layer.Flatten());
        b.add(dense(r, 18, 3));
        return b.build();
    }

    /** A [2, 2] input through an elementwise affine map (signs mixed), a ReLU layer, a reshape and a dense layer on the last axis. */
    public static Network affineReshapeRelu(SplittableRandom r) {
        var b = Network.builder(new Shape(2, 2));
        b.add(new Layer.Affine(gaussian(r, 1, 2, 2), gaussian(r, 0.3, 2, 2)));
        b.add(new Layer.Flatten());
        b.add(dense(r, 4, 6));
        b.add(new Layer.Relu());
        b.add(new Layer.Reshape(new Shape(2, 3)));
        b.add(dense(r, 3, 4));                                                       // on the last axis: [2, 4]
        b.add(new Layer.Relu());
        b.add(new Layer.Flatten());
        b.add(dense(r, 8, 3));
        return b.build();
    }
}
