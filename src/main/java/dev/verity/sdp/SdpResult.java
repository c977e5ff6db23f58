package dev.verity.sdp;

/**
 * The outcome of {@link SdpSolver#solve}.
 *
 * @param upperBound   a rigorous upper bound on max c·y + d over the box (weak duality with a certified λ_min)
 * @param primalValue  the objective at the best network point found (a feasible rank-one point of the SDP, so a
 *                     lower bound on both the SDP optimum and the true maximum)
 * @param gap          upperBound − primalValue (≥ 0)
 * @param iterations   dual steps taken
 * @param nanos        wall-clock time
 * @param dual         the multipliers of the certified bound (a warm start for related problems); null only when
 *                     nothing could be certified (upperBound +∞)
 * @param stopReason   why the solver stopped
 */
public record SdpResult(double upperBound, double primalValue, double gap, int iterations, long nanos, DualPoint dual, String stopReason) {}
