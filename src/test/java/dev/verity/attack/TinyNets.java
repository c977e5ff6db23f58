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
