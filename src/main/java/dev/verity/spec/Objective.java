package dev.verity.spec;

import dev.verity.tensor.Tensor;

import java.util.List;

/**
 * Linear functions {@code c_i·y + d_i} of the network's (flattened) output whose bounds are wanted:
 * {@code c [m, outputs]}, {@code d [m]}. For a VNN-LIB property the rows are its constraints
 * {@code c·y + d <= 0}; a positive lower bound excludes that row.
 */
public record Objective(Tensor c, double[] d) {
    public Objective {
        if (c.rank() != 2 || c.dim(0) != d.length) throw new IllegalArgumentException("objective c must be [m, outputs] with m = d.length");
        d = d.clone();
    }

    @Override public double[] d() { return d.clone(); }

    public int rows() { return d.length; }

    public int outputs() { return c.dim(1); }

    /** The identity: bounds of every output. */
    public static Objective identity(int outputs) {
        Tensor c = Tensor.zeros(outputs, outputs);
        for (int i = 0; i < outputs; i++) c.data()[i * outputs + i] = 1;
        return new Objective(c, new double[outputs]);
    }

    /** The rows {@code c·y + d} of the given constraints, in order. */
    public static Objective of(List<LinearConstraint> rows, int outputs) {
        Tensor c = Tensor.zeros(rows.size(), outputs);
        double[] d = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            LinearConstraint r = rows.get(i);
            if (r.dimension() != outputs) throw new IllegalArgumentException("constraint over " + r.dimension() + " outputs, network has " + outputs);
            for (int j = 0; j < outputs; j++) c.data()[i * outputs + j] = r.coefficient(j);
            d[i] = r.d();
        }
        return new Objective(c, d);
    }

    /** The robustness margins {@code y_label − y_j} for every j != label. */
    public static Objective robustness(int label, int outputs) {
        Tensor c = Tensor.zeros(outputs - 1, outputs);
        int row = 0;
        for (int j = 0; j < outputs; j++) {
            if (j == label) continue;
            c.data()[row * outputs + label] = 1;
            c.data()[row * outputs + j] = -1;
            row++;
        }
        return new Objective(c, new double[outputs - 1]);
    }

    public Objective negate() {
        double[] nd = new double[d.length];
        for (int i = 0; i < d.length; i++) nd[i] = -d[i];
        return new Objective(c.neg(), nd);
    }
}
