package dev.verity.bounds;

import dev.verity.sdp.SdpOptions;

import dev.verity.lp.LpBackend;

/**
 * Options of the bound engine.
 *
 * @param intermediate     how back-substitution presets bound intermediate layers
 * @param rowChunk         coefficient rows back-substituted at once (bounds memory: rows × widest layer)
 * @param alphaIterations  alpha-CROWN: at most this many Adam steps per objective direction
 * @param alphaLearningRate alpha-CROWN: initial Adam step size (decays by {@code alphaDecay} per step)
 * @param alphaDecay       alpha-CROWN: learning-rate factor per step
 * @param alphaPatience    alpha-CROWN: stop after this many steps without improving the summed bound
 * @param alphaIntermediate alpha-CROWN: also optimise slopes for every intermediate layer's bounds (each
 *                         neuron's lower and upper bound with its own slopes), then for the objective.
 *                         Much tighter on deeper nets, and what auto_LiRPA 0.5 computes by default (its
 *                         results in shared/oracle are reproduced only this way); off: intermediate
 *                         bounds stay at CROWN's.
 * @param lpBackend        the LP solver of the LP presets (the bound is always the safe bound from its duals)
 * @param sdp              the SDP preset's solver budget per SDP (one SDP per objective row and direction)
 * @param sound            outward rounding (issue 17's sound mode): interval bounds rounded outwards and every
 *                         back-substitution bound (hBox, DeepZ, the CROWN family, alpha-CROWN, β-CROWN) lowered by a
 *                         rigorous bound of its rounding error ({@link RoundingErrors}), so that they hold in exact
 *                         arithmetic, as is the Lagrangian dual's value; the LP presets' bounds are safe dual bounds
 *                         either way, and so are the SDP's certified dual bounds ({@link Method#roundingSound()})
 */
public record BoundOptions(Intermediate intermediate, int rowChunk, int alphaIterations, double alphaLearningRate,
                           double alphaDecay, int alphaPatience, boolean alphaIntermediate, LpBackend lpBackend,
                           SdpOptions sdp, boolean sound) implements java.io.Serializable {

    /**
     * {@code PURE}: textbook CROWN/DeepPoly — every intermediate neuron by back-substitution (the
     * oracle's "pure" mode). {@code INTERSECT_IBP}: the same, intersected with interval bounds where those
     * are tighter (both are sound, so is the intersection; auto_LiRPA mixes IBP in by default for the
     * same reason: back-substitution is not tighter than IBP for every neuron).
     */
    public enum Intermediate { PURE, INTERSECT_IBP }

    public BoundOptions {
        if (rowChunk < 1 || alphaIterations < 0 || alphaLearningRate <= 0 || alphaDecay <= 0 || alphaPatience < 1)
            throw new IllegalArgumentException("invalid bound options");
        java.util.Objects.requireNonNull(sdp, "sdp");
    }

    /** Textbook defaults; alpha-CROWN as the oracle ran it: Adam, lr 0.1, ×0.98 per step, 100 steps, patience 10. */
    public static BoundOptions defaults() {
        return new BoundOptions(Intermediate.PURE, 512, 100, 0.1, 0.98, 10, true, LpBackend.GLOP, SdpOptions.defaults(), false);
    }

    public BoundOptions withIntermediate(Intermediate mode) {
        return new BoundOptions(mode, rowChunk, alphaIterations, alphaLearningRate, alphaDecay, alphaPatience, alphaIntermediate, lpBackend, sdp, sound);
    }

    public BoundOptions withAlphaIterations(int iterations) {
        return new BoundOptions(intermediate, rowChunk, iterations, alphaLearningRate, alphaDecay, alphaPatience, alphaIntermediate, lpBackend, sdp, sound);
    }

    public BoundOptions withAlphaIntermediate(boolean optimise) {
        return new BoundOptions(intermediate, rowChunk, alphaIterations, alphaLearningRate, alphaDecay, alphaPatience, optimise, lpBackend, sdp, sound);
    }

    public BoundOptions withLpBackend(LpBackend backend) {
        return new BoundOptions(intermediate, rowChunk, alphaIterations, alphaLearningRate, alphaDecay, alphaPatience, alphaIntermediate, backend, sdp, sound);
    }

    public BoundOptions withSdp(SdpOptions options) {
        return new BoundOptions(intermediate, rowChunk, alphaIterations, alphaLearningRate, alphaDecay, alphaPatience, alphaIntermediate, lpBackend, options, sound);
    }

    /** With outward rounding on or off ({@link #sound()}). */
    public BoundOptions withSound(boolean on) {
        return new BoundOptions(intermediate, rowChunk, alphaIterations, alphaLearningRate, alphaDecay, alphaPatience, alphaIntermediate, lpBackend, sdp, on);
    }
}
