package dev.verity.dual;

import dev.verity.relax.Relaxations;

/**
 * An element-wise activation σ together with the exact solution of the one-dimensional problem that the
 * Lagrangian relaxation leaves per hidden neuron (paper 001, eq. 7, written as a minimisation):
 *
 * <pre>  h(z) = λ·z − μ·σ(z),   min over z ∈ [l, u]</pre>
 *
 * Weak duality makes the dual value a valid bound only when this minimum is not overestimated, so every
 * implementation evaluates h at a set of candidates that provably contains a global minimiser and takes
 * the smallest value: for the piecewise-linear activations the endpoints and the kink at 0, for the
 * S-shaped ones the endpoints and the stationary points h'(z) = 0, i.e. σ'(z) = λ/μ, found in closed form
 * through the inverse of σ' on each side of 0.
 */
public sealed interface ScalarActivation {

    /** σ(z). */
    double value(double z);

    /** A minimiser of {@code λ·z − μ·σ(z)} over {@code [l, u]} (l ≤ u, both finite). */
    double argmin(double lambda, double mu, double l, double u);

    /**
     * A lower bound of {@code min over [l, u] of λ·z − μ·σ(z)} that equals it up to the rounding of the
     * evaluation of σ (S-shaped activations subtract a relative 1e-12 of the terms for that, as the
     * bound engine's sigmoid lines do: {@code exp} and {@code tanh} are accurate to about one ulp).
     */
    default double minimum(double lambda, double mu, double l, double u) {
        return soundValue(lambda, mu, argmin(lambda, mu, l, u));
    }

    /**
     * {@code λ·z − μ·σ(z)} at a candidate z, moved down by the rounding error of its evaluation: for the
     * piecewise-linear activations two products, a subtraction and a·z, each within half an ulp, so
     * 2^−50 of the terms' magnitudes covers them with room; the S-shaped ones add the error of σ itself.
     * With it, every per-neuron value is at most the exact minimum in real arithmetic.
     */
    default double soundValue(double lambda, double mu, double z) {
        double v = objective(lambda, mu, z);
        return v - 0x1p-50 * (Math.abs(lambda * z) + Math.abs(mu * value(z)));
    }

    /** {@code λ·z − μ·σ(z)}, guarded against 0·∞. */
    default double objective(double lambda, double mu, double z) {
        double s = value(z);
        return (lambda == 0 ? 0 : lambda * z) - (mu == 0 ? 0 : mu * s);
    }

    /** The smaller-valued of two candidates (the first on ties). */
    private static double better(ScalarActivation f, double lambda, double mu, double a, double b) {
        return f.objective(lambda, mu, b) < f.objective(lambda, mu, a) ? b : a;
    }

    /** ReLU: the leaky ReLU with slope 0. */
    static ScalarActivation relu() { return new LeakyRelu(0); }

    /**
     * Leaky ReLU y = max(z, a·z) (a = 0: ReLU). h is linear on [l, min(u, 0)] and on [max(l, 0), u], so a
     * minimiser is l, u or — when l < 0 < u — the kink 0.
     */
    record LeakyRelu(double alpha) implements ScalarActivation {
        public LeakyRelu {
            if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("leaky ReLU slope must be in [0, 1], got " + alpha);
        }

        @Override public double value(double z) { return z >= 0 ? z : alpha * z; }

        @Override public double argmin(double lambda, double mu, double l, double u) {
            double best = better(this, lambda, mu, l, u);
            return l < 0 && u > 0 ? better(this, lambda, mu, best, 0.0) : best;
        }
    }

    /**
     * The sigmoid and tanh: smooth, increasing, σ' even with its maximum at 0 and strictly decreasing in
     * |z|. h'(z) = λ − μ·σ'(z) vanishes only where σ'(z) = λ/μ, which for 0 < λ/μ < max σ' happens at
     * exactly two points ±z₀ (none otherwise: then h is monotone or constant on [l, u]). A minimiser of a
     * differentiable function on an interval is an endpoint or an interior stationary point, so the
     * candidates l, u, clip(±z₀) contain one; clipping only adds feasible points, never loses the minimum.
     */
    record SShaped(Relaxations.Activation kind) implements ScalarActivation {
        @Override public double value(double z) { return kind.value(z); }

        @Override public double argmin(double lambda, double mu, double l, double u) {
            double best = better(this, lambda, mu, l, u);
            if (mu != 0 && l < u) {
                double z0 = stationary(lambda / mu);
                if (!Double.isNaN(z0)) {
                    best = better(this, lambda, mu, best, Math.clamp(z0, l, u));
                    best = better(this, lambda, mu, best, Math.clamp(-z0, l, u));
                }
            }
            return best;
        }

        @Override public double soundValue(double lambda, double mu, double z) {
            // Rounding of exp/tanh (about one ulp) and of the stationary point (second order: h'(z₀) = 0).
            return objective(lambda, mu, z) - 1e-12 * (Math.abs(lambda * z) + Math.abs(mu * value(z)));
        }

        /**
         * The z₀ ≥ 0 with σ'(z₀) = r, or NaN when there is none (r ≤ 0 or r > max σ'). Written without
         * cancellation for small r, where z₀ is large:
         * <ul>
         *   <li>sigmoid: σ' = s(1−s) = r ⇒ s = (1+q)/2, q = √(1−4r), and z₀ = logit(s) = ln((1+q)/(1−q))
         *       = 2·ln(1+q) − ln(4r), since 1−q = 4r/(1+q);</li>
         *   <li>tanh: 1 − t² = r ⇒ t = √(1−r), z₀ = atanh(t) = ½·ln((1+t)/(1−t)) = ln(1+t) − ½·ln(r),
         *       since 1−t = r/(1+t).</li>
         * </ul>
         */
        double stationary(double r) {
            if (!(r > 0)) return Double.NaN;
            return switch (kind) {
                case SIGMOID -> {
                    if (r > 0.25) yield Double.NaN;
                    double q = Math.sqrt(Math.max(0, 1 - 4 * r));
                    yield Math.max(0, 2 * Math.log1p(q) - Math.log(4 * r));
                }
                case TANH -> {
                    if (r > 1) yield Double.NaN;
                    double t = Math.sqrt(Math.max(0, 1 - r));
                    yield Math.max(0, Math.log1p(t) - 0.5 * Math.log(r));
                }
            };
        }
    }

    static ScalarActivation sigmoid() { return new SShaped(Relaxations.Activation.SIGMOID); }

    static ScalarActivation tanh() { return new SShaped(Relaxations.Activation.TANH); }
}
