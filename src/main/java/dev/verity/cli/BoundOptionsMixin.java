package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundOptions;
import picocli.CommandLine.Option;

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

    BoundOptions toOptions() {
        BoundOptions.Intermediate mode = switch (intermediate) {
            case "pure" -> BoundOptions.Intermediate.PURE;
            case "intersect-ibp" -> BoundOptions.Intermediate.INTERSECT_IBP;
            default -> throw new InvalidInputException("--intermediate must be pure or intersect-ibp, got '" + intermediate + "'");
        };
        if (alphaIterations < 0) throw new InvalidInputException("--alpha-iterations must be >= 0, got " + alphaIterations);
        return BoundOptions.defaults().withIntermediate(mode).withAlphaIterations(alphaIterations).withAlphaIntermediate(alphaIntermediate)
                .withLpBackend(dev.verity.lp.LpBackend.parse(lpSolver));
    }
}
