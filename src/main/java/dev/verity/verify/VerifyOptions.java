package dev.verity.verify;

import dev.verity.bab.BabOptions;
import dev.verity.bab.InputSplit;
import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundOptions;
import dev.verity.bounds.Method;
import dev.verity.milp.MilpOptions;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of a {@link Verifier} run.
 *
 * @param timeout       wall-clock budget of the whole run; past it the verdict is TIMEOUT
 * @param pgd           the attack run first (its own deadline is replaced by the run's PGD deadline)
 * @param pgdShare      the fraction of {@code timeout} the first attack may use (it stops earlier when done)
 * @param methods       the bound methods tried in order, cheapest first
 * @param boundOptions  options of the bound engine
 * @param milp          the complete MILP stage after the bound methods (paper 004), empty for an incomplete run
 * @param explicitMethods whether {@code methods} was chosen by the user: then every stage runs (the caller checked that
 *                      the network supports it); otherwise a stage that does not suit the network is skipped with a
 *                      logged reason ({@link Verifier#unsuited}: sdp only on small one-hidden-layer ReLU nets)
 * @param bab           branch and bound after the bound methods, before the MILP, where it suits the network (input
 *                      splitting: at most {@link InputSplit#MAX_INPUTS} inputs); empty for none
 */
public record VerifyOptions(Duration timeout, PgdOptions pgd, double pgdShare, List<Method> methods, BoundOptions boundOptions,
                            Optional<MilpOptions> milp, boolean explicitMethods, Optional<BabOptions> bab) {

    /**
     * ibp → crown → alpha-crown → sdp → lp-all: each step costs roughly an order of magnitude more than the one before.
     * sdp (paper 002) runs only where it suits the network ({@link Verifier#unsuited}).
     * The LP stage is lp-all, not the cheaper lp-last-crown: an LP over CROWN's intermediate bounds is looser
     * than alpha-crown on the open properties (mnist 256x2 prop_0_0.03: −0.53 vs −0.17), so after alpha-crown
     * only LP-tightened intermediate bounds can exclude anything more (see docs/verification.md).
     */
    public static final List<Method> DEFAULT_METHODS = List.of(Method.IBP, Method.CROWN, Method.ALPHA_CROWN, Method.SDP, Method.LP_ALL);

    /** Stages not chosen by the user, no branch and bound. */
    public VerifyOptions(Duration timeout, PgdOptions pgd, double pgdShare, List<Method> methods, BoundOptions boundOptions, Optional<MilpOptions> milp) {
        this(timeout, pgd, pgdShare, methods, boundOptions, milp, false, Optional.empty());
    }

    public VerifyOptions {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(pgd, "pgd");
        Objects.requireNonNull(boundOptions, "boundOptions");
        Objects.requireNonNull(milp, "milp");
        Objects.requireNonNull(bab, "bab");
        if (timeout.isNegative()) throw new IllegalArgumentException("timeout must be >= 0, got " + timeout);
        if (!(pgdShare > 0 && pgdShare <= 1)) throw new IllegalArgumentException("pgdShare must be in (0, 1], got " + pgdShare);
        methods = List.copyOf(methods);
    }

    /**
     * The defaults: PGD with 50 starts of 50 steps (on mnist-net_256x2 that finds the VNN-COMP counterexamples
     * in well under a second; see {@link PgdOptions#defaults()} for the schedule) limited to a quarter of the
     * budget, then {@link #DEFAULT_METHODS} with the engine's default options, then branch and bound where it suits the
     * network, then the MILP (SCIP, progressive tightening) until the timeout — complete for piecewise-linear networks
     * given the time.
     */
    public static VerifyOptions defaults(Duration timeout) {
        return new VerifyOptions(timeout, PgdOptions.defaults().withRestarts(50).withSteps(50).withBatchSize(50), 0.25,
                DEFAULT_METHODS, BoundOptions.defaults(), Optional.of(MilpOptions.defaults()), false, Optional.of(BabOptions.defaults()));
    }

    public VerifyOptions withTimeout(Duration t) { return new VerifyOptions(t, pgd, pgdShare, methods, boundOptions, milp, explicitMethods, bab); }
    public VerifyOptions withPgd(PgdOptions p) { return new VerifyOptions(timeout, p, pgdShare, methods, boundOptions, milp, explicitMethods, bab); }
    public VerifyOptions withMethods(List<Method> m) { return new VerifyOptions(timeout, pgd, pgdShare, m, boundOptions, milp, explicitMethods, bab); }
    /** With stages the user chose: every one runs, none is skipped as unsuited. */
    public VerifyOptions withExplicitMethods(List<Method> m) { return new VerifyOptions(timeout, pgd, pgdShare, m, boundOptions, milp, true, bab); }
    public VerifyOptions withBoundOptions(BoundOptions b) { return new VerifyOptions(timeout, pgd, pgdShare, methods, b, milp, explicitMethods, bab); }
    /** With the MILP stage (empty: incomplete, the run ends after the bound methods). */
    public VerifyOptions withMilp(Optional<MilpOptions> m) { return new VerifyOptions(timeout, pgd, pgdShare, methods, boundOptions, m, explicitMethods, bab); }
    /** With branch and bound (empty: none). */
    public VerifyOptions withBab(Optional<BabOptions> b) { return new VerifyOptions(timeout, pgd, pgdShare, methods, boundOptions, milp, explicitMethods, b); }
}
