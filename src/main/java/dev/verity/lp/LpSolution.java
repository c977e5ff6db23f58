package dev.verity.lp;

/**
 * What a solver reported. {@code objective} is the solver's own number, within its tolerances: use
 * {@link SafeBound} for a bound.
 *
 * @param primal       value of every variable, in the order added
 * @param objective    the reported objective value (including the constant)
 * @param duals        dual value of every constraint, in the order added (solver's sign convention:
 *                     for a minimisation, reduced costs are {@code c − Aᵀy}; >= rows have y >= 0)
 * @param reducedCosts reduced cost of every variable as the solver reports it (informational; the safe
 *                     bound recomputes {@code c − Aᵀy} from Verity's copy of the model)
 * @param iterations   simplex iterations
 * @param nanos        wall time of the solve
 * @param bestBound    a mixed-integer solver's bound on the optimum (its best dual bound, within its tolerances;
 *                     ±inf when it has none); for an LP solver the reported objective
 * @param nodes        branch-and-bound nodes explored (0 for an LP)
 */
public record LpSolution(LpStatus status, double[] primal, double objective, double[] duals, double[] reducedCosts,
                         long iterations, long nanos, double bestBound, long nodes) {
    /** Whether the solver returned a point (optimal or merely feasible). */
    public boolean hasSolution() { return status == LpStatus.OPTIMAL || status == LpStatus.FEASIBLE; }

    public LpSolution {
        primal = primal.clone();
        duals = duals.clone();
        reducedCosts = reducedCosts.clone();
    }

    @Override public double[] primal() { return primal.clone(); }
    @Override public double[] duals() { return duals.clone(); }
    @Override public double[] reducedCosts() { return reducedCosts.clone(); }

    /** A copy with other dual values (tests: any dual vector must still give a valid bound). */
    public LpSolution withDuals(double[] y) {
        return new LpSolution(status, primal, objective, y, reducedCosts, iterations, nanos, bestBound, nodes);
    }
}
