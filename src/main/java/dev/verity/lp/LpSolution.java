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
 */
public record LpSolution(LpStatus status, double[] primal, double objective, double[] duals, double[] reducedCosts,
                         long iterations, long nanos) {
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
        return new LpSolution(status, primal, objective, y, reducedCosts, iterations, nanos);
    }
}
