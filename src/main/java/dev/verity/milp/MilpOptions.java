package dev.verity.milp;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the MILP stage (paper 004).
 *
 * @param backend      the mixed-integer solver
 * @param tightening   how intermediate bounds are refined before the main MILP ({@link Tightening})
 * @param neuronBudget time limit of one neuron side's MILP during tightening (MIPVerify's per-neuron limit)
 * @param threads      solvers run in parallel (neurons of a layer during tightening; disjuncts in the main solve)
 * @param parameters   extra solver-specific parameters in the solver's own syntax ("" for none), e.g. SCIP's
 *                     {@code "separating/maxroundsroot = 5"}
 * @param babRefine    whether ReLU-splitting branch and bound, when a first attempt leaves a case open, may tighten its
 *                     pre-activation bounds with a MILP per unstable neuron and split again (α,β-CROWN's "bab-refine";
 *                     what it then proves rests on the solver's bounds)
 */
public record MilpOptions(MilpBackend backend, Tightening tightening, Duration neuronBudget, int threads, String parameters, boolean babRefine)
        implements java.io.Serializable {

    /**
     * Where the big-M constants come from. PROGRESSIVE is paper 004 Sec. 4.2: the bound engine's bounds, then an LP
     * for the neurons still unstable, then a time-limited MILP for those the LP could not fix. The others are 004
     * Table 1's ablations: LP_ONLY stops after the LPs, MILP_ALL skips the cheap steps (a MILP for every unstable
     * neuron), NONE keeps the bound engine's bounds.
     */
    public enum Tightening {
        NONE("none"), LP_ONLY("lp"), PROGRESSIVE("progressive"), MILP_ALL("milp-all");

        private final String cliName;

        Tightening(String cliName) { this.cliName = cliName; }

        public String cliName() { return cliName; }

        public static Tightening parse(String s) {
            for (Tightening t : values()) if (t.cliName.equalsIgnoreCase(s)) return t;
            throw new dev.verity.InvalidInputException("unknown tightening '" + s + "'; one of: none, lp, progressive, milp-all");
        }
    }

    public MilpOptions {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(tightening, "tightening");
        Objects.requireNonNull(neuronBudget, "neuronBudget");
        if (neuronBudget.isNegative() || neuronBudget.isZero()) throw new IllegalArgumentException("neuron budget must be > 0, got " + neuronBudget);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        Objects.requireNonNull(parameters, "parameters");
    }

    /** SCIP, progressive tightening with 1 s per neuron side, one solver per core, refinement for ReLU splitting. */
    public static MilpOptions defaults() {
        return new MilpOptions(MilpBackend.SCIP, Tightening.PROGRESSIVE, Duration.ofSeconds(1), Runtime.getRuntime().availableProcessors(), "", true);
    }

    public MilpOptions withBackend(MilpBackend b) { return new MilpOptions(b, tightening, neuronBudget, threads, parameters, babRefine); }
    public MilpOptions withTightening(Tightening t) { return new MilpOptions(backend, t, neuronBudget, threads, parameters, babRefine); }
    public MilpOptions withNeuronBudget(Duration d) { return new MilpOptions(backend, tightening, d, threads, parameters, babRefine); }
    public MilpOptions withThreads(int n) { return new MilpOptions(backend, tightening, neuronBudget, n, parameters, babRefine); }
    public MilpOptions withParameters(String p) { return new MilpOptions(backend, tightening, neuronBudget, threads, p, babRefine); }
    public MilpOptions withBabRefine(boolean on) { return new MilpOptions(backend, tightening, neuronBudget, threads, parameters, on); }
}
