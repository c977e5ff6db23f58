package dev.verity.milp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import dev.verity.testing.RandomLayers;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Networks, properties and brute-force minima for the MILP tests. */
final class MilpNets {
    private MilpNets() {}

    /**
     * One input x in [-1, 2]: {@code h1 = relu(x)}, {@code h2 = relu(x − 1)}, {@code y = h1 − 2 h2}: y = 0 for x <= 0, x on
     * [0, 1], 2 − x on [1, 2]. Exact range [0, 1], maximum at x = 1.
     */
    static Network hat() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}, {1}}), Tensor.vector(0, -1)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, -2}}), Tensor.vector(0)));
        return b.build();
    }

    static final Box HAT_BOX = new Box(new double[] {-1}, new double[] {2});

    /** The hat net's property "y >= level is unsafe": the single row {@code −y + level <= 0}. */
    static VnnlibProperty hatAbove(double level) {
        return property(HAT_BOX, new Disjunct(new LinearConstraint(new double[] {-1}, level)));
    }

    static VnnlibProperty property(Box box, Disjunct... unsafe) {
        int outputs = unsafe[0].rows().getFirst().dimension();
        return new VnnlibProperty(box.dimension(), outputs, List.of(new Case(box, List.of(unsafe))));
    }

    /**
     * A net too big for a MILP to settle in a few milliseconds: 4 inputs, three hidden ReLU layers of 40, 2 outputs, over a
     * box of radius about 1 (many unstable neurons). SCIP needs about 200 ms per neuron for a first feasible point.
     */
    static Network wide() { return RandomLayers.mlp(new SplittableRandom(0), new int[] {4, 40, 40, 40, 2}, new Layer.Relu()); }

    /** The box of {@link #wide()} (drawn from the same stream, after the weights). */
    static Interval wideBox() {
        SplittableRandom r = new SplittableRandom(0);
        RandomLayers.mlp(r, new int[] {4, 40, 40, 40, 2}, new Layer.Relu());
        return RandomLayers.box(r, 4, 1.0);
    }

    /** The net families of the brute-force tests: 2 free inputs each. */
    enum Family { RELU2, RELU3, LEAKY, CONV_MAXPOOL }

    /**
     * A seeded random net: RELU2 / RELU3 dense ReLU nets with 2 or 3 hidden layers of width 4–8, LEAKY the same with
     * leaky ReLU (α = 0.1), CONV_MAXPOOL a 2×2 single-channel image through a convolution with three 2×2 kernels (padding 1:
     * [3, 3, 3]), ReLU, 2×2 max-pool with stride 1 ([3, 2, 2]), a dense layer.
     */
    static Network net(Family family, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 31 + family.ordinal());
        return switch (family) {
            case RELU2 -> RandomLayers.mlp(r, new int[] {2, 4 + r.nextInt(5), 4 + r.nextInt(5), 2}, new Layer.Relu());
            case RELU3 -> RandomLayers.mlp(r, new int[] {2, 4 + r.nextInt(5), 4 + r.nextInt(5), 4 + r.nextInt(5), 2}, new Layer.Relu());
            case LEAKY -> RandomLayers.mlp(r, new int[] {2, 6, 6, 6, 2}, new Layer.LeakyRelu(0.1));
            case CONV_MAXPOOL -> {
                var b = Network.builder(new Shape(1, 2, 2));
                b.add(RandomLayers.conv(r, 1, 3, 2, ConvGeometry.simple(1, 1)));    // [3, 3, 3]
                b.add(new Layer.Relu());
                b.add(new Layer.MaxPool2d(PoolGeometry.simple(2, 1)));             // [3, 2, 2]
                b.add(new Layer.Flatten());
                b.add(RandomLayers.dense(r, 12, 2));
                yield b.build();
            }
        };
    }

    /**
     * A box whose first two coordinates vary (width 0.6–1.8 around a centre in [-1, 1]) and whose others are fixed
     * points (lower = upper), so a 2-D grid covers it.
     */
    static Box box(Network net, SplittableRandom r) {
        int n = net.inputShape().numel();
        double[] lo = new double[n], hi = new double[n];
        for (int i = 0; i < n; i++) {
            double c = r.nextDouble(-1, 1), e = i < 2 ? r.nextDouble(0.3, 0.9) : 0;
            lo[i] = c - e;
            hi[i] = c + e;
        }
        return new Box(lo, hi);
    }

    /** A random disjunct of {@code rows} Gaussian rows over {@code outputs}. */
    static Disjunct disjunct(SplittableRandom r, int rows, int outputs) {
        LinearConstraint[] cs = new LinearConstraint[rows];
        for (int i = 0; i < rows; i++) {
            double[] c = new double[outputs];
            for (int j = 0; j < outputs; j++) c[j] = RandomLayers.gaussian(r);
            cs[i] = new LinearConstraint(c, RandomLayers.gaussian(r));
        }
        return new Disjunct(cs);
    }

    /** The disjunct with every row's constant moved by {@code shift} (rows c·y + d + shift). */
    static Disjunct shifted(Disjunct d, double shift) {
        return new Disjunct(d.rows().stream().map(r -> new LinearConstraint(r.c(), r.d() + shift)).toList());
    }

    /** CROWN's intermediate bounds for the disjunct's rows over the box. */
    static Map<Integer, Interval> crown(Network net, Box box, Disjunct d) {
        return new BoundEngine(net).bound(Method.CROWN, interval(box), objective(net, d)).intermediate();
    }

    static Objective objective(Network net, Disjunct d) { return Objective.of(d.rows(), net.outputShape().numel()); }

    static Interval interval(Box box) { return new Interval(box.lower(), box.upper()); }

    static Instant in(Duration d) { return Instant.now().plus(d); }

    /** The grid points: {@code k × k} over the first two coordinates, the others at their (fixed) lower bound. */
    static double[] grid(Box box, int k) {
        int n = box.dimension();
        double[] x = new double[k * k * n];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                int p = (a * k + b) * n;
                for (int i = 0; i < n; i++) x[p + i] = box.lower(i);
                x[p] = box.lower(0) + box.width(0) * a / (k - 1);
                x[p + 1] = box.lower(1) + box.width(1) * b / (k - 1);
            }
        return x;
    }

    /** {@code max_r (c_r·y + d_r)} at every point of {@code x} (flattened, batch-major), by the double forward pass. */
    static double[] values(Network net, double[] x, Disjunct d) {
        int n = net.inputShape().numel(), count = x.length / n, m = net.outputShape().numel();
        double[] y = Forward.run(net, TensorOps.INSTANCE, new Tensor(x, net.inputShape().withBatch(count))).data();
        double[] v = new double[count];
        for (int p = 0; p < count; p++) v[p] = d.maxValue(java.util.Arrays.copyOfRange(y, p * m, (p + 1) * m));
        return v;
    }

    static double value(Network net, double[] x, Disjunct d) { return values(net, x, d)[0]; }

    /**
     * A Lipschitz constant of {@code max_r (c_r·y + d_r)} in the ∞-norm of the input: max_r ‖c_r‖₁ times the product of the
     * linear layers' ∞→∞ operator norms (max row sum of |W|; for a convolution the largest per-output sum of |kernel|).
     * ReLU, leaky ReLU and max-pool are 1-Lipschitz in the ∞-norm; flatten changes nothing.
     */
    static double lipschitz(Network net, Disjunct d) {
        double l = 0;
        for (LinearConstraint r : d.rows()) {
            double s = 0;
            for (double c : r.c()) s += Math.abs(c);
            l = Math.max(l, s);
        }
        for (var node : net.nodes()) {
            switch (node.layer()) {
                case Layer.Dense dense -> {
                    double[] w = dense.weight().data();
                    int in = dense.in(), out = dense.out();
                    double m = 0;
                    for (int k = 0; k < out; k++) {
                        double s = 0;
                        for (int i = 0; i < in; i++) s += Math.abs(w[k * in + i]);
                        m = Math.max(m, s);
                    }
                    l *= m;
                }
                case Layer.Conv2d conv -> {
                    int[] ws = conv.weight().shape();
                    int per = ws[1] * ws[2] * ws[3];
                    double[] w = conv.weight().data();
                    double m = 0;
                    for (int o = 0; o < ws[0]; o++) {
                        double s = 0;
                        for (int i = 0; i < per; i++) s += Math.abs(w[o * per + i]);
                        m = Math.max(m, s);
                    }
                    l *= m;
                }
                case Layer.Input i -> {}
                case Layer.Relu r -> {}
                case Layer.LeakyRelu r -> {}
                case Layer.MaxPool2d p -> {}
                case Layer.Flatten f -> {}
                default -> throw new IllegalArgumentException("no Lipschitz rule for " + node.layer());
            }
        }
        return l;
    }
}
