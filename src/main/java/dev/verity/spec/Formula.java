package dev.verity.spec;

import java.util.List;

/**
 * The parsed body of the asserts, already in negation normal form with every atom classified
 * (the parser pushes {@code not} down and closes strict comparisons as it reads). Package-private:
 * the public result is the DNF grouped into {@link Case}s. {@code at} fields are source offsets for errors.
 */
sealed interface Formula {

    /** {@code true} or {@code false}, e.g. an atom with no variables such as {@code (<= 0 1)}. */
    record Const(boolean value) implements Formula {
        static final Const TRUE = new Const(true), FALSE = new Const(false);
        static Const of(boolean v) { return v ? TRUE : FALSE; }
    }

    record And(List<Formula> children, int at) implements Formula {}

    record Or(List<Formula> children, int at) implements Formula {}

    /** {@code X_index <= value} ({@code upper}) or {@code X_index >= value}. */
    record InputBound(int index, boolean upper, double value) implements Formula {}

    /**
     * {@code sum coefs[k] * Y_outputs[k] + d <= 0}, sparse because outputs may still be declared
     * after it; {@link Dnf} expands it to a dense {@link LinearConstraint}. Arrays are never mutated.
     */
    record OutputAtom(int[] outputs, double[] coefs, double d) implements Formula {}
}
