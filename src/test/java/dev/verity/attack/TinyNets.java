package dev.verity.attack;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.tensor.Tensor;

import java.util.List;

/** Hand-made networks and cases whose answers are known on paper. */
final class TinyNets {
    private TinyNets() {}

    /**
     * Two inputs, {@code y0 = relu(x0) + relu(x1) - 3 relu(x0 + x1 - 1.5)}, {@code y1 = 1.4}. On
     * {@code [0,1]^2}, with {@code s = x0 + x1}: {@code y0 = s} for {@code s <= 1.5} and {@code 4.5 - 2s} above,
     * so {@code y0 >= y1} exactly on the band {@code 1.4 <= s <= 1.55}.
     */
    static Network band() {
        Network.Builder b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 0}, {0, 1}, {1, 1}}), Tensor.vector(0, 0, -1.5)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1, -3}, {0, 0, 0}}), Tensor.vector(0, 1.4)));
        return b.build();
    }

    /** {@code y = x} on one input. */
    static Network identity1() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}}), Tensor.vector(0)));
        return b.build();
    }

    /** {@code y0 = x0 + 0.5 x1 + 2}, {@code y1 = 0}: on {@code [-1,1]^2}, {@code y0 - y1 >= 0.5} (at {@code (-1,-1)}). */
    static Network linearPositive() {
        Network.Builder b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 0.5}, {0, 0}}), Tensor.vector(2, 0)));
        return b.build();
    }

    /** The row {@code c·y + d <= 0}. */
    static LinearConstraint row(double d, double... c) { return new LinearConstraint(c, d); }

    static Case caseOf(Box box, Disjunct... disjuncts) { return new Case(box, List.of(disjuncts)); }

    static Box box(double lo0, double hi0, double lo1, double hi1) { return new Box(new double[] {lo0, lo1}, new double[] {hi0, hi1}); }
}
