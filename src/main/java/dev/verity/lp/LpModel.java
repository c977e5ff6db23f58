package dev.verity.lp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verity's own copy of a linear program: {@code min/max c·x + k} subject to sparse rows
 * {@code a_i·x (<=, >=, =) b_i} and {@code l <= x <= u}. The data are exact doubles: the LP that
 * {@link SafeBound} bounds rigorously is exactly this one, whatever the solver did with it (presolve,
 * scaling, tolerances). Names are checked for uniqueness here, before any native code sees them.
 */
public final class LpModel {
    /** One constraint row. */
    public record Row(String name, int[] vars, double[] coefs, Sense sense, double rhs) {
        public Row {
            if (vars.length != coefs.length) throw new IllegalArgumentException("row " + name + ": " + vars.length + " variables, " + coefs.length + " coefficients");
            if (Double.isNaN(rhs)) throw new IllegalArgumentException("row " + name + ": NaN right-hand side");
            for (double a : coefs) if (!Double.isFinite(a)) throw new IllegalArgumentException("row " + name + ": non-finite coefficient " + a);
            vars = vars.clone();
            coefs = coefs.clone();
        }
        @Override public int[] vars() { return vars.clone(); }
        @Override public double[] coefs() { return coefs.clone(); }
        int var(int k) { return vars[k]; }
        double coef(int k) { return coefs[k]; }
        int size() { return vars.length; }
    }

    private final List<String> varNames = new ArrayList<>();
    private double[] lower = new double[16], upper = new double[16];
    private boolean[] integer = new boolean[16];
    private final List<Row> rows = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private double[] objective = new double[0];
    private double constant;
    private boolean minimize = true;
    private long generated;

    int addVariable(String name, double lo, double hi) {
        return addVariable(name, lo, hi, false);
    }

    int addVariable(String name, double lo, double hi, boolean isInteger) {
        if (Double.isNaN(lo) || Double.isNaN(hi) || lo > hi || lo == Double.POSITIVE_INFINITY || hi == Double.NEGATIVE_INFINITY)
            throw new IllegalArgumentException("variable " + name + ": invalid bounds [" + lo + ", " + hi + "]");
        String n = claim(name, "x");
        int j = varNames.size();
        if (j == lower.length) {
            lower = Arrays.copyOf(lower, 2 * j);
            upper = Arrays.copyOf(upper, 2 * j);
            integer = Arrays.copyOf(integer, 2 * j);
        }
        varNames.add(n);
        integer[j] = isInteger;
        lower[j] = lo;
        upper[j] = hi;
        return j;
    }

    Row addConstraint(String name, int[] vars, double[] coefs, Sense sense, double rhs) {
        for (int v : vars) if (v < 0 || v >= varNames.size()) throw new IllegalArgumentException("constraint " + name + ": no variable " + v);
        Row probe = new Row(name, vars, coefs, sense, rhs); // validates before the name is taken
        String claimed = claim(name, "c");
        Row row = name == null ? new Row(claimed, vars, coefs, sense, rhs) : probe;
        rows.add(row);
        return row;
    }

    void setObjective(int[] vars, double[] coefs, double constant, boolean minimize) {
        if (vars.length != coefs.length) throw new IllegalArgumentException("objective: " + vars.length + " variables, " + coefs.length + " coefficients");
        if (!Double.isFinite(constant)) throw new IllegalArgumentException("objective constant " + constant);
        double[] c = new double[varNames.size()];
        for (int k = 0; k < vars.length; k++) {
            if (vars[k] < 0 || vars[k] >= c.length) throw new IllegalArgumentException("objective: no variable " + vars[k]);
            if (!Double.isFinite(coefs[k])) throw new IllegalArgumentException("objective: non-finite coefficient " + coefs[k]);
            c[vars[k]] += coefs[k];
        }
        this.objective = c;
        this.constant = constant;
        this.minimize = minimize;
    }

    /** A unique name: the one given (rejected when taken) or a generated one that avoids every name in use. */
    private String claim(String name, String prefix) {
        if (name != null) {
            if (!names.add(name)) throw duplicate(name);
            return name;
        }
        String n;
        do n = "_" + prefix + (generated++); while (names.contains(n));
        names.add(n);
        return n;
    }

    private static IllegalArgumentException duplicate(String name) {
        return new IllegalArgumentException("duplicate LP name '" + name + "' (names must be unique per solver)");
    }

    public int variables() { return varNames.size(); }
    public int constraints() { return rows.size(); }
    public String variableName(int j) { return varNames.get(j); }
    public double lower(int j) { checkVar(j); return lower[j]; }
    public double upper(int j) { checkVar(j); return upper[j]; }
    /** Whether variable j is integer (a MILP's; {@link SafeBound} bounds the LP relaxation, which is valid for the MILP too). */
    public boolean isInteger(int j) { checkVar(j); return integer[j]; }
    public Row row(int i) { return rows.get(i); }
    public List<Row> rows() { return List.copyOf(rows); }
    /** The objective coefficient of variable j (0 for variables added after the objective was set). */
    public double objective(int j) { checkVar(j); return j < objective.length ? objective[j] : 0; }
    public double constant() { return constant; }
    public boolean minimize() { return minimize; }

    private void checkVar(int j) {
        if (j < 0 || j >= varNames.size()) throw new IndexOutOfBoundsException("no variable " + j);
    }
}
