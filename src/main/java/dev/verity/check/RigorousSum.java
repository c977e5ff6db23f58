package dev.verity.check;

/**
 * A floating-point sum with a rigorous bound on its distance from the exact sum of the exact terms, so that
 * {@link #lower()} is a number that is certainly at most the exact value. The checker needs a lower bound that
 * follows from the model's weights with certainty, not a nearest-rounded estimate; exact rationals would do it too,
 * but cost about four orders of magnitude more time on an ACAS Xu proof tree of 10,000 boxes.
 *
 * <p>Why the bound holds (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, Thm 3.1 and Lemma 3.1):
 * recursive summation of N doubles in any order is off by at most {@code γ(N)·Σ|x_i|}, {@code γ(N) = N·u / (1 − N·u)},
 * {@code u = 2^-53}; a rounded product {@code fl(x·y)} is off by at most {@code u·|x·y| ≤ 2u·|fl(x·y)|} plus, if it
 * underflows, {@code 2^-1074}. Terms that are known only up to an error are added with that error
 * ({@link #addError}); the accumulated errors are themselves rounded upwards.
 */
final class RigorousSum {
    static final double U = 0x1p-53, TINY = Double.MIN_VALUE;

    private double sum, absSum, error;
    private long terms;

    /** {@code γ(n) = n·u / (1 − n·u)}, rounded up. */
    static double gamma(long n) {
        double nu = n * U;
        if (nu >= 0.5) throw new ArithmeticException("too many terms for a rigorous bound: " + n);
        return Math.nextUp(Math.nextUp(nu) / Math.nextDown(1 - nu));
    }

    /** Adds an exact double. */
    RigorousSum add(double x) {
        check(x);
        sum += x;
        absSum += Math.abs(x);
        terms++;
        return this;
    }

    /** Adds {@code x·y} (the exact product, though it is computed rounded). */
    RigorousSum addProduct(double x, double y) {
        double p = x * y;
        check(p);
        sum += p;
        absSum += Math.abs(p);
        terms++;
        addError(2 * U * Math.abs(p) + TINY);
        return this;
    }

    /** Records that the exact value is lower than the terms added by at most {@code e} (e ≥ 0). */
    RigorousSum addError(double e) {
        if (!(e >= 0) || e == Double.POSITIVE_INFINITY) throw new ArithmeticException("error term " + e);
        error = Math.nextUp(error + e);
        return this;
    }

    /** A number certainly at most the exact sum. */
    double lower() {
        double summation = Math.nextUp(gamma(terms + 1) * Math.nextUp(absSum * (1 + 4 * U)));
        double total = Math.nextUp(Math.nextUp(summation + error) + terms * TINY);
        double lo = Math.nextDown(sum - total);
        check(lo);
        return lo;
    }

    private static void check(double x) {
        if (!Double.isFinite(x)) throw new ArithmeticException("non-finite value " + x + " in a rigorous sum");
    }
}
