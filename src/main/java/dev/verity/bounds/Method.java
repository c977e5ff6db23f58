package dev.verity.bounds;

import dev.verity.InvalidInputException;
import dev.verity.relax.ReluRelaxation;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The bound-propagation presets: a relaxation of each nonlinearity × a solver (architecture table;
 * paper 000 Fig. 1, paper 003 Sec. 2). All but {@link #IBP} use back-substitution; they differ in the
 * ReLU relaxation and in how intermediate bounds are found. hBox's forward symbolic intervals and DeepZ's
 * forward zonotopes compose the same linear lines exactly, so back-substituting those lines gives the
 * same bounds as propagating them forward (paper 000 Sec. 4: the greedy primal solvers agree).
 */
public enum Method {
    /** Box / interval bound propagation. */
    IBP("ibp", null, false),
    /** Symbolic intervals (hBox): constant bounds 0 <= y <= u for unstable ReLUs, exact for stable ones. */
    HBOX("hbox", ReluRelaxation.BOX, false),
    /** DeepZ = Fast-Lin = Wong–Kolter's LP-GREEDY: parallel slopes u/(u−l). */
    DEEPZ("deepz", ReluRelaxation.PARALLEL, false),
    /** CROWN = DeepPoly: upper chord, adaptive lower slope. */
    CROWN("crown", ReluRelaxation.ADAPTIVE, false),
    /** CROWN with lower slope 0. */
    CROWN_0("crown-0", ReluRelaxation.ZERO, false),
    /** Interval intermediate bounds, CROWN back-substitution for the objective only. */
    CROWN_IBP("crown-ibp", ReluRelaxation.ADAPTIVE, true),
    /** CROWN with the lower slopes of the objective's back-substitution optimised (projected Adam). */
    ALPHA_CROWN("alpha-crown", ReluRelaxation.OPTIMIZED, false);

    private final String cliName;
    private final ReluRelaxation relaxation;
    private final boolean intervalIntermediate;

    Method(String cliName, ReluRelaxation relaxation, boolean intervalIntermediate) {
        this.cliName = cliName;
        this.relaxation = relaxation;
        this.intervalIntermediate = intervalIntermediate;
    }

    public String cliName() { return cliName; }

    /** The ReLU relaxation (null for IBP, which propagates intervals). */
    public ReluRelaxation relaxation() { return relaxation; }

    /** Whether intermediate bounds come from interval propagation rather than back-substitution. */
    public boolean intervalIntermediate() { return intervalIntermediate; }

    public static Method parse(String name) {
        for (Method m : values()) if (m.cliName.equalsIgnoreCase(name)) return m;
        throw new InvalidInputException("unknown method '" + name + "'; one of: " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(Method::cliName).collect(Collectors.joining(", "));
    }

    @Override public String toString() { return cliName; }
}
