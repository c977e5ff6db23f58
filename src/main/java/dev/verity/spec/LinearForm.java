package dev.verity.spec;

import java.util.Arrays;

/**
 * A linear expression {@code sum coefs[k] * var(vars[k]) + constant} while the parser builds it.
 * Variables are coded as ints: input {@code X_i} is {@code i}, output {@code Y_j} is {@code -(j + 1)}.
 *
 * <p>Every operation is checked to be exact in binary64 (error-free transformations: TwoSum for
 * additions, fma for products) and throws {@link ArithmeticException} otherwise. That way the only
 * rounding in the whole reader is the correctly rounded decimal-to-double conversion of each literal,
 * the convention every VNN-COMP tool uses; an expression such as {@code (+ 0.1 0.2)} whose value
 * would silently move by an ulp is refused rather than guessed. Forms are immutable and tiny (one or
 * two variables in practice), so plain arrays with linear search beat any map.
 */
final class LinearForm {
    private static final int[] NO_VARS = {};
    private static final double[] NO_COEFS = {};

    private final int[] vars;
    private final double[] coefs;
    private final double constant;

    private LinearForm(int[] vars, double[] coefs, double constant) {
        this.vars = vars;
        this.coefs = coefs;
        this.constant = constant;
    }

    static LinearForm constant(double value) { return new LinearForm(NO_VARS, NO_COEFS, value); }

    static LinearForm variable(int code) { return new LinearForm(new int[] {code}, new double[] {1.0}, 0.0); }

    static int inputCode(int index) { return index; }
    static int outputCode(int index) { return -(index + 1); }
    static boolean isInput(int code) { return code >= 0; }
    static int indexOf(int code) { return code >= 0 ? code : -code - 1; }

    int size() { return vars.length; }
    int var(int k) { return vars[k]; }
    double coef(int k) { return coefs[k]; }
    double constant() { return constant; }
    boolean isConstant() { return vars.length == 0; }

    LinearForm negate() {
        double[] c = new double[coefs.length];
        for (int k = 0; k < c.length; k++) c[k] = -coefs[k];
        return new LinearForm(vars, c, -constant); // negation is always exact
    }

    LinearForm plus(LinearForm o) {
        if (o.vars.length == 0 && o.constant == 0) return this;
        if (vars.length == 0 && constant == 0) return o;
        int[] v = Arrays.copyOf(vars, vars.length + o.vars.length);
        double[] c = Arrays.copyOf(coefs, v.length);
        int n = vars.length;
        for (int k = 0; k < o.vars.length; k++) {
            int at = indexIn(v, n, o.vars[k]);
            if (at < 0) {
                v[n] = o.vars[k];
                c[n++] = o.coefs[k];
            } else {
                c[at] = exactSum(c[at], o.coefs[k]);
            }
        }
        return compact(v, c, n, exactSum(constant, o.constant));
    }

    LinearForm minus(LinearForm o) { return plus(o.negate()); }

    LinearForm times(double k) {
        if (k == 1) return this;
        double[] c = new double[coefs.length];
        for (int i = 0; i < c.length; i++) c[i] = exactProduct(k, coefs[i]);
        return compact(vars.clone(), c, c.length, exactProduct(k, constant));
    }

    private static int indexIn(int[] v, int n, int code) {
        for (int k = 0; k < n; k++) if (v[k] == code) return k;
        return -1;
    }

    /** Drops variables whose coefficient became 0 (e.g. {@code Y_0 - Y_0}) so that classification sees them absent. */
    private static LinearForm compact(int[] v, double[] c, int n, double constant) {
        int m = 0;
        for (int k = 0; k < n; k++) {
            if (c[k] != 0) {
                v[m] = v[k];
                c[m++] = c[k];
            }
        }
        return new LinearForm(m == v.length ? v : Arrays.copyOf(v, m), m == c.length ? c : Arrays.copyOf(c, m), constant);
    }

    static double exactSum(double a, double b) {
        double s = a + b;
        double bb = s - a;
        double err = (a - (s - bb)) + (b - bb); // Knuth's TwoSum: s + err == a + b exactly
        if (err != 0 || !Double.isFinite(s)) throw new ArithmeticException(a + " + " + b + " is not exact in binary64");
        return s;
    }

    static double exactProduct(double a, double b) {
        double p = a * b;
        // fma gives the rounding error of the product; a subnormal or underflowed product may hide it, so refuse those too.
        boolean underflow = p != 0 ? Math.abs(p) < Double.MIN_NORMAL : a != 0 && b != 0;
        if (!Double.isFinite(p) || underflow || Math.fma(a, b, -p) != 0) {
            throw new ArithmeticException(a + " * " + b + " is not exact in binary64");
        }
        return p;
    }
}
