package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.milp.MilpBackend;
import dev.verity.milp.MilpOptions;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Optional;

/** The MILP stage's options (paper 004), shared by the commands that run the complete verifier. */
final class MilpOptionsMixin {
    @Option(names = "--milp", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "End with the complete MILP stage until the timeout (default: on; --no-milp stops after the bound methods).")
    boolean milp;

    @Option(names = "--milp-solver", defaultValue = "scip", paramLabel = "S",
            description = "MILP solver (default ${DEFAULT-VALUE}): scip, highs or cbc (all bundled with OR-Tools).")
    String solver;

    @Option(names = "--milp-tightening", defaultValue = "progressive", paramLabel = "MODE",
            description = {"How the MILP's big-M bounds are refined when the first MILP does not decide (default ${DEFAULT-VALUE}):",
                    "progressive: LP, then a MILP per neuron still unstable (paper 004); lp: LPs only; milp-all: MILP per unstable neuron;",
                    "none: the bound methods' bounds."})
    String tightening;

    @Option(names = "--neuron-budget", defaultValue = "1", paramLabel = "S",
            description = "Seconds per neuron side for MILP bound tightening (default ${DEFAULT-VALUE}).")
    double neuronBudget;

    @Option(names = "--milp-params", defaultValue = "", paramLabel = "TEXT",
            description = "Extra solver parameters in the solver's own syntax, lines separated by ';' (e.g. \"limits/nodes = 1000\" for SCIP).")
    String parameters;

    @Option(names = "--bab-refine", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"ReLU-splitting branch and bound: when a first attempt leaves the property open, tighten the intermediate bounds",
                    "with a MILP per unstable neuron (--milp-solver, --neuron-budget) and split again (default: on; needs the MILP).",
                    "What it then proves rests on the solver's bounds and is reported as solver-trusted (stage bab-refine)."})
    boolean babRefine;

    Optional<MilpOptions> toOptions() {
        if (!(neuronBudget > 0) || Double.isInfinite(neuronBudget))
            throw new InvalidInputException("--neuron-budget must be a number of seconds > 0, got " + neuronBudget);
        MilpOptions o = MilpOptions.defaults().withBackend(MilpBackend.parse(solver)).withTightening(MilpOptions.Tightening.parse(tightening))
                .withNeuronBudget(Duration.ofNanos((long) (neuronBudget * 1e9))).withParameters(parameters.replace(';', '\n')).withBabRefine(babRefine);
        return milp ? Optional.of(o) : Optional.empty();
    }
}
