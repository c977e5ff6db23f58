package dev.verity.milp;

import dev.verity.InvalidInputException;
import dev.verity.lp.SolverBackend;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The mixed-integer solvers bundled with OR-Tools that Verity's MILP runs on. Each answers within its own
 * tolerances (SCIP's defaults: feasibility 1e-6, integrality 1e-6): "infeasible" is a proof up to them, which is
 * why the encoding keeps big-M constants as small as the sound bounds allow (docs/verification.md).
 */
public enum MilpBackend implements SolverBackend {
    /** SCIP: the default; stops at the first solution when only feasibility is asked ({@code limits/solutions}). */
    SCIP("scip", "SCIP", "limits/solutions"),
    /** COIN-OR CBC. */
    CBC("cbc", "CBC", null),
    /** HiGHS's branch and bound. */
    HIGHS("highs", "HIGHS", null);

    private final String cliName;
    private final String orToolsId;
    private final String solutionLimitName;

    MilpBackend(String cliName, String orToolsId, String solutionLimitName) {
        this.cliName = cliName;
        this.orToolsId = orToolsId;
        this.solutionLimitName = solutionLimitName;
    }

    @Override public String cliName() { return cliName; }
    @Override public String orToolsId() { return orToolsId; }
    @Override public boolean mixedInteger() { return true; }

    /** CBC through OR-Tools 9.15 reports INFEASIBLE when stopped by its time limit without a point (a test shows it). */
    @Override public boolean reportsInfeasibleAtTimeLimit() { return this == CBC; }

    /**
     * HiGHS prints a banner to standard output unless its output_flag is off. SCIP runs without cutting-plane
     * rounds at the root: on these big-M programs its root separation spends most of the time and prunes little
     * (mnistfc 256x2 prop_1_0.03, disjunct 0, alpha-crown bounds: 41.9 s and 5 nodes with them, 2.9 s and 2 nodes
     * without; disjunct 2: 7.4 s; HiGHS 6.8 s and 16.9 s).
     */
    @Override public String creationParameters() {
        return switch (this) {
            case SCIP -> "separating/maxroundsroot = 0";
            case HIGHS -> "output_flag=false";
            case CBC -> "";
        };
    }

    /**
     * The parameters that stop a minimisation as soon as its sign relative to {@code value} is decided: a point with
     * objective <= value found (SCIP's {@code limits/primal}) or a bound >= value proven ({@code limits/dual}); "" when
     * Verity knows none for this solver (it then solves to the time limit).
     */
    String stopWhenDecided(double value) {
        return this == SCIP ? "limits/primal = " + value + "\nlimits/dual = " + value : "";
    }

    /**
     * The parameter that makes a solve stop after {@code n} feasible points ({@code n = -1}: no limit), or "" when
     * Verity knows none for this solver.
     */
    String solutionLimit(int n) { return solutionLimitName == null ? "" : solutionLimitName + " = " + n; }

    public static MilpBackend parse(String name) {
        for (MilpBackend b : values()) if (b.cliName.equalsIgnoreCase(name)) return b;
        throw new InvalidInputException("unknown MILP solver '" + name + "'; one of: "
                + Arrays.stream(values()).map(MilpBackend::cliName).collect(Collectors.joining(", ")));
    }
}
