package dev.verity.verify;

/**
 * The floating-point tolerance τ that a certified margin must clear before Verity calls a disjunct excluded.
 *
 * <p>Why a tolerance at all: the bound engine computes in double precision without outward rounding, so a
 * computed lower bound of {@code c·y + d} may exceed the exact one by the accumulated rounding error. A
 * back-substituted bound is a sum of products over every layer; by the standard dot-product error bound
 * (Higham, Thm. 3.5) each of the L layers of width at most w contributes a relative error of at most
 * {@code w·u} (u = 2^-53 ≈ 1.1e-16) of the sum of the absolute values of its terms. For the networks Verity
 * targets (w ≤ 10^4, L ≤ 20) that is about 2e-11 of the magnitudes involved — well below 1e-9 relative.
 *
 * <p>The rule: a row is certified when {@code lower > τ} with {@code τ = 1e-7 · max(1, |lower|, |upper|)},
 * where lower and upper are the row's computed bounds. The row's upper bound stands in for the magnitude of
 * the terms (the engine does not report their absolute sum); the factor 1e-7 leaves four orders of magnitude
 * above the error estimate for cancellation between terms larger than the row's own range, and the
 * {@code max(1, ·)} floor makes τ at least an absolute 1e-7 so that bounds near 0 (where relative error means
 * nothing) are never trusted. A margin in {@code (0, τ]} therefore gives UNKNOWN, never VERIFIED; the price is
 * that properties that hold by less than 1e-7 cannot be proven, which no float32 network can meaningfully
 * promise anyway. NaN or infinite bounds are never certified.
 */
public final class Margins {
    /** The relative (and, below magnitude 1, absolute) tolerance. */
    public static final double RELATIVE_TOLERANCE = 1e-7;

    private Margins() {}

    /** τ for a row whose computed bounds are {@code [lower, upper]} (+inf when a bound is not finite). */
    public static double tolerance(double lower, double upper) {
        double scale = Math.max(1.0, Math.max(Math.abs(lower), Math.abs(upper)));
        return Double.isFinite(scale) ? RELATIVE_TOLERANCE * scale : Double.POSITIVE_INFINITY;
    }

    /** Whether a row with computed bounds {@code [lower, upper]} is certainly positive (false for NaN). */
    public static boolean certified(double lower, double upper) {
        return lower > tolerance(lower, upper);
    }
}
