package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundOptions;
import dev.verity.sdp.SdpOptions;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The bound engine's options, shared by every command that computes bounds. */
final class BoundOptionsMixin {
    @Option(names = "--intermediate", defaultValue = "pure", paramLabel = "MODE",
            description = {"How back-substitution methods bound intermediate layers (default ${DEFAULT-VALUE}):",
                    "pure: every neuron by back-substitution (textbook CROWN/DeepPoly);",
                    "intersect-ibp: the same, intersected with interval bounds where those are tighter."})
    String intermediate;

    @Option(names = "--alpha-iterations", defaultValue = "100", paramLabel = "N",
            description = "alpha-crown: Adam steps per optimised bound (default ${DEFAULT-VALUE}).")
    int alphaIterations;

    @Option(names = "--alpha-intermediate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "alpha-crown: also optimise slopes for intermediate-layer bounds (default: on; --no-alpha-intermediate keeps CROWN's).")
    boolean alphaIntermediate;

    @Option(names = "--lp-solver", defaultValue = "glop", paramLabel = "S",
            description = {"LP solver of the LP presets (default ${DEFAULT-VALUE}): glop (simplex), pdlp (first-order, for large LPs), "
                    + "highs (its duals via OR-Tools are poor: sound but loose bounds).",
                    "Whichever runs, the bound is the safe bound computed from its duals, never its reported objective."})
    String lpSolver;

    @Option(names = "--sdp-time", defaultValue = "10", paramLabel = "S",
            description = {"sdp: wall-clock limit per SDP in seconds, one SDP per margin and direction (default ${DEFAULT-VALUE}).",
                    "Stopping early only loosens the bound: every bound reported is certified."})
    double sdpTime;

    @Option(names = "--sdp-tolerance", defaultValue = "1e-3", paramLabel = "G",
            description = "sdp: stop an SDP once its certified bound is within G of the best network point's value (default ${DEFAULT-VALUE}).")
    double sdpTolerance;

    @Option(names = "--sound", negatable = true, paramLabel = "",
            description = {"Outward rounding: every bound holds in exact arithmetic, not only up to double rounding (interval bounds rounded",
                    "outwards, back-substitution bounds lowered by a rigorous bound of their rounding error). Default: on for verify,",
                    "vnncomp and eval, off for bounds, bench and distortion; --no-sound turns it off."})
    Boolean sound;

    /** The options, with sound mode off unless {@code --sound} was given. */
    BoundOptions toOptions() {
        return toOptions(false);
    }

    /** The options, with sound mode {@code soundByDefault} unless {@code --sound}/{@code --no-sound} was given. */
    BoundOptions toOptions(boolean soundByDefault) {
        BoundOptions.Intermediate mode = switch (intermediate) {
            case "pure" -> BoundOptions.Intermediate.PURE;
            case "intersect-ibp" -> BoundOptions.Intermediate.INTERSECT_IBP;
            default -> throw new InvalidInputException("--intermediate must be pure or intersect-ibp, got '" + intermediate + "'");
        };
        if (alphaIterations < 0) throw new InvalidInputException("--alpha-iterations must be >= 0, got " + alphaIterations);
        if (!(sdpTime > 0) || Double.isInfinite(sdpTime)) throw new InvalidInputException("--sdp-time must be a number of seconds > 0, got " + sdpTime);
        if (!(sdpTolerance >= 0) || Double.isInfinite(sdpTolerance))
            throw new InvalidInputException("--sdp-tolerance must be a finite number >= 0, got " + sdpTolerance);
        SdpOptions sdp = SdpOptions.defaults().withTimeLimit(Duration.ofNanos((long) (sdpTime * 1e9))).withTolerance(sdpTolerance)
                .withMaxIterations(Integer.MAX_VALUE);
        return BoundOptions.defaults().withSdp(sdp).withIntermediate(mode).withAlphaIterations(alphaIterations).withAlphaIntermediate(alphaIntermediate)
                .withLpBackend(dev.verity.lp.LpBackend.parse(lpSolver)).withSound(sound == null ? soundByDefault : sound);
    }
}
