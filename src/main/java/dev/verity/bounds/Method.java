package dev.verity.bounds;

import dev.verity.InvalidInputException;
import dev.verity.relax.Interval;
import dev.verity.relax.ReluRelaxation;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The bound-propagation presets: a relaxation of each nonlinearity × a solver (architecture table;
 * paper 000 Fig. 1, paper 003 Sec. 2). All but {@link #IBP} use back-substitution; they differ in the
 * ReLU relaxation and in how intermediate bounds are found. hBox's forward symbolic intervals and DeepZ's
 * forward zonotopes compose the same linear lines exactly, so back-substituting those lines gives the
 * same bounds as propagating them forward (paper 000 Sec. 4: the greedy primal solvers agree). {@link #HBOX_FORWARD} is
 * the exception: a hybrid zonotope, whose box terms pass each layer by |W| and so do not compose exactly.
 */
public enum Method {
    /** Box / interval bound propagation. */
    IBP("ibp", null, false),
    /** Symbolic intervals (hBox): constant bounds 0 <= y <= u for unstable ReLUs, exact for stable ones. */
    HBOX("hbox", ReluRelaxation.BOX, false),
    /**
     * hBox as a forward hybrid zonotope (DiffAI's HBox; the domain behind paper 003's hBox numbers): the input's
     * generators kept through affine layers, an unstable ReLU's output the box [0, u], boxes passed by |W|
     * ({@link HybridZonotope}). Chains of dense, conv, affine and ReLU layers.
     */
    HBOX_FORWARD("hbox-forward", ReluRelaxation.BOX, false),
    /** DeepZ = Fast-Lin = Wong–Kolter's LP-GREEDY: parallel slopes u/(u−l). */
    DEEPZ("deepz", ReluRelaxation.PARALLEL, false),
    /** CROWN = DeepPoly: upper chord, adaptive lower slope. */
    CROWN("crown", ReluRelaxation.ADAPTIVE, false),
    /** CROWN with lower slope 0. */
    CROWN_0("crown-0", ReluRelaxation.ZERO, false),
    /** Interval intermediate bounds, CROWN back-substitution for the objective only. */
    CROWN_IBP("crown-ibp", ReluRelaxation.ADAPTIVE, true),
    /** CROWN with the lower slopes of the objective's back-substitution optimised (projected Adam). */
    ALPHA_CROWN("alpha-crown", ReluRelaxation.OPTIMIZED, false),
    /**
     * Paper 000's LP-LAST: DeepZ's (= LP-GREEDY's) intermediate bounds, the objective by the exact Triangle
     * LP. (The relaxation named here is the one the intermediate bounds use.)
     */
    LP_LAST("lp-last", ReluRelaxation.PARALLEL, false, Lp.TRIANGLE_LAST),
    /** Paper 000's LP-ALL: every pre-activation layer's bounds by exact Triangle LPs, layer by layer, then the objective. */
    LP_ALL("lp-all", ReluRelaxation.ADAPTIVE, false, Lp.TRIANGLE_ALL),
    /** The Parallelogram relaxation (paper 003 App. K.1) solved exactly, intermediate bounds by its LPs layer by layer. */
    PARALLELOGRAM("parallelogram", ReluRelaxation.ADAPTIVE, false, Lp.PARALLELOGRAM_ALL),
    /** CROWN's intermediate bounds, the objective by the exact Triangle LP (never looser than CROWN: the Triangle contains CROWN's lines). */
    LP_LAST_CROWN("lp-last-crown", ReluRelaxation.ADAPTIVE, false, Lp.TRIANGLE_LAST),
    /**
     * Paper 001's Lagrangian dual (eq. 4–8) with CROWN's intermediate bounds: multipliers per layer, each
     * inner minimisation in closed form, optimised by Adam from CROWN's implied multipliers; every iterate
     * is a valid bound and the best is kept (anytime), converging to the Triangle LP value. Chains of
     * dense/conv/affine layers and element-wise activations only ({@link BoundEngine#supports}).
     */
    LAGRANGIAN("lagrangian", ReluRelaxation.ADAPTIVE, false),
    /**
     * Paper 002's SDP relaxation (eq. 3, 4 and, for several hidden layers, eq. 7) plus the triangle cut, with CROWN's
     * intermediate bounds (002 uses intervals, eq. 8; CROWN's are never looser): one SDP per objective row, solved by a first-order
     * dual method whose every reported bound is certified ({@link dev.verity.sdp.SdpSolver}). Chains of Dense and
     * ReLU layers only ({@link BoundEngine#supports}).
     */
    SDP("sdp", ReluRelaxation.ADAPTIVE, false);

    /** How an LP preset uses linear programs (NONE: a bound-propagation preset). */
    public enum Lp {
        NONE, TRIANGLE_LAST, TRIANGLE_ALL, PARALLELOGRAM_ALL;

        /** Whether intermediate bounds come from LPs (layer by layer) rather than back-substitution. */
        public boolean allLayers() { return this == TRIANGLE_ALL || this == PARALLELOGRAM_ALL; }
    }

    private final String cliName;
    private final ReluRelaxation relaxation;
    private final boolean intervalIntermediate;
    private final Lp lp;

    Method(String cliName, ReluRelaxation relaxation, boolean intervalIntermediate) {
        this(cliName, relaxation, intervalIntermediate, Lp.NONE);
    }

    Method(String cliName, ReluRelaxation relaxation, boolean intervalIntermediate, Lp lp) {
        this.cliName = cliName;
        this.relaxation = relaxation;
        this.intervalIntermediate = intervalIntermediate;
        this.lp = lp;
    }

    /** How this preset uses exact LPs ({@link Lp#NONE} for bound propagation). */
    public Lp lp() { return lp; }

    public String cliName() { return cliName; }

    /** The ReLU relaxation (null for IBP, which propagates intervals). */
    public ReluRelaxation relaxation() { return relaxation; }

    /** Whether intermediate bounds come from interval propagation rather than back-substitution. */
    public boolean intervalIntermediate() { return intervalIntermediate; }

    /**
     * Whether sound mode ({@link BoundOptions#sound()}) makes this preset's bounds hold in exact arithmetic: interval
     * propagation rounded outwards, back-substitution and the Lagrangian dual with their rounding error subtracted, LPs by
     * safe dual bounds over such intermediate bounds, the SDP by its certified dual bound (every entry of the dual matrix
     * formed with a γ-bound of its error, λ_min bounded by a Cholesky factorisation with Higham's error bound and Weyl's
     * inequality, the boxes and the ReLU's upper line rounded outwards: {@link dev.verity.sdp.SdpSolver}) over such
     * intermediate bounds. All of them: a preset not listed here would say "nearest" in a verdict's evidence.
     */
    public boolean roundingSound() {
        return switch (this) {
            case IBP, HBOX, HBOX_FORWARD, DEEPZ, CROWN, CROWN_0, CROWN_IBP, ALPHA_CROWN, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN, LAGRANGIAN, SDP -> true;
        };
    }

    public static Method parse(String name) {
        if (name.equalsIgnoreCase("lp-greedy")) return DEEPZ; // paper 000's name for Wong & Kolter's dual = DeepZ's bounds
        for (Method m : values()) if (m.cliName.equalsIgnoreCase(name)) return m;
        throw new InvalidInputException("unknown method '" + name + "'; one of: " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(Method::cliName).collect(Collectors.joining(", ")) + " (lp-greedy = deepz)";
    }

    @Override public String toString() { return cliName; }
}
