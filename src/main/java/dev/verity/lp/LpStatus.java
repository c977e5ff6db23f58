package dev.verity.lp;

/**
 * How a solve ended. Only the dual values matter for Verity's bound ({@link SafeBound}), and any dual
 * vector gives a valid bound, so a non-optimal status makes a bound weaker, never wrong.
 */
public enum LpStatus {
    OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, ABNORMAL, MODEL_INVALID, NOT_SOLVED;

    public boolean optimal() { return this == OPTIMAL; }
}
