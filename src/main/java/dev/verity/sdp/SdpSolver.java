package dev.verity.sdp;

import java.util.function.DoubleConsumer;

/**
 * Solves the dual of the SDP relaxation (paper 002 eq. 7) by a first-order method and reports rigorous upper
 * bounds as it goes (anytime).
 *
 * <p>The dual function is f(y) = t + n·max(0, −λ_min(S(y))) ({@link DualOperator}: weak duality with the trace
 * bound tr P ≤ n of the centred coordinates). It is convex; a subgradient is e_t − n·∇λ_min where
 * ∇λ_min = vᵀ(∂S/∂y)v at a unit eigenvector v of λ_min, computed from one W̃·v per layer. The steps are projected
 * subgradient steps with Polyak's step length towards a level halfway between the best dual value and the primal
 * value (a level method; the primal value from {@link NetworkPoints} is a lower bound on the optimum, and the level's
 * floor is raised whenever the iterates stall above the level, as in Brännlund's and Kiwiel's level methods), projected
 * onto α, β, μ ≥ 0, with λ_min estimated by Lanczos warm-started from the previous eigenvector; S is applied in
 * structured form, never formed. (Adam on the same subgradient, as in first-order SDP verifiers, was measured
 * too: on the MNIST 784-500 net it moved the bound from the interval value 1.36 only to 1.18 in 20 s, where the
 * level steps reached −0.42; per-coordinate normalisation moves all 2,300 multipliers alike.) The best estimated
 * point since the last certification is certified periodically and at the end by {@link CertifiedBound} (S formed densely once, a
 * Cholesky factorisation), and only certified values are reported.
 *
 * <p>Start: the iterations start from the given warm start, or the interval point ({@link DualOperator#intervalPoint}).
 * Before them two bounds are kept: the interval point's value, the interval bound over the last hidden layer's box
 * rounded upwards ({@link SdpProblem#rigorousIntervalBound}, no factorisation), and CROWN's bound, certified at its
 * dual point ({@link DualOperator#linearPoint}, feasible because the relaxation has the triangle cut); so the result
 * is never worse than either. A point is certified (a dense factorisation) every {@code max(0.2 s, time limit / 20)},
 * and sooner when its estimate is below the caller's threshold.
 */
public final class SdpSolver {
    private SdpSolver() {}

    /** Polyak step factor (in (0, 2) for convergence; 1.5 measured best of {0.3, 1, 1.5} on MNIST 784-500). */
    private static final double POLYAK = 1.5;
    /**
     * Lanczos steps per iteration, warm-started from the last eigenvector and without restarts: on MNIST 784-500 (first
     * 7 test images, 4 s per margin) 16 steps certified as many margins as 24 steps without restarts and more than 24
     * with one restart (58, 58 and 54 of 63), in 115 s instead of 133 s and 188 s.
     */
    private static final int LANCZOS_STEPS = 16;
    /** Steps without a 10 % approach to the level after which the level is taken as unreachable. */
    private static final int STALL = 300;

    /** Receives every certified bound as it is found (each is valid on its own). */
    @FunctionalInterface
    public interface BoundListener extends DoubleConsumer {}

    public static SdpResult solve(SdpProblem p, SdpOptions o, DualPoint warmStart) {
        return solve(p, o, warmStart, null);
    }

    public static SdpResult solve(SdpProblem p, SdpOptions o, DualPoint warmStart, BoundListener listener) {
        return new Run(p, o, listener).solve(warmStart);
    }

    /** State of one solve. */
    private static final class Run {
        private final SdpProblem p;
        private final SdpOptions o;
        private final BoundListener listener;
        private final long start = System.nanoTime();
        private final int n;
        private double bestBound = Double.POSITIVE_INFINITY;
        private double[] iterateY;
        /** The best bound certified at the interval point or an iterate (CROWN's point excluded). */
        private double iterateBound = Double.POSITIVE_INFINITY;
        private double[] linear;
        private double[] eigenvector;

