package dev.verity.relax;


/**
 * Linear relaxations of the element-wise activations, given the pre-activation bounds of each
 * neuron. Every line pair returned is sound on [l, u]; the tests check this on sampled points.
 */
public final class Relaxations {
    private Relaxations() {}

    /**
     * ReLU lines. For {@link ReluRelaxation#OPTIMIZED} the lower slope returned is CROWN's adaptive one
     * (alpha-CROWN's starting point); the optimiser overrides it.
     */
    public static Lines relu(Interval pre, ReluRelaxation kind) {
        return leakyRelu(pre, 0.0, kind);
    }

    /**
     * Leaky ReLU y = max(z, a·z) with 0 <= a <= 1 (a = 0: ReLU). The chord of an unstable neuron runs from
     * (l, a·l) to (u, u); the lower line through the origin may have any slope in [a, 1]: z >= 0 gives
     * y = z >= s·z for s <= 1, z < 0 gives y = a·z >= s·z for s >= a.
     */
    public static Lines leakyRelu(Interval pre, double a, ReluRelaxation kind) {
        if (!(a >= 0 && a <= 1)) throw new IllegalArgumentException("leaky ReLU slope must be in [0, 1], got " + a);
        int n = pre.size();
        Lines lines = Lines.zeros(n);
        for (int i = 0; i < n; i++) {
            double l = pre.lower(i), u = pre.upper(i);
            if (l >= 0) {
                // CROWN-0 (003 App. K.4) keeps its fixed lower line y >= a·z even here: that is what makes it
                // continuous in (l, u), and what makes it loose (CR-AUC 0 in 003's runs).
                lines.set(i, kind == ReluRelaxation.ZERO ? a : 1, 0, 1, 0);
            } else if (u <= 0) {
                lines.set(i, a, 0, a, 0);
            } else {
                // Chord through (l, a·l) and (u, u): slope a + (1−a)·u/(u−l), intercept −l·u·(1−a)/(u−l) >= 0.
                // Both written without subtracting nearly equal numbers (a·l − s·l lost up to 1% of u), and
                // the intercept factored so that neither product overflows nor underflows for huge l.
                double s = a + (1 - a) * ReluRelaxation.chordSlope(l, u);
                double ui = chordIntercept(l, u, a, s, Math.min(-l, u) * (Math.max(-l, u) / (u - l)) * (1 - a));
                switch (kind) {
                    case BOX -> lines.set(i, 0, a == 0 ? 0 : Math.nextDown(a * l), 0, u);
                    case PARALLEL -> lines.set(i, s, 0, s, ui);
                    case ADAPTIVE, OPTIMIZED -> lines.set(i, u > -l ? 1 : a, 0, s, ui);
                    case ZERO -> lines.set(i, a, 0, s, ui);
                }
            }
        }
        return lines;
    }

    /**
     * The computed chord intercept {@code ui}, raised where rounding left the line {@code s·z + ui} below the leaky ReLU
     * at an end of [l, u] (l < 0 < u): the line is above on [l, u] exactly when it is at both ends, i.e. when
     * {@code ui >= l·(a − s)} and {@code ui >= u·(1 − s)}, evaluated here rounded upwards (each correctly rounded
     * operation is within half an ulp, so one {@link Math#nextUp} per operation makes it an upper bound). This is what
     * keeps sound mode's bounds sound for any computed slope; it changes the intercept by an ulp at most.
     */
    static double chordIntercept(double l, double u, double a, double s, double ui) {
        double atL = Math.nextUp(-l * Math.nextUp(s - a));
        double atU = Math.nextUp(u * Math.nextUp(1 - s));
        return Math.max(ui, Math.max(atL, atU));
    }

    /** Sigmoid lines: see {@link #sShaped}. {@link ReluRelaxation#BOX} gives constant bounds σ(l), σ(u). */
    public static Lines sigmoid(Interval pre, ReluRelaxation kind) {
        return sShaped(pre, Activation.SIGMOID, kind == ReluRelaxation.BOX);
    }

    public static Lines tanh(Interval pre, ReluRelaxation kind) {
        return sShaped(pre, Activation.TANH, kind == ReluRelaxation.BOX);
    }

    /** The two S-shaped activations: convex for z <= 0, concave for z >= 0, increasing, derivative peaked at 0. */
    public enum Activation {
        SIGMOID, TANH;

        public double value(double z) {
            return switch (this) {
                case SIGMOID -> z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
                case TANH -> Math.tanh(z);
            };
        }

        public double derivative(double z) {
            return switch (this) {
                case SIGMOID -> { double s = value(z); yield s * (1 - s); }
                case TANH -> { double t = Math.tanh(z); yield 1 - t * t; }
            };
        }
    }

