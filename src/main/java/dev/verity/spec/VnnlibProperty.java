package dev.verity.spec;

import java.util.List;

/**
 * A VNN-LIB property in the VNN-COMP reading: the file describes the <em>unsafe</em> set, so the
 * property is violated ("sat") iff some input {@code x} in some case's box gives outputs {@code y}
 * that satisfy all rows of some disjunct of that same case; it holds ("unsat") otherwise.
 * Inputs are the flattened model input ({@code X_i}, row-major in the model's input shape), outputs the
 * flattened model output ({@code Y_j}).
 *
 * <p>An empty {@code cases} list is an empty unsafe set: the property holds trivially (the reader
 * produces it only when every output condition is constant-false; see {@link VnnlibReader}).
 */
public record VnnlibProperty(int inputCount, int outputCount, List<Case> cases) {

    public VnnlibProperty {
        if (inputCount < 0 || outputCount < 0) throw new IllegalArgumentException("negative variable count");
        cases = List.copyOf(cases);
        for (Case k : cases) {
            if (k.input().dimension() != inputCount) {
                throw new IllegalArgumentException("case box has " + k.input().dimension() + " inputs, property has " + inputCount);
            }
            for (Disjunct d : k.unsafe()) {
                for (LinearConstraint r : d.rows()) {
                    if (r.dimension() != outputCount) {
                        throw new IllegalArgumentException("constraint over " + r.dimension() + " outputs, property has " + outputCount);
                    }
                }
            }
        }
    }

    /** Whether {@code (x, y)} violates the property: {@code x} in some case's box and {@code y} unsafe for that case. */
    public boolean isCounterexample(double[] x, double[] y) {
        for (Case k : cases) if (k.isCounterexample(x, y)) return true;
        return false;
    }

    /** The total number of disjuncts over all cases. */
    public int disjunctCount() {
        int n = 0;
        for (Case k : cases) n += k.unsafe().size();
        return n;
    }

    @Override public String toString() {
        return "VnnlibProperty[" + inputCount + " inputs, " + outputCount + " outputs, " + cases.size() + " case(s), "
                + disjunctCount() + " disjunct(s)]";
    }
}
