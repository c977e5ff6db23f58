package dev.verity.testing;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;

/** Small hand-made networks whose behaviour is known exactly, shared by the attack and verify tests. */
public final class HandNets {
    private HandNets() {}

    /**
     * Two inputs, {@code y0 = relu(x0) + relu(x1) - 3 relu(x0 + x1 - 1.5)}, {@code y1 = 1.4}. On
     * {@code [0,1]^2}, with {@code s = x0 + x1}: {@code y0 = s} for {@code s <= 1.5} and {@code 4.5 - 2s} above,
     * so {@code y0 >= y1} exactly on the band {@code 1.4 <= s <= 1.55}.
     */
    public static Network band() {
        Network.Builder b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 0}, {0, 1}, {1, 1}}), Tensor.vector(0, 0, -1.5)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1, -3}, {0, 0, 0}}), Tensor.vector(0, 1.4)));
        return b.build();
    }

    /**
     * Three inputs, {@code h = relu(2^60·x0 + x1, x2)}, {@code y = h0 − 2^60·h1}. At x = (1, 1, 1), y = 1 exactly, but in
     * double 2^60 + 1 rounds to 2^60 (a sum of two terms: whatever the summation order) and y comes out 0 — a network on
     * which round-to-nearest bounds miss the exact value by far (sound mode's test case).
     */
    public static Network cancellation() {
        double big = 0x1p60;
        Network.Builder b = Network.builder(new Shape(3));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{big, 1, 0}, {0, 0, 1}}), Tensor.zeros(2)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, -big}}), Tensor.zeros(1)));
        return b.build();
    }

    /**
     * {@code y = 4.5 − relu(x0 + x1) − relu(x0 − x1 + 2)} over {@code inputs} inputs (the others have zero weight): on
     * {@code [−1, 1]^inputs} its minimum is 0.5, and no single-neuron relaxation proves y > 0 while one split of the
     * first neuron does (ReluSplitTest derives it).
     */
    public static Network oneSplit(int inputs) {
        double[][] w = new double[2][inputs];
        w[0][0] = 1; w[0][1] = 1; w[1][0] = 1; w[1][1] = -1;
        Network.Builder b = Network.builder(new Shape(inputs));
        b.add(new Layer.Dense(Tensor.matrix(w), Tensor.vector(0, 2)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{-1, -1}}), Tensor.vector(4.5)));
        return b.build();
    }

    /** The property {@link #oneSplit} satisfies: over {@code [−1, 1]^inputs}, unsafe when {@code y <= 0}. */
    public static dev.verity.spec.VnnlibProperty oneSplitProperty(int inputs) {
        double[] lo = new double[inputs], hi = new double[inputs];
        java.util.Arrays.fill(lo, -1);
        java.util.Arrays.fill(hi, 1);
        return new dev.verity.spec.VnnlibProperty(inputs, 1, java.util.List.of(new dev.verity.spec.Case(new dev.verity.spec.Box(lo, hi),
                java.util.List.of(new dev.verity.spec.Disjunct(new dev.verity.spec.LinearConstraint(new double[] {1}, 0))))));
    }
}
