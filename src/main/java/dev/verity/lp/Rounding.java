package dev.verity.lp;

/**
 * Directed rounding for the few operations the safe bound needs. Java has no rounding-mode control, so
 * a round-to-nearest result is stepped one ulp outwards when it is inexact in the wrong direction: the
 * exact result lies within half an ulp of the rounded one, so one step covers it (also at binade
 * boundaries). Whether a result is exact and on which side the error lies is known exactly from the
 * error-free transformations — Knuth's TwoSum for sums, {@link Math#fma} for products — so exact
 * operations (0.5·2, 1 − 1) stay exact: a residual that is exactly 0 stays 0, which matters next to
 * infinite variable bounds. Overflow to ±inf steps back to ±MAX_VALUE where that is the correct side.
 */
public final class Rounding {
    private Rounding() {}

    /** Below this, a product's error may underflow in fma and lose its sign: step without asking. */
    private static final double TINY = 0x1p-960;

    public static double addDown(double a, double b) {
        double s = a + b;
        if (!Double.isFinite(s)) return Math.nextDown(s);
        return sumError(a, b, s) < 0 ? Math.nextDown(s) : s;
    }

    public static double addUp(double a, double b) {
        double s = a + b;
        if (!Double.isFinite(s)) return Math.nextUp(s);
        return sumError(a, b, s) > 0 ? Math.nextUp(s) : s;
    }

    /** TwoSum: a + b − s exactly (round-to-nearest, no overflow). */
    private static double sumError(double a, double b, double s) {
        double bb = s - a;
        return (a - (s - bb)) + (b - bb);
    }

    /** A lower bound of {@code a·b}; a zero factor gives exactly 0 (also against an infinite one: 0·inf here means "no term"). */
    public static double mulDown(double a, double b) {
        if (a == 0 || b == 0) return 0;
        double p = a * b;
        if (!Double.isFinite(p) || Math.abs(p) < TINY) return Math.nextDown(p);
        return Math.fma(a, b, -p) < 0 ? Math.nextDown(p) : p;
    }

    public static double mulUp(double a, double b) {
        if (a == 0 || b == 0) return 0;
        double p = a * b;
        if (!Double.isFinite(p) || Math.abs(p) < TINY) return Math.nextUp(p);
        return Math.fma(a, b, -p) > 0 ? Math.nextUp(p) : p;
    }

    /** The lower bound of {@code r·x} over {@code r in [rlo, rhi]}, {@code x in [lo, hi]}: a bilinear function, minimal at a corner. */
    public static double productMinDown(double rlo, double rhi, double lo, double hi) {
        double m = mulDown(rlo, lo);
        m = Math.min(m, mulDown(rlo, hi));
        m = Math.min(m, mulDown(rhi, lo));
        return Math.min(m, mulDown(rhi, hi));
    }
}
