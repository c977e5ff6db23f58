package dev.verity.sdp;

import java.time.Duration;

/**
 * Budget of {@link SdpSolver}. Every reported bound is certified whatever the budget; the budget only trades time
 * for tightness.
 *
 * @param tolerance     stop when the certified bound is within this of the primal value (the gap)
 * @param timeLimit     wall-clock limit (a final certification may run past it by one factorisation)
 * @param maxIterations dual steps at most (0: certify the starting point only)
 * @param seed          for the Lanczos start vectors and the primal search
 * @param stopBelow     stop as soon as a certified bound is below this (a verifier's threshold, e.g. 0), or as soon as
 *                      a network point's value is not (then no bound can be); {@link Double#NEGATIVE_INFINITY}: never
 */
public record SdpOptions(double tolerance, Duration timeLimit, int maxIterations, long seed, double stopBelow) implements java.io.Serializable {
    public SdpOptions {
        if (!(tolerance >= 0) || timeLimit == null || timeLimit.isNegative() || maxIterations < 0 || Double.isNaN(stopBelow))
            throw new IllegalArgumentException("invalid sdp options");
    }

    public SdpOptions(double tolerance, Duration timeLimit, int maxIterations, long seed) {
        this(tolerance, timeLimit, maxIterations, seed, Double.NEGATIVE_INFINITY);
    }

    /**
     * Gap 1e-3, 10 s, 20,000 steps, seed 0, no early stop. 10 s per SDP keeps an MNIST image of the 784-500-10 net
     * (nine margins, most stopping early at their threshold in a verifier) near the 30 s goal of issue 15.
     */
    public static SdpOptions defaults() {
        return new SdpOptions(1e-3, Duration.ofSeconds(10), 20_000, 0);
    }

    public SdpOptions withStopBelow(double threshold) {
        return new SdpOptions(tolerance, timeLimit, maxIterations, seed, threshold);
    }

    public SdpOptions withTimeLimit(Duration limit) {
        return new SdpOptions(tolerance, limit, maxIterations, seed, stopBelow);
    }

    public SdpOptions withTolerance(double gap) {
        return new SdpOptions(gap, timeLimit, maxIterations, seed, stopBelow);
    }

    public SdpOptions withMaxIterations(int steps) {
        return new SdpOptions(tolerance, timeLimit, steps, seed, stopBelow);
    }
}
