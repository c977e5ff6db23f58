package dev.verity.lp;

import dev.verity.InvalidInputException;

/**
 * The LP solver behind {@link OrToolsLpSolver}. Whichever runs, Verity's bound is the safe bound computed
 * from the returned duals ({@link SafeBound}), so a solver that stops early or reports inexact or even
 * wrong-signed duals costs tightness, never soundness.
 */
public enum LpBackend implements SolverBackend {
    /** GLOP: OR-Tools' primal/dual simplex; exact vertices, the default. */
    GLOP("glop", "GLOP"),
    /** PDLP: first-order primal–dual hybrid gradient; for large LPs where simplex is slow; approximate duals. */
    PDLP("pdlp", "PDLP"),
    /**
     * HiGHS, bundled with OR-Tools. Its duals through OR-Tools 9.15's interface are unusable (a toy LP with
     * dual −2 reports +4): the safe bound clips them and stays sound but loose (mnistfc 256x2 prop_0_0.03,
     * lp-last-crown: −205.3 vs GLOP's −0.528). Kept selectable as an independent cross-check of soundness.
     */
    HIGHS("highs", "HIGHS");

    private final String cliName;
    private final String orToolsId;

    LpBackend(String cliName, String orToolsId) {
        this.cliName = cliName;
        this.orToolsId = orToolsId;
    }

    @Override public String cliName() { return cliName; }

    @Override public String orToolsId() { return orToolsId; }

    @Override public boolean mixedInteger() { return false; }

    /** HiGHS prints a banner to standard output (which would corrupt --json output) unless its own output_flag is off. */
    @Override public String creationParameters() { return this == HIGHS ? "output_flag=false" : ""; }

    public static LpBackend parse(String name) {
        for (LpBackend b : values()) if (b.cliName.equalsIgnoreCase(name)) return b;
        throw new InvalidInputException("unknown LP solver '" + name + "'; one of: glop, pdlp, highs");
    }
}
