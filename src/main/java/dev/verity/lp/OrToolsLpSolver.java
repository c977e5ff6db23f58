package dev.verity.lp;

import com.google.ortools.linearsolver.MPConstraint;
import com.google.ortools.linearsolver.MPObjective;
import com.google.ortools.linearsolver.MPSolver;
import com.google.ortools.linearsolver.MPVariable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link LpSolver} on an OR-Tools LP solver ({@link LpBackend}: GLOP by default, PDLP, HiGHS; double
 * precision, tolerances ~1e-7: its optimum is a guess that {@link SafeBound} turns into a bound). The native MPSolver is not thread-safe, so a
 * OrToolsLpSolver belongs to the thread that created it and refuses calls from others. Names reach the native
 * code only after {@link LpModel} has checked them for uniqueness (a duplicate crashes OR-Tools).
 */
public final class OrToolsLpSolver implements LpSolver {
    private final Thread owner = Thread.currentThread();
    private final LpModel model = new LpModel();
    private final List<MPVariable> vars = new ArrayList<>();
    private final List<MPConstraint> rows = new ArrayList<>();
    private MPSolver solver;

    private final LpBackend backend;

    /** A GLOP solver. */
    public OrToolsLpSolver() {
        this(LpBackend.GLOP);
    }

    public OrToolsLpSolver(LpBackend backend) {
        OrTools.load();
        this.backend = backend;
        solver = MPSolver.createSolver(backend.orToolsId());
        if (solver == null) throw new IllegalStateException("OR-Tools has no " + backend.orToolsId() + " solver");
        solver.suppressOutput();
        // HiGHS prints a banner to standard output (which would corrupt --json output) unless its own
        // output_flag is off; OR-Tools 9.15 applies the option although the call reports false.
        if (backend == LpBackend.HIGHS) solver.setSolverSpecificParametersAsString("output_flag=false");
    }

    public LpBackend backend() { return backend; }

    @Override public int addVariable(String name, double lower, double upper) {
        check();
        int j = model.addVariable(name, lower, upper);
        vars.add(solver.makeNumVar(toNative(lower), toNative(upper), model.variableName(j)));
        return j;
    }

    @Override public int addConstraint(String name, int[] vars, double[] coefs, Sense sense, double rhs) {
        check();
        LpModel.Row row = model.addConstraint(name, vars, coefs, sense, rhs);
        double inf = MPSolver.infinity();
        double lb = sense == Sense.LE ? -inf : toNative(rhs), ub = sense == Sense.GE ? inf : toNative(rhs);
        MPConstraint c = solver.makeConstraint(lb, ub, row.name());
        // setCoefficient overwrites, so repeated variables are summed first (as the model's rows mean).
        Map<Integer, Double> sum = new LinkedHashMap<>();
        for (int k = 0; k < row.size(); k++) sum.merge(row.var(k), row.coef(k), Double::sum);
        sum.forEach((v, a) -> c.setCoefficient(this.vars.get(v), a));
        rows.add(c);
        return rows.size() - 1;
    }

    @Override public void setObjective(int[] vars, double[] coefs, double constant, boolean minimize) {
        check();
        model.setObjective(vars, coefs, constant, minimize);
        MPObjective o = solver.objective();
        o.clear();
        for (int j = 0; j < model.variables(); j++) {
            double c = model.objective(j);
            if (c != 0) o.setCoefficient(this.vars.get(j), c);
        }
        o.setOffset(constant);
        o.setOptimizationDirection(!minimize);
    }

    @Override public LpSolution solve(Duration timeLimit) {
        check();
        solver.setTimeLimit(Math.max(1, timeLimit.toMillis()));
        long start = System.nanoTime();
        MPSolver.ResultStatus result = solver.solve();
        long nanos = System.nanoTime() - start;
        LpStatus status = switch (result) {
            case OPTIMAL -> LpStatus.OPTIMAL;
            case FEASIBLE -> LpStatus.FEASIBLE;
            case INFEASIBLE -> LpStatus.INFEASIBLE;
            case UNBOUNDED -> LpStatus.UNBOUNDED;
            case ABNORMAL -> LpStatus.ABNORMAL;
            case MODEL_INVALID -> LpStatus.MODEL_INVALID;
            case NOT_SOLVED -> LpStatus.NOT_SOLVED;
        };
        int n = vars.size(), m = rows.size();
        double[] x = new double[n], r = new double[n], y = new double[m];
        double objective = Double.NaN;
        // OR-Tools returns values only for a solution it has; without one the duals stay 0, which SafeBound
        // turns into the interval bound (valid, loose).
        if (status == LpStatus.OPTIMAL || status == LpStatus.FEASIBLE) {
            for (int j = 0; j < n; j++) {
                x[j] = vars.get(j).solutionValue();
                r[j] = vars.get(j).reducedCost();
            }
            for (int i = 0; i < m; i++) y[i] = rows.get(i).dualValue();
            objective = solver.objective().value();
        }
        return new LpSolution(status, x, objective, y, r, solver.iterations(), nanos);
    }

    @Override public LpModel model() { return model; }

    @Override public void close() {
        if (solver != null) {
            check();
            solver.delete();
            solver = null;
        }
    }

    private void check() {
        if (Thread.currentThread() != owner)
            throw new IllegalStateException("OrToolsLpSolver is confined to the thread that created it (" + owner.getName() + ")");
        if (solver == null) throw new IllegalStateException("OrToolsLpSolver is closed");
    }

    /** OR-Tools' infinity is its own constant; Java's infinities map onto it. */
    private static double toNative(double v) {
        return v == Double.POSITIVE_INFINITY ? MPSolver.infinity() : v == Double.NEGATIVE_INFINITY ? -MPSolver.infinity() : v;
    }
}