        Run(SdpProblem p, SdpOptions o, BoundListener listener) {
            this.p = p;
            this.o = o;
            this.listener = listener;
            this.n = p.dimension();
        }

        SdpResult solve(DualPoint warmStart) {
            NetworkPoints.Best primal = NetworkPoints.search(p, 3, 40, o.seed());
            double[] interval = DualOperator.intervalPoint(p);
            // The interval point's bound needs no factorisation: it is the interval bound, rounded rigorously.
            accept(p.rigorousIntervalBound(), interval);
            // CROWN's dual point, certified: the result is never looser than CROWN. The iterations do not start there:
            // at it S has a large null space (ν = 0, no box multipliers on hidden coordinates) and the subgradient steps
            // measured no progress from it on MNIST 784-500 (5 s per margin), where from the interval point or a warm
            // start they certify margins CROWN does not.
            // (The level of the steps starts from the interval bound, not CROWN's: a level far below the iterates'
            // values makes Polyak's steps overshoot.)
            double levelStart = bestBound;
            linear = DualOperator.linearPoint(p);
            certify(linear, null);
            double[] y = warmStart == null ? interval.clone() : warmStart.toVector(p);
            String reason = "iteration limit";
            int it = 0;
            double[] pending = null, pendingVector = null;
            double pendingValue = Double.POSITIVE_INFINITY, bestEstimate = levelStart;
            // the level's floor: starts at the primal value; raised to the level when the level proves out of reach
            double floor = primal.value(), bestAtLevel = bestEstimate;
            int sinceProgress = 0;
            long lastCertify = System.nanoTime();
            while (true) {
                if (done(primal.value())) { reason = stopReason(primal.value()); break; }
                if (it >= o.maxIterations()) break;
                if (System.nanoTime() - start > o.timeLimit().toNanos()) { reason = "time limit"; break; }
                if (Thread.currentThread().isInterrupted()) { reason = "interrupted"; break; }
                DualOperator op = new DualOperator(p, y);
                Lanczos.Pair pair = Lanczos.smallest(wrap(op), eigenvector, LANCZOS_STEPS, 0, 1e-7, o.seed() + it);
                eigenvector = pair.vector();
                double lam = pair.value();
                double f = y[0] + n * Math.max(0, -lam);
                bestEstimate = Math.min(bestEstimate, f);
                if (f < pendingValue) {
                    pending = y.clone();
                    pendingValue = f;
                    pendingVector = pair.vector();
                }
                // subgradient of f: e_t − n ∇λ_min (when λ_min < 0)
                double[] g = new double[y.length];
                if (lam < 0) {
                    double[] e = op.eigenGradient(pair.vector());
                    for (int k = 0; k < g.length; k++) g[k] = -n * e[k];
                }
                g[0] += 1;
                it++;
                // Polyak step towards a level halfway between the best value and the primal value (a lower
                // bound on the optimum), then projection onto α, β, μ ≥ 0
                double gg = 0;
                for (double v : g) gg += v * v;
                double level = floor + 0.5 * (bestEstimate - floor);
                if (bestEstimate < bestAtLevel - 0.1 * (bestAtLevel - level)) {
                    bestAtLevel = bestEstimate;
                    sinceProgress = 0;
                } else if (++sinceProgress >= STALL) {
                    // no sufficient decrease towards this level for a while: it is below the optimum, raise the floor
                    floor = 0.5 * (floor + level);
                    bestAtLevel = bestEstimate;
                    sinceProgress = 0;
                    level = floor + 0.5 * (bestEstimate - floor);
                }
                double step = POLYAK * Math.max(f - level, 0) / Math.max(gg, 1e-300);
                for (int k = 0; k < y.length; k++) y[k] -= step * g[k];
                project(y);
                // certify the best point periodically, and early when its estimate may already clear the threshold
                long since = System.nanoTime() - lastCertify;
                boolean maybeDone = pendingValue < o.stopBelow() && since > certifyInterval() / 10;
                if (pendingValue < iterateBound && (since > certifyInterval() || maybeDone)) {
                    certify(pending, pendingVector);
                    pendingValue = Double.POSITIVE_INFINITY;
                    lastCertify = System.nanoTime();
                }
            }
            if (pending != null && pendingValue < iterateBound) certify(pending, pendingVector);
            double gap = bestBound - primal.value();
            // The point handed on as the next warm start is the best certified iterate (or the interval point), never
            // CROWN's: the iterations do not move from CROWN's point, and a chain of margins progresses through them.
            // Null only if not even the interval point could be certified (then the bound is +∞).
            return new SdpResult(bestBound, primal.value(), gap, it, System.nanoTime() - start, iterateY == null ? null : DualPoint.of(p, iterateY), reason);
        }

