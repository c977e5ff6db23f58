package dev.verity.verify;

/**
 * What excluded one disjunct of a property: the stage, the kind of proof, and the margin it certified.
 *
 * @param caseIndex the case (input box) of the property
 * @param disjunct  the disjunct's index within the case
 * @param stage     the stage that excluded it ({@code crown}, {@code bab-relu}, {@code milp}, ...)
 * @param kind      how
 * @param margin    the certified lower bound of the disjunct's margin where one number says it (a bound stage); NaN
 *                  otherwise (branch and bound: each leaf has its own; the MILP: the solver's word)
 * @param outward   whether the proof holds in exact arithmetic: a bound computed in sound mode by a method it covers
 *                  ({@link dev.verity.bounds.Method#roundingSound()}), every leaf of a branch-and-bound tree likewise;
 *                  false for round-to-nearest bounds (then valid up to double rounding) and for the MILP's word
 */
public record Evidence(int caseIndex, int disjunct, String stage, Kind kind, double margin, boolean outward) {

    /** The word for {@link #outward} in {@code --json} ({@code rounding}) and the text output. */
    public String rounding() { return outward ? "outward" : kind == Kind.SOLVER ? "solver" : "nearest"; }

    /** The kinds of proof, from the one Verity checks itself to the one it takes from a solver. */
    public enum Kind {
        /** A sound lower bound of the margin (bound propagation, an LP's safe dual bound, the SDP's certified dual bound) cleared the floating-point tolerance. */
        BOUND("bound"),
        /** Every leaf of a branch-and-bound tree did, and the leaves cover the box. */
        BRANCH_AND_BOUND("branch-and-bound"),
        /** The MILP solver reported the disjunct infeasible or its optimum positive: Verity has not checked that itself. */
        SOLVER("solver-trusted");

        private final String word;

        Kind(String word) { this.word = word; }

        /** The word in {@code --json} and the text output. */
        public String word() { return word; }
    }
}
