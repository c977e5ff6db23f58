package dev.verity.lp;

/**
 * An OR-Tools solver that {@link OrToolsLpSolver} can drive: the LP solvers of {@link LpBackend} and the
 * mixed-integer solvers of {@code dev.verity.milp.MilpBackend}. One port for both because the network
 * encoding ({@link TriangleLp}) is the same program; the MILP only adds binaries for unstable neurons.
 */
public interface SolverBackend {
    /** The name users type (--lp-solver, --milp-solver). */
    String cliName();

    /** The id given to {@code MPSolver.createSolver}. */
    String orToolsId();

    /** Whether the solver accepts integer variables (branch and bound). */
    boolean mixedInteger();

    /**
     * Whether the solver (through OR-Tools) may answer INFEASIBLE when it merely ran out of time (CBC does): such an
     * answer near the time limit is then taken as "not solved".
     */
    default boolean reportsInfeasibleAtTimeLimit() { return false; }

    /** Solver-specific parameters set once, when the solver is created (e.g. silencing a banner); "" for none. */
    default String creationParameters() { return ""; }
}