        private long certifyInterval() { return Math.max(200_000_000L, o.timeLimit().toNanos() / 20); }

        private boolean done(double primal) {
            // The threshold counts only bounds of the iterates: a margin CROWN already clears is still iterated (within
            // the time limit), because the next margin's warm start is what these iterations build — on MNIST 784-500,
            // skipping the margins CROWN clears certified 14 of the first 31 images instead of 21.
            return iterateBound < o.stopBelow() || bestBound - primal <= o.tolerance() || unreachable(primal);
        }

        /** A true network point at or above the threshold: the SDP optimum is too, so no dual bound can go below it. */
        private boolean unreachable(double primal) {
            return o.stopBelow() > Double.NEGATIVE_INFINITY && primal >= o.stopBelow();
        }

        private String stopReason(double primal) {
            if (iterateBound < o.stopBelow()) return "below threshold";
            return unreachable(primal) ? "a network point is above the threshold" : "gap within tolerance";
        }

        private void project(double[] y) {
            for (int i = 0; i < p.hiddenLayers(); i++) {
                int a = DualOperator.alphaOffset(p, i), rows = p.maps().get(i).rows();
                for (int k = a; k < a + 2 * rows; k++) y[k] = Math.max(0, y[k]);
                for (int k = a + 3 * rows; k < a + 4 * rows; k++) y[k] = Math.max(0, y[k]);
            }
            for (int k = DualOperator.muOffset(p); k < y.length; k++) y[k] = Math.max(0, y[k]);
        }

        /**
         * Certifies y: a rigorous lower bound on λ_min(S(y)) by {@link CertifiedBound} at shifts just below the
         * Lanczos estimate, then the bound t + n·max(0, −λ), rounded up.
         */
        private void certify(double[] y, double[] vector) {
            DualOperator op = new DualOperator(p, y);
            Lanczos.Pair pair = Lanczos.smallest(wrap(op), vector, 40, 2, 1e-10, o.seed() ^ 0x5d);
            CertifiedBound.Structured dense = op.dense();
            double scale = Math.abs(pair.value());
            for (double v : dense.diag()) scale = Math.max(scale, Math.abs(v));
            for (double v : dense.block()) scale = Math.max(scale, Math.abs(v));
            // a Ritz value is above λ_min by about residual²/gap: start just below it and widen tenfold on failure
            double margin = Math.max(1e-11 * Math.max(scale, 1e-300), 1e-3 * pair.residual());
            double lower = CertifiedBound.lowerBound(dense, pair.value(), margin, 10, 12);
            if (lower == Double.NEGATIVE_INFINITY) return;
            double penalty = lower >= 0 ? 0 : Math.nextUp(n * -lower);
            accept(Math.nextUp(y[0] + penalty), y);
        }

        /** Keeps a rigorous bound if it is the best so far. */
        private void accept(double bound, double[] y) {
            if (bound < bestBound) {
                bestBound = bound;
                if (listener != null) listener.accept(bound);
            }
            if (y != linear && bound < iterateBound) {
                iterateBound = bound;
                iterateY = y.clone();
            }
        }

        private static Lanczos.Operator wrap(DualOperator op) {
            return new Lanczos.Operator() {
                @Override public int dimension() { return op.dimension(); }
                @Override public void apply(double[] v, double[] out) { op.apply(v, out); }
            };
        }
    }
}
