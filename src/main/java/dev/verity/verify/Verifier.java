package dev.verity.verify;

import dev.verity.attack.Counterexamples;
import dev.verity.bab.BabOptions;
import dev.verity.bab.InputSplit;
import dev.verity.bab.ReluSplit;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.milp.MilpOptions;
import dev.verity.lp.TriangleLp;
import dev.verity.model.Network;
import dev.verity.spec.VnnlibProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The verification pipeline: a cheap PGD attack, then bound methods from cheapest to tightest
 * (by default {@code ibp → crown → alpha-crown → lp-all}), stopping at the first decisive answer.
 *
 * <h2>Semantics</h2>
 * A VNN-LIB property describes unsafe outputs per input box. It holds (VERIFIED) iff for every case, every
 * unsafe disjunct is excluded; a disjunct is excluded when some row {@code c·y + d} has a certified lower bound
 * above the tolerance τ of {@link Margins} (τ = 1e-7·max(1, |lower|, |upper|): bounds are computed in double
 * without outward rounding, and a margin in (0, τ] is UNKNOWN, never VERIFIED). Each method bounds, per case,
 * one objective made of all rows of the disjuncts still open; a disjunct excluded by a cheap method is not
 * bounded again by the expensive ones. The property is violated (FALSIFIED) only with a counterexample that
 * {@link Counterexamples#confirm} accepts — inside the box exactly, unsafe in the double and in the float32
 * forward pass — and the verifier re-confirms the attack's point itself before reporting it.
 *
 * <h2>Time</h2>
 * The deadline is checked before every stage and every case; PGD gets its own share of it and stops by itself. When the
 * MILP stage follows, an LP method or the SDP gets at most {@link #LP_SHARE} of the time left and is abandoned past it.
 * On networks with few inputs, input-splitting branch and bound ({@link InputSplit}) runs after the cheap bound methods
 * (ibp, crown) and before the rest, with all the time left; if it stops undecided with time left (domains too small
 * to split, the queue's memory limit), the later stages go on.
 * The bound engine cannot be interrupted, so each bound computation runs on a daemon thread that the verifier
 * stops waiting for at the deadline (the stage is abandoned and the verdict is TIMEOUT; the computation finishes
 * in the background and its result is dropped).
 */
public final class Verifier {
    private final Network net;
    private final BoundEngine engine;
    private final VerifyOptions options;

    /** A verifier for one network; reuse it for several properties (the bound engine caches per-layer constants). */
    public Verifier(Network net, VerifyOptions options) {
        this.net = net;
        this.options = options;
        this.engine = new BoundEngine(net, options.boundOptions());
    }

    /** The largest lifted dimension (1 + inputs + hidden neurons) at which the default pipeline runs the SDP stage. */
    public static final int SDP_MAX_DIMENSION = 2_000;

    /**
     * Why a default stage does not suit the network (so the default pipeline skips it), or empty. The SDP (paper 002)
     * suits a chain of Dense and ReLU layers with one hidden layer — 002's eq. 4, where its Table 1 shows the SDP far
     * tighter than the LP; with more layers CROWN's intermediate bounds limit it and lp-all follows anyway — and a
     * lifted dimension of at most {@link #SDP_MAX_DIMENSION}: each certification factorises the dense n×n dual
     * matrix (n³/3 flops, about 0.3 s at n = 1,285, and 8n² bytes). {@code --methods} runs it on any net it covers.
     */
    public static Optional<String> unsuited(Network net, Method method) {
        return switch (method) {
            case SDP -> {
                Optional<String> uncovered = dev.verity.sdp.SdpProblem.uncovered(net);
                if (uncovered.isPresent()) yield uncovered;
                int layers = dev.verity.sdp.SdpProblem.hiddenLayers(net), n = dev.verity.sdp.SdpProblem.fullDimension(net);
                if (layers != 1) yield Optional.of("the default pipeline runs sdp on one-hidden-layer nets only (this one has " + layers + ")");
                if (n > SDP_MAX_DIMENSION) yield Optional.of("lifted dimension " + n + " > " + SDP_MAX_DIMENSION);
                yield Optional.empty();
            }
            case LAGRANGIAN -> new BoundEngine(net).supports(method) ? Optional.empty() : Optional.of("the Lagrangian dual does not cover this network");
            case HBOX_FORWARD -> new BoundEngine(net).supports(method) ? Optional.empty() : Optional.of("hbox-forward does not cover this network");
            case IBP, HBOX, DEEPZ, CROWN, CROWN_0, CROWN_IBP, ALPHA_CROWN, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN -> Optional.empty();
        };
    }

    public static VerificationResult verify(Network net, VnnlibProperty property, VerifyOptions options) {
        return new Verifier(net, options).verify(property, s -> {});
    }

    public VerificationResult verify(VnnlibProperty property) {
        return verify(property, s -> {});
    }

    /** Verifies {@code property}, telling {@code listener} about every stage as soon as it ends. */
    public VerificationResult verify(VnnlibProperty property, Consumer<StageLog> listener) {
        RunState run = new RunState(net, engine, options, property, listener, nanos(options.timeout()));
        // An empty unsafe set (no cases, or no disjuncts) holds without any computation.
        if (run.openCount() == 0) return run.result(Verdict.VERIFIED, "trivial", null);
        for (Stage stage : plan()) {
            // The MILP stage reports a refused encoding before it looks at the clock; every other stage needs time left.
            boolean needsTime = switch (stage) {
                case MilpStage _ -> false;
                case AttackStage _, BoundStage _, BabStage _ -> true;
            };
            if (needsTime && run.pastDeadline()) return run.timeout();
            Optional<VerificationResult> verdict = stage.run(run);
            if (verdict.isPresent()) return verdict.get();
        }
        return run.result(Verdict.UNKNOWN, null, null);
    }

    /**
     * The stages, in order: PGD; the bound methods ({@code --methods} or the default list), with branch and bound (a
     * default stage, not with {@code --methods}) before the first method that is not {@link #beforeBab}; the MILP last.
     * An LP method or the SDP is time-boxed when the MILP will run ({@link BoundStage}).
     */
    List<Stage> plan() {
        List<Stage> plan = new ArrayList<>();
        plan.add(new AttackStage(nanos(options.timeout())));
        boolean large = net.reluCount() > LARGE_NET_RELUS;
        // why the MILP cannot encode this net, or is not expected to finish on it, if so
        Optional<String> milpRefused = TriangleLp.exactlyEncodable(net).or(() -> large
                ? Optional.of(String.format("not expected to finish on %,d ReLUs (more than %,d); branch and bound keeps the time", net.reluCount(), LARGE_NET_RELUS))
                : Optional.empty());
        boolean milpWillRun = options.milp().isPresent() && milpRefused.isEmpty();
        boolean babPending = options.bab().isPresent() && !options.explicitMethods();
        Optional<MilpOptions> refine = options.milp().filter(m -> milpWillRun && m.babRefine() && BabStage.refinable(net));
        Optional<BabOptions> bab = options.bab().map(b -> large ? b.forLargeNetworks() : b);
        for (Method method : options.methods()) {
            if (babPending && !beforeBab(method)) {
                babPending = false;
                plan.add(new BabStage(bab.get(), milpWillRun, refine));
            }
            if (method == Method.ALPHA_CROWN && !options.explicitMethods() && options.boundOptions().alphaIntermediate())
                plan.add(new BoundStage(method, false, engine.withoutAlphaIntermediate(), OBJECTIVE_SLOPES, 0));
            boolean timeBoxed = (method.lp() != Method.Lp.NONE || method == Method.SDP) && milpWillRun;
            boolean reluSplitFollows = babPending && ReluSplit.unsuited(net).isEmpty();
            plan.add(method == Method.ALPHA_CROWN && reluSplitFollows ? new BoundStage(method, timeBoxed, null, "", ALPHA_INTERMEDIATE_SHARE)
                    : new BoundStage(method, timeBoxed));
        }
        if (babPending) plan.add(new BabStage(bab.get(), milpWillRun, refine));
        options.milp().ifPresent(m -> plan.add(new MilpStage(m, milpRefused)));
        return plan;
    }

    /**
     * Whether a default stage runs before branch and bound: the cheap methods always; alpha-CROWN too before ReLU
     * splitting, whose root domain starts from the tightest intermediate bounds so far — on ERAN's 9×200 net
     * alpha-CROWN's optimised ones leave a margin of −29 where CROWN's leave −68, and each split only tightens from there.
     */
    private boolean beforeBab(Method method) {
        return cheap(method) || (method == Method.ALPHA_CROWN && InputSplit.unsuited(net).isPresent());
    }

    /**
     * Whether a method costs about one back-substitution pass (branch and bound runs after these and before the
     * rest: on a net with few inputs, splitting decides in milliseconds what alpha-crown and the LPs take seconds for).
     */
    static boolean cheap(Method method) {
        return switch (method) {
            case IBP, HBOX, HBOX_FORWARD, DEEPZ, CROWN, CROWN_0, CROWN_IBP -> true;
            case ALPHA_CROWN, LAGRANGIAN, SDP, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN -> false;
        };
    }

    /**
     * The default pipeline runs alpha-CROWN twice: first with the objective's slopes only (over CROWN's intermediate
     * bounds: about as many back-substitutions of the objective rows as steps), then, for what is still open, with every
     * intermediate layer's slopes too (a back-substitution per neuron and step). On ResNet-4B (cifar10_resnet, 14,436
     * ReLUs) the full optimisation did not finish in 283 s, while the first kind proves prop_6_eps_0.004 in 7.7 s; on
     * deep MLPs (ERAN 9×200) only the full one closes the gap, and the first costs a few seconds there.
     */
    static final String OBJECTIVE_SLOPES = " (objective slopes only)";

    /**
     * The most of a case's time left that alpha-CROWN's intermediate optimisation may take when ReLU splitting follows
     * it ({@link BoundEngine#withAlphaIntermediateBudget}): on ResNet-4B the full optimisation outlasted a 300 s budget
     * and left ReLU splitting nothing; on the MLPs of mnistfc, ERAN and oval21's CNNs it takes well under this share
     * (at most 39 s of 300 s), so they are unchanged.
     */
    static final double ALPHA_INTERMEDIATE_SHARE = 0.25;

    /**
     * Past this many ReLUs a network is large for the default pipeline: it does not end with the MILP (nor keep half of
     * the time for it), and ReLU splitting keeps each child's parent bounds instead of recomputing them, with fewer
     * β-CROWN steps per batch ({@link BabOptions#forLargeNetworks()}). The largest net on which the MILP decided anything
     * in the committed sweeps is oval21's cifar_wide_kw (6,244 ReLUs, img9214 in 392 s of 720 s); on cifar10_resnet's
     * ResNet-4B (14,436) its bound tightening fixed none of 1,063 unstable neurons, the half of the time it took from
     * ReLU splitting left prop_0 open, and recomputing the children's bounds took 62 % of ReLU splitting's time; with
     * all three changes prop_0 is proved.
     */
    static final long LARGE_NET_RELUS = 10_000;

    /** The stage name of input-splitting branch and bound in logs and verdicts. */
    public static final String INPUT_SPLIT = "bab-input";

    /** The stage name of ReLU-splitting branch and bound (β-CROWN) in logs and results. */
    public static final String RELU_SPLIT = "bab-relu";

    /** The stage name of ReLU-splitting branch and bound over MILP-refined bounds (α,β-CROWN's "bab-refine"): solver-trusted. */
    public static final String RELU_SPLIT_REFINED = "bab-refine";

    /**
     * With refinement ({@link MilpOptions#babRefine()}), ReLU splitting takes this share of the time left when the MILP
     * follows: on ERAN's 9×200 net, branch and bound over refined bounds closes gaps (idx 2697: −28.9 → −2.1 in 57 s) that
     * lp-all and the MILP after it never narrowed; the MILP still gets the rest, over the refined bounds.
     */
    static final double RELU_BAB_REFINE_SHARE = 0.8;

    /** With refinement, the share of a case's branch-and-bound time its first attempt (over the sound bounds alone) gets. */
    static final double REFINE_FIRST_SHARE = 0.2;

    /** With refinement, the share of the case's time left after the first attempt the per-neuron MILPs may take. */
    static final double REFINE_SHARE = 0.5;

    /**
     * The share of ReLU splitting (β-CROWN) when the MILP follows: half. The MILP decides some mnistfc instances that
     * splitting leaves open within the time (256x4 prop_5_0.03 in 70 s), and gets the disjuncts splitting excluded
     * closed already.
     */
    static final double RELU_BAB_SHARE = 0.5;

    /** The most of the time left an LP method may take when a MILP stage follows it. */
    static final double LP_SHARE = 0.5;

    /** Budgets beyond ~3 years count as 3 years: deadlines on the nanoTime clock then never overflow. */
    private static long nanos(java.time.Duration d) {
        return d.compareTo(MAX_BUDGET) > 0 ? MAX_BUDGET.toNanos() : d.toNanos();
    }

    private static final java.time.Duration MAX_BUDGET = java.time.Duration.ofDays(1000);
}
