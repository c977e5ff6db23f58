package dev.verity.lp;

import com.google.ortools.linearsolver.MPConstraint;
import com.google.ortools.linearsolver.MPObjective;
import com.google.ortools.linearsolver.MPSolver;
import com.google.ortools.linearsolver.MPSolverParameters;
import com.google.ortools.linearsolver.MPVariable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link LpSolver} on an OR-Tools solver: an LP solver ({@link LpBackend}: GLOP by default, PDLP, HiGHS; double
 * precision, tolerances ~1e-7: its optimum is a guess that {@link SafeBound} turns into a bound) or a
 * mixed-integer one ({@code MilpBackend}: SCIP, CBC, HiGHS; then integer variables are allowed and
 * {@link LpSolution#bestBound()} is the branch-and-bound's bound). The native MPSolver is not thread-safe, so a
 * OrToolsLpSolver belongs to the thread that created it and refuses calls from others. Names reach the native
 * code only after {@link LpModel} has checked them for uniqueness (a duplicate crashes OR-Tools).
 */
public final class OrToolsLpSolver implements LpSolver {
    private final Thread owner = Thread.currentThread();
    private final LpModel model = new LpModel();
    private final List<MPVariable> vars = new ArrayList<>();
    private final List<MPConstraint> rows = new ArrayList<>();
    private MPSolver solver;

    private final SolverBackend backend;
    private String parameters;
    private double relativeGap = 0;

    /** A GLOP solver. */
    public OrToolsLpSolver() {
        this(LpBackend.GLOP);
    }

    public OrToolsLpSolver(SolverBackend backend) {
        OrTools.load();
        this.backend = backend;
        solver = MPSolver.createSolver(backend.orToolsId());
        if (solver == null) throw new IllegalStateException("OR-Tools has no " + backend.orToolsId() + " solver");
        solver.suppressOutput();
        // OR-Tools 9.15 applies HiGHS's options although the call reports false: the result is not checked.
        parameters = backend.creationParameters();
        if (!parameters.isEmpty()) solver.setSolverSpecificParametersAsString(parameters);
    }

    public SolverBackend backend() { return backend; }

    @Override public boolean mixedInteger() { return backend.mixedInteger(); }

    @Override public int addVariable(String name, double lower, double upper) {
        check();
        int j = model.addVariable(name, lower, upper);
        vars.add(solver.makeNumVar(toNative(lower), toNative(upper), model.variableName(j)));
        return j;
    }

    @Override public int addIntegerVariable(String name, double lower, double upper) {
        check();
        if (!backend.mixedInteger())
            throw new UnsupportedOperationException(backend.cliName() + " is an LP solver: integer variables need a MILP solver");
        int j = model.addVariable(name, lower, upper, true);
        vars.add(solver.makeIntVar(toNative(lower), toNative(upper), model.variableName(j)));
        return j;
    }

    /**
     * Solver-specific parameters in the solver's own syntax (SCIP: {@code "limits/solutions = 1"}), added to those
     * set at creation; they stay in force for later solves. Returns whether the solver accepted them.
     */
    public boolean setSolverParameters(String extra) {
        check();
        String all = parameters.isEmpty() ? extra : parameters + "\n" + extra;
        boolean ok = solver.setSolverSpecificParametersAsString(all);
        if (ok) parameters = all;
        return ok;
    }

    /** The relative gap at which a mixed-integer solve counts as optimal (0, the default: prove the optimum). */
    public void setRelativeGap(double gap) {
        if (!(gap >= 0)) throw new IllegalArgumentException("relative gap must be >= 0, got " + gap);
        relativeGap = gap;
    }

    /**
     * Asks a running solve to stop as soon as it can (it then returns what it has); callable from any thread —
     * the one exception to thread confinement. Returns whether the solver supports interruption.
     */
    public boolean interrupt() {
        MPSolver s = solver;
        return s != null && s.interruptSolve();
    }

    /** A starting point for a mixed-integer solve (variables by index, values as the model means them). */
    public void setHint(int[] vars, double[] values) {
        check();
        if (vars.length != values.length) throw new IllegalArgumentException(vars.length + " variables, " + values.length + " values");
        MPVariable[] v = new MPVariable[vars.length];
        for (int k = 0; k < vars.length; k++) v[k] = this.vars.get(vars[k]);
        solver.setHint(v, values);
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
        long limitMillis = Math.max(1, timeLimit.toMillis());
        solver.setTimeLimit(limitMillis);
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        MPSolver.ResultStatus result;
        if (backend.mixedInteger()) {
            // OR-Tools' default relative MIP gap is 1e-4: an "optimal" answer would be one within 0.01 %.
            MPSolverParameters p = new MPSolverParameters();
            p.setDoubleParam(MPSolverParameters.DoubleParam.RELATIVE_MIP_GAP, relativeGap);
            try {
                result = solver.solve(p);
            } catch (IllegalArgumentException e) {
                // HiGHS stopped by its time limit reports status 99 (unknown), which the SWIG enum cannot represent.
                result = MPSolver.ResultStatus.NOT_SOLVED;
            } finally {
                p.delete();
            }
        } else {
            result = solver.solve();
        }
        long nanos = System.nanoTime() - start;
        long cpuEnd = processCpuNanos();
        LpStatus status = switch (result) {
            case OPTIMAL -> LpStatus.OPTIMAL;
            case FEASIBLE -> LpStatus.FEASIBLE;
            case INFEASIBLE -> LpStatus.INFEASIBLE;
            case UNBOUNDED -> LpStatus.UNBOUNDED;
            case ABNORMAL -> LpStatus.ABNORMAL;
            case MODEL_INVALID -> LpStatus.MODEL_INVALID;
            case NOT_SOLVED -> LpStatus.NOT_SOLVED;
        };
        // CBC stopped by its time limit before finding a point reports INFEASIBLE: not a proof. Its clock is CPU time of the
        // whole process (every JVM thread advances it: JIT, GC, the other solvers of a parallel decide) and coarse —
        // measured: INFEASIBLE after 5.5 ms of wall time under a 12 ms limit on 2 cores, more than the 11 ms of CPU two
        // cores can give. Its "infeasible" is trusted only when the process's CPU time over the solve, plus a clock slack of
        // CBC_CLOCK_SLACK_MS, stayed under half the limit (wall time × cores where the JVM cannot read CPU time).
        if (backend.reportsInfeasibleAtTimeLimit() && status == LpStatus.INFEASIBLE) {
            double cpu = cpuStart >= 0 && cpuEnd >= 0 ? cpuEnd - cpuStart : (double) nanos * Runtime.getRuntime().availableProcessors();
            if (cpu + CBC_CLOCK_SLACK_MS * 1e6 >= 0.5 * limitMillis * 1e6)
                status = LpStatus.NOT_SOLVED;
        }
        int n = vars.size(), m = rows.size();
        double[] x = new double[n], r = new double[n], y = new double[m];
        double objective = Double.NaN;
        // OR-Tools returns values only for a solution it has; without one the duals stay 0, which SafeBound
        // turns into the interval bound (valid, loose).
        if (status == LpStatus.OPTIMAL || status == LpStatus.FEASIBLE) {
            boolean lp = !backend.mixedInteger(); // integer models have no duals
            for (int j = 0; j < n; j++) {
                x[j] = vars.get(j).solutionValue();
                if (lp) r[j] = vars.get(j).reducedCost();
            }
            if (lp) for (int i = 0; i < m; i++) y[i] = rows.get(i).dualValue();
            objective = solver.objective().value();
        }
        double best = objective;
        long nodes = 0;
        if (backend.mixedInteger()) {
            // OR-Tools' "no bound" is ±1e20 or its infinity.
            // Without a point, OR-Tools' SCIP interface never reads SCIP's dual bound and reports 0: no bound then.
            best = status == LpStatus.OPTIMAL || status == LpStatus.FEASIBLE ? solver.objective().bestBound() : Double.NaN;
            if (Double.isNaN(best)) best = model.minimize() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            if (Math.abs(best) >= 1e20) best = model.minimize() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            if (status == LpStatus.INFEASIBLE) best = model.minimize() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            nodes = solver.nodes();
        }
        return new LpSolution(status, x, objective, y, r, solver.iterations(), nanos, best, nodes);
    }

    /** Slack for the granularity of CBC's CPU clock (see {@link #solve}). */
    static final double CBC_CLOCK_SLACK_MS = 20;

    private static final java.lang.management.OperatingSystemMXBean OS = java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** The CPU time of the whole process in nanoseconds, or -1 where the JVM cannot tell. */
    private static long processCpuNanos() {
        return OS instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
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
