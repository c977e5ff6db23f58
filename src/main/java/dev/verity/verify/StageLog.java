package dev.verity.verify;

/**
 * What one stage of a {@link Verifier} run did.
 *
 * @param stage      {@code pgd} or a bound method's CLI name
 * @param outcome    in words: "counterexample", "excluded 7 of 9", "abandoned at deadline", ...
 * @param openBefore unsafe disjuncts (over all cases) still open when the stage began
 * @param openAfter  unsafe disjuncts still open after it (0 after a stage that proved the property)
 * @param minMargin  the smallest certified margin lower bound the stage computed over the disjuncts it
 *                   looked at (for {@code pgd}: the smallest objective value it saw); NaN when none
 * @param nanos      wall-clock time of the stage
 * @param domains    branch and bound: the domains it bounded (the root included); -1 for the other stages
 */
public record StageLog(String stage, String outcome, int openBefore, int openAfter, double minMargin, long nanos, long domains) {
    /** A stage that is not a branch and bound. */
    public StageLog(String stage, String outcome, int openBefore, int openAfter, double minMargin, long nanos) {
        this(stage, outcome, openBefore, openAfter, minMargin, nanos, -1);
    }

    public long millis() { return nanos / 1_000_000; }

    @Override public String toString() {
        return String.format(java.util.Locale.ROOT, "stage %-11s %s; %d open -> %d open%s, %d ms", stage, outcome, openBefore, openAfter,
                Double.isNaN(minMargin) ? "" : String.format(java.util.Locale.ROOT, stage.equals("pgd") ? ", smallest value seen %.6g" : ", min margin >= %.6g", minMargin),
                millis());
    }
}
