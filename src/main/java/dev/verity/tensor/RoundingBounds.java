package dev.verity.tensor;

/**
 * Higham's a-priori bounds on floating-point rounding (<i>Accuracy and Stability of Numerical Algorithms</i>, 2nd ed.,
 * eq. 3.5), shared by sound mode's error charges ({@code bounds.RoundingErrors}, {@code IntervalOps}) and the Lagrangian
 * dual's: a computed dot product of length n is within {@code γ_n·Σ|a_i·b_i|} of the exact one in any summation order.
 */
public final class RoundingBounds {
    private RoundingBounds() {}

    /** The unit roundoff of double, 2⁻⁵³. */
    public static final double U = 0x1p-53;

    /** {@code γ_n = n·u/(1 − n·u)}, rounded up; n·u must stay below 0.01. */
    public static double gamma(long n) {
        double nu = n * U;
        if (!(nu < 0.01)) throw new IllegalArgumentException("sum too long for a rounding bound: " + n);
        return Math.nextUp(Math.nextUp(nu / (1 - nu)));
    }
}
