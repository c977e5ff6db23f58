package dev.verity.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise unary kernels and their vector-Jacobian products. Each forward returns a new array;
 * each backward takes the upstream gradient {@code g} and whatever the derivative is cheapest to
 * compute from (the input {@code x} or the output {@code y}).
 *
 * <p>Piecewise kernels avoid data-dependent branches, which mispredict on half the elements of a
 * typical activation: forwards use {@code Math.max/min} (vectorised by the JIT), gradient masks use
 * Vector API compares and blends.
 */
final class Elementwise {
    private Elementwise() {}

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    /** Shorter arrays take the scalar loop: no vector set-up, and no Vector API warm-up on tiny inputs. */
    private static final int VECTOR_MIN = 256;

    /** {@code o[i] = x[i] > 0 ? g[i] : slope * g[i]} (exactly 0 where slope is 0, even for infinite g). */
    private static double[] gateByPositive(double[] g, double[] x, double slope) {
        double[] o = new double[x.length];
        int i = 0;
        if (x.length >= VECTOR_MIN) {
            DoubleVector zero = DoubleVector.zero(S);
            for (int n = S.loopBound(x.length); i < n; i += S.length()) {
                DoubleVector gv = DoubleVector.fromArray(S, g, i);
                VectorMask<Double> pos = DoubleVector.fromArray(S, x, i).compare(VectorOperators.GT, 0.0);
                DoubleVector other = slope == 0.0 ? zero : gv.mul(slope);
                other.blend(gv, pos).intoArray(o, i);
            }
        }
        for (; i < x.length; i++) o[i] = x[i] > 0 ? g[i] : slope == 0.0 ? 0.0 : slope * g[i];
        return o;
    }

    /** {@code a + b} element-wise into a new array; split across cores for the large gradient arrays of training. */
    static double[] sum(double[] a, double[] b) {
        double[] o = new double[a.length];
        Parallel.forRange(a.length, Parallel.chunks(a.length, 1), (chunk, from, to) -> {
            for (int i = from; i < to; i++) o[i] = a[i] + b[i];
        });
        return o;
    }

    /** {@code a += b} element-wise (gradient accumulation), split across cores when large. */
    static void addInPlace(double[] a, double[] b) {
        Parallel.forRange(a.length, Parallel.chunks(a.length, 1), (chunk, from, to) -> {
            for (int i = from; i < to; i++) a[i] += b[i];
        });
    }

    static double[] scale(double[] x, double s) {
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = x[i] * s;
        return o;
    }

    static double[] relu(double[] x) {
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = Math.max(x[i], 0.0);
        return o;
    }

    /** Gradient of relu; 0 at x = 0 (the subgradient the verifiers assume). */
    static double[] reluBackward(double[] g, double[] x) { return gateByPositive(g, x, 0.0); }

    static double[] leakyRelu(double[] x, double alpha) {
        double[] o = new double[x.length];
        // exact for any alpha: one of the two terms is always zero
        for (int i = 0; i < x.length; i++) o[i] = Math.max(x[i], 0.0) + alpha * Math.min(x[i], 0.0);
        return o;
    }

    static double[] leakyReluBackward(double[] g, double[] x, double alpha) { return gateByPositive(g, x, alpha); }

    /** Logistic function without overflow: exp is only ever taken of a non-positive number. */
    static double sigmoid(double v) {
        if (v >= 0) return 1.0 / (1.0 + Math.exp(-v));
        double e = Math.exp(v);
        return e / (1.0 + e);
    }

    static double[] sigmoid(double[] x) {
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = sigmoid(x[i]);
        return o;
    }

    static double[] sigmoidBackward(double[] g, double[] y) {
        double[] o = new double[y.length];
        for (int i = 0; i < y.length; i++) o[i] = g[i] * y[i] * (1.0 - y[i]);
        return o;
    }

    static double[] tanh(double[] x) {
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = Math.tanh(x[i]);
        return o;
    }

    static double[] tanhBackward(double[] g, double[] y) {
        double[] o = new double[y.length];
        for (int i = 0; i < y.length; i++) o[i] = g[i] * (1.0 - y[i] * y[i]);
        return o;
    }

    static double[] clamp(double[] x, double lo, double hi) {
        if (lo > hi) throw new IllegalArgumentException("clamp with lo " + lo + " > hi " + hi);
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = Math.min(Math.max(x[i], lo), hi);
        return o;
    }

    /**
     * Gradient of clamp: passes where {@code lo <= x <= hi}. Inclusive, so a PGD iterate sitting
     * exactly on the box boundary still gets a gradient that can move it back inside.
     */
    static double[] clampBackward(double[] g, double[] x, double lo, double hi) {
        double[] o = new double[x.length];
        int i = 0;
        if (x.length >= VECTOR_MIN) {
            DoubleVector zero = DoubleVector.zero(S);
            for (int n = S.loopBound(x.length); i < n; i += S.length()) {
                DoubleVector xv = DoubleVector.fromArray(S, x, i);
                VectorMask<Double> inside = xv.compare(VectorOperators.GE, lo).and(xv.compare(VectorOperators.LE, hi));
                zero.blend(DoubleVector.fromArray(S, g, i), inside).intoArray(o, i);
            }
        }
        for (; i < x.length; i++) o[i] = x[i] >= lo && x[i] <= hi ? g[i] : 0.0;
        return o;
    }

    /**
     * Gradient of element-wise max (or min, with {@code max == false}) for the operand {@code mine},
     * both operands already expanded to the output shape. Ties go to the first operand.
     */
    static double[] selectBackward(double[] g, double[] mine, double[] other, boolean max, boolean first) {
        double[] o = new double[g.length];
        VectorOperators.Comparison op = max ? (first ? VectorOperators.GE : VectorOperators.GT) : (first ? VectorOperators.LE : VectorOperators.LT);
        int i = 0;
        if (g.length >= VECTOR_MIN) {
            DoubleVector zero = DoubleVector.zero(S);
            for (int n = S.loopBound(g.length); i < n; i += S.length()) {
                VectorMask<Double> wins = DoubleVector.fromArray(S, mine, i).compare(op, DoubleVector.fromArray(S, other, i));
                zero.blend(DoubleVector.fromArray(S, g, i), wins).intoArray(o, i);
            }
        }
        for (; i < g.length; i++) {
            double a = mine[i], b = other[i];
            boolean wins = max ? (first ? a >= b : a > b) : (first ? a <= b : a < b);
            o[i] = wins ? g[i] : 0.0;
        }
        return o;
    }
}