    /**
     * Tangent/chord bounds by the sign of l and u (paper 000 Fig. 2; DeepPoly): on [l, u] with u <= 0
     * the function is convex, so the chord is above and the tangent at the midpoint below; with l >= 0 it
     * is concave, the other way round; when l < 0 < u both lines get the slope λ = min(f'(l), f'(u)),
     * the smallest derivative on [l, u] (f' is unimodal with its peak at 0), through (l, f(l)) below and
     * (u, f(u)) above: f(z) − f(l) >= λ(z − l) and f(u) − f(z) >= λ(u − z) follow by integrating f' >= λ.
     * A tiny interval gets constant bounds f(l), f(u). Intercepts are moved outwards by {@link #SLACK}
     * (relative) because exp and tanh are correct only to about one ulp, and a line that touches the
     * curve must not cross it by rounding.
     */
    static final double SLACK = 1e-12;

    static Lines sShaped(Interval pre, Activation f, boolean box) {
        int n = pre.size();
        Lines lines = Lines.zeros(n);
        for (int i = 0; i < n; i++) {
            double l = pre.lower(i), u = pre.upper(i);
            double fl = f.value(l), fu = f.value(u);
            if (box || !(u - l > 1e-12)) {
                lines.set(i, 0, down(fl), 0, up(fu));
                continue;
            }
            double chord = (fu - fl) / (u - l);
            if (u <= 0) {
                double m = 0.5 * (l + u), d = f.derivative(m);
                lines.set(i, d, down(f.value(m) - d * m), chord, up(fl - chord * l));
            } else if (l >= 0) {
                double m = 0.5 * (l + u), d = f.derivative(m);
                lines.set(i, chord, down(fl - chord * l), d, up(f.value(m) - d * m));
            } else {
                double lambda = Math.min(f.derivative(l), f.derivative(u));
                lines.set(i, lambda, down(fl - lambda * l), lambda, up(fu - lambda * u));
            }
        }
        return lines;
    }

    /**
     * The other sound lines of an S-shaped activation where its input interval contains 0 (elsewhere the same lines as
     * {@link #sShaped}): the upper line is the chord if the chord stays above the concave part ({@code f'(u) >=} chord
     * slope), else the tangent to the concave part through {@code (l, f(l))}; the lower line symmetrically the chord
     * or the tangent to the convex part through {@code (u, f(u))} (CROWN, Zhang et al. 2018; auto_LiRPA's lines). Neither
     * these nor {@link #sShaped}'s parallel lines are tighter in general (ERAN's sigmoid 6×200 net: idx 7167 CROWN margin
     * −143 with these, −108 with those; idx 5087 −17.3 and +2.9), and every convex combination of two sound lower (or
     * upper) lines is sound, so alpha-CROWN optimises a mixing weight per neuron between the two.
     */
    public static Lines sShapedTangents(Interval pre, Activation f) {
        Lines base = sShaped(pre, f, false);
        int n = pre.size();
        for (int i = 0; i < n; i++) {
            double l = pre.lower(i), u = pre.upper(i);
            if (!(l < 0 && u > 0) || !(u - l > 1e-12)) continue;
            double fl = f.value(l), fu = f.value(u), chord = (fu - fl) / (u - l);
            double up = f.derivative(u) >= chord ? chord : tangentThrough(f, l, fl, true);
            double lo = f.derivative(l) >= chord ? chord : tangentThrough(f, u, fu, false);
            base.set(i, lo, down(fu - lo * u), up, up(fl - up * l));
        }
        return base;
    }

    /**
     * The slope of the tangent to f through the endpoint {@code (p, f(p))}: touching the concave part (z >= 0) for an
     * upper line from {@code p < 0}, the convex part (z <= 0) for a lower line from {@code p > 0}. The touching point d
     * solves {@code g(d) = f(d) + f'(d)(p − d) − f(p) = 0}, g increasing on the half-line; bisection keeps the end where
     * {@code f'(d)} is at least the tangent's slope — a steeper line through the endpoint is still a bound (above f right
     * of p for the upper line, below f left of p for the lower one) — and the slope is raised by a relative 1e-9 against
     * rounding in f'.
     */
    static double tangentThrough(Activation f, double p, double fp, boolean upper) {
        if (upper) { // f' decreases on [0, ∞): keep a <= d*
            double a = 0, b = 1;
            while (g(f, b, p, fp) < 0 && b < 1e3) b *= 2;
            for (int it = 0; it < 200 && b - a > 1e-12 * Math.max(1, b); it++) {
                double m = 0.5 * (a + b);
                if (g(f, m, p, fp) <= 0) a = m; else b = m;
            }
            return f.derivative(a) * (1 + 1e-9);
        }
        double a = -1, b = 0; // f' increases on (−∞, 0]: keep b >= d*
        while (g(f, a, p, fp) > 0 && a > -1e3) a *= 2;
        for (int it = 0; it < 200 && b - a > 1e-12 * Math.max(1, -a); it++) {
            double m = 0.5 * (a + b);
            if (g(f, m, p, fp) >= 0) b = m; else a = m;
        }
        return f.derivative(b) * (1 + 1e-9);
    }

    private static double g(Activation f, double d, double p, double fp) {
        return f.value(d) + f.derivative(d) * (p - d) - fp;
    }

    private static double down(double v) { return v - SLACK * (1 + Math.abs(v)); }

    private static double up(double v) { return v + SLACK * (1 + Math.abs(v)); }
}
