package dev.verity.lp;

import java.time.Duration;

/**
 * A linear-program solver, built incrementally. Implementations are not thread-safe: use one solver per
 * thread (they check this). Names are optional ({@code null}: a generated unique one) and must be unique
 * within the solver — native solvers crash on duplicates, so they are rejected here first.
 * Every call is mirrored into {@link #model()}, the exact data the safe bound is computed from.
 */
public interface LpSolver extends AutoCloseable {

    /** Adds a variable {@code lower <= x <= upper} (infinite bounds allowed); returns its index. */
    int addVariable(String name, double lower, double upper);

    /**
     * Adds an integer variable {@code lower <= x <= upper} (a binary with bounds 0, 1); only a mixed-integer
     * solver accepts it ({@link #mixedInteger()}).
     *
     * @throws UnsupportedOperationException on an LP solver
     */
    int addIntegerVariable(String name, double lower, double upper);

    /** Whether {@link #addIntegerVariable} is supported. */
    boolean mixedInteger();

    /** Adds {@code Σ coefs[k]·x[vars[k]] (sense) rhs}; returns its index. */
    int addConstraint(String name, int[] vars, double[] coefs, Sense sense, double rhs);

    /** Replaces the objective by {@code Σ coefs[k]·x[vars[k]] + constant}, minimised or maximised. */
    void setObjective(int[] vars, double[] coefs, double constant, boolean minimize);

    /** Solves (warm-starting from the previous solve where the solver can), within {@code timeLimit}. */
    LpSolution solve(Duration timeLimit);

    /** Verity's copy of the model as given. */
    LpModel model();

    /** Frees native resources. */
    @Override void close();
}
