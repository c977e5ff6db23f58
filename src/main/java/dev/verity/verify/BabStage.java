package dev.verity.verify;

import dev.verity.bab.BabOptions;
import dev.verity.bab.InputSplit;
import dev.verity.bab.Outcome;
import dev.verity.bab.ReluSplit;
import dev.verity.milp.MilpOptions;
import dev.verity.milp.ProgressiveTightening;
import dev.verity.relax.Interval;
import dev.verity.spec.Case;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Branch and bound where it suits the network (else a logged skip): input splitting ({@link InputSplit}) on networks with
 * few inputs, ReLU splitting (β-CROWN, {@link ReluSplit}) on ReLU networks with more, each case with open disjuncts in
 * turn (an equal share of the stage's time each). Input splitting may take all the time left: it is complete, in no
 * committed sweep did a stage after it decide a network it suits (ACAS Xu, the 2022 input-splitting families), and it
 * stops early, undecided, when its domains get too small ({@link InputSplit#MIN_WIDTH}), so the later stages still run
 * where it cannot finish. When the MILP follows, ReLU splitting takes at most {@link Verifier#RELU_BAB_SHARE} of it.
 *
 * <p>ReLU splitting with {@code refine} (α,β-CROWN's "bab-refine"; planned on MLPs only, {@link #refinable}): a case that a first attempt within
 * {@code firstShare} of its time leaves open gets its pre-activation bounds tightened by a MILP per
 * unstable neuron, earliest layer first ({@link ProgressiveTightening}, milp-all mode, within
 * {@link Verifier#REFINE_SHARE} of the time then left), and a second attempt over them. What the second attempt excludes
 * rests on the MILP solver's bounds: its evidence is {@link Evidence.Kind#SOLVER} and its stage {@link Verifier#RELU_SPLIT_REFINED}.
 */
record BabStage(BabOptions babOptions, boolean milpFollows, Optional<MilpOptions> refine, double firstShare) implements Stage {

    /** With refinement, the first attempt gets {@link Verifier#REFINE_FIRST_SHARE} of a case's time. */
    BabStage(BabOptions babOptions, boolean milpFollows, Optional<MilpOptions> refine) {
        this(babOptions, milpFollows, refine, Verifier.REFINE_FIRST_SHARE);
    }

    /** One case's branch and bound: its outcome for the listed open disjuncts by the nanoTime deadline, from pre-activation bounds {@code known}. */
    @FunctionalInterface
    interface CaseBab {
        Outcome decide(int caseIndex, List<Integer> disjuncts, long deadlineNanos, Map<Integer, Interval> known);
    }

    @Override
    public Optional<VerificationResult> run(RunState run) {
        Optional<String> inputUnsuited = InputSplit.unsuited(run.net);
        if (inputUnsuited.isEmpty()) {
            InputSplit bab = new InputSplit(run.engine, babOptions, Margins::certified);
            return run(run, Verifier.INPUT_SPLIT, 1, Optional.empty(),
                    (k, idx, until, known) -> bab.decide(run.property, k, idx, until));
        }
        Optional<String> reluUnsuited = ReluSplit.unsuited(run.net);
        if (reluUnsuited.isEmpty()) {
            ReluSplit bab = new ReluSplit(run.engine, babOptions, Margins::certified);
            double share = !milpFollows ? 1 : refine.isPresent() ? Verifier.RELU_BAB_REFINE_SHARE : Verifier.RELU_BAB_SHARE;
            return run(run, Verifier.RELU_SPLIT, share, refine, (k, idx, until, known) -> bab.decide(run.property, k, idx, until, known));
        }
        run.log(new StageLog(Verifier.INPUT_SPLIT, "skipped: " + inputUnsuited.get() + "; " + reluUnsuited.get(), run.openCount(),
                run.openCount(), Double.NaN, 0));
        return Optional.empty();
    }

    /**
     * Every case with open disjuncts within {@code share} of the time left (refined and split again per {@code refine}
     * where a first attempt leaves it open); a verdict when it decides the property.
     */
    private Optional<VerificationResult> run(RunState run, String stage, double share, Optional<MilpOptions> refine, CaseBab bab) {
        long stageDeadline = System.nanoTime() + (long) (share * Math.max(0, run.deadline - System.nanoTime()));
        List<Case> cases = run.property.cases();
        int casesLeft = run.casesOpen();
        String decidedBy = stage;
        for (int k = 0; k < cases.size(); k++) {
            List<Integer> idx = run.openIn(k);
            if (idx.isEmpty()) continue;
            if (run.pastDeadline()) return Optional.of(run.timeout());
            long t0 = System.nanoTime(), caseDeadline = t0 + Math.max(0, stageDeadline - t0) / casesLeft--;
            long firstDeadline = refine.isPresent() ? t0 + (long) (firstShare * (caseDeadline - t0)) : caseDeadline;
            Outcome outcome = attempt(bab, k, idx, firstDeadline, run.bestBounds(k));
            Optional<VerificationResult> end = settle(run, k, idx, outcome, stage, Evidence.Kind.BRANCH_AND_BOUND, t0);
            if (outcome instanceof Outcome.Undecided && refine.isPresent() && end.isEmpty() && System.nanoTime() < caseDeadline) {
                List<Integer> rest = run.openIn(k);
                if (rest.isEmpty()) continue; // the first attempt excluded every disjunct before it stopped
                long t1 = System.nanoTime();
                Optional<Map<Integer, Interval>> refined = refine(run, refine.get(), k, t1 + (long) (Verifier.REFINE_SHARE * (caseDeadline - t1)));
                if (refined.isEmpty()) return Optional.of(run.timeout());
                long t2 = System.nanoTime();
                outcome = attempt(bab, k, rest, caseDeadline, refined.get());
                end = settle(run, k, rest, outcome, Verifier.RELU_SPLIT_REFINED, Evidence.Kind.SOLVER, t2);
                decidedBy = Verifier.RELU_SPLIT_REFINED;
            }
            if (!(outcome instanceof Outcome.Proven)) return end;
        }
        return run.openCount() == 0 ? Optional.of(run.result(Verdict.VERIFIED, decidedBy, null)) : Optional.empty();
    }

    /**
     * Whether refinement suits the network: a multilayer perceptron (dense and ReLU layers, reshapes), where a neuron's
     * MILP has one binary per unstable neuron of the few layers before it and SCIP bounds it within about a second
     * (α,β-CROWN ran its bab-refine on the MLP families, mnistfc and ERAN's). A convolutional net's neuron reads a whole
     * receptive field of unstable neurons, and thousands of such MILPs would only take the splitting's time.
     */
    static boolean refinable(dev.verity.model.Network net) {
        for (dev.verity.model.Node node : net.nodes()) {
            boolean mlp = switch (node.layer()) {
                case dev.verity.model.Layer.Input _, dev.verity.model.Layer.Dense _, dev.verity.model.Layer.Relu _,
                        dev.verity.model.Layer.Flatten _, dev.verity.model.Layer.Reshape _ -> true;
                case dev.verity.model.Layer.Conv2d _, dev.verity.model.Layer.LeakyRelu _, dev.verity.model.Layer.Sigmoid _,
                        dev.verity.model.Layer.Tanh _, dev.verity.model.Layer.MaxPool2d _, dev.verity.model.Layer.AvgPool2d _,
                        dev.verity.model.Layer.Transpose _, dev.verity.model.Layer.Pad _, dev.verity.model.Layer.Add _,
                        dev.verity.model.Layer.Affine _ -> false;
            };
            if (!mlp) return false;
        }
        return true;
    }

    private static Outcome attempt(CaseBab bab, int k, List<Integer> idx, long deadlineNanos, Map<Integer, Interval> known) {
        try {
            return bab.decide(k, idx, deadlineNanos, known);
        } catch (java.util.concurrent.CancellationException e) {
            return new Outcome.Undecided("the deadline", 0, 0, Double.NaN);
        }
    }

    /**
     * Books one attempt's outcome for case k: closes what it excluded (with evidence of {@code kind}) and logs it; a
     * FALSIFIED for a counterexample; for an undecided case a timeout past the deadline, else empty (the later stages may
     * still decide: stopped early at the memory limit or a domain that cannot be split, or with a refinement to come).
     */
    private static Optional<VerificationResult> settle(RunState run, int k, List<Integer> idx, Outcome outcome, String stage, Evidence.Kind kind,
                                                       long t0) {
        boolean outward = kind == Evidence.Kind.BRANCH_AND_BOUND && run.options.boundOptions().sound();
        int before = run.openCount();
        return switch (outcome) {
            case Outcome.Proven p -> {
                for (int j : idx) run.exclude(k, j, stage, kind, Double.NaN, outward);
                run.log(new StageLog(stage, "proved case " + k + ": " + p.domains() + " domains, depth " + p.maxDepth(), before,
                        run.openCount(), Double.NaN, System.nanoTime() - t0, p.domains()));
                yield Optional.empty();
            }
            case Outcome.Refuted r -> {
                run.log(new StageLog(stage, "counterexample (case " + k + ", disjunct " + r.counterexample().disjunctIndex() + "), "
                        + r.domains() + " domains", before, 0, Double.NaN, System.nanoTime() - t0, r.domains()));
                yield Optional.of(run.result(Verdict.FALSIFIED, stage, r.counterexample()));
            }
            case Outcome.Undecided u -> {
                for (int j : u.excluded())
                    if (run.isOpen(k, j)) run.exclude(k, j, stage, kind, Double.NaN, outward);
                run.log(new StageLog(stage, "stopped at " + u.why() + " (case " + k + "): " + u.domains() + " domains, "
                        + u.openDomains() + " open" + (u.excluded().isEmpty() ? "" : ", excluded " + u.excluded().size() + " of " + idx.size()),
                        before, run.openCount(), u.worstMargin(), System.nanoTime() - t0, u.domains()));
                yield run.pastDeadline() ? Optional.of(run.timeout()) : Optional.empty();
            }
        };
    }

    /**
     * Tightens case k's pre-activation bounds by a MILP per unstable neuron, earliest layer first, starting no MILP after
     * {@code untilNanos}; records them as solver bounds and returns the bounds to split from (empty: the run's deadline
     * came first). No LP step: alpha-CROWN's optimised bounds, which the first attempt started from, are about as tight
     * as the LP's (Salman et al. 2019), and on ERAN's 9×200 net the LPs made none of them stable.
     */
    private static Optional<Map<Integer, Interval>> refine(RunState run, MilpOptions milp, int k, long untilNanos) {
        Case c = run.property.cases().get(k);
        Interval box = new Interval(c.input().lower(), c.input().upper());
        Map<Integer, Interval> before = new java.util.TreeMap<>(run.milpBounds(k));
        long t0 = System.nanoTime();
        if (before.isEmpty()) before.putAll(run.engine.intermediateBounds(dev.verity.bounds.Method.CROWN, box, Map.of(), -1)); // no bound stage ran
        ProgressiveTightening.Result r;
        try {
            r = new ProgressiveTightening(run.net, box, milp.withTightening(MilpOptions.Tightening.MILP_ALL), run::checkpoint)
                    .tighten(before, true, Instant.now().plusNanos(Math.max(0, untilNanos - t0)));
        } catch (java.util.concurrent.CancellationException e) {
            run.log(new StageLog("refine", "abandoned at the deadline (case " + k + ")", run.openCount(), run.openCount(), Double.NaN,
                    System.nanoTime() - t0));
            return Optional.empty();
        }
        int crossings = run.mergeSolverBounds(k, r.bounds()) + r.crossings();
        double widthBefore = 0, widthAfter = 0;
        int layers = 0, done = 0;
        for (ProgressiveTightening.LayerReport l : r.layers()) {
            Interval b = before.get(l.node()), a = r.bounds().get(l.node());
            for (int j = 0; j < b.size(); j++) {
                if (b.lower(j) < 0 && b.upper(j) > 0) {
                    widthBefore += b.upper(j) - b.lower(j);
                    widthAfter += a.upper(j) - a.lower(j);
                }
            }
            layers++;
            if (l.milpSkipped() == 0) done++;
        }
        run.log(new StageLog("refine", String.format(java.util.Locale.ROOT,
                "case %d: %d unstable neurons, %d made stable by MILP, their total width %.4g -> %.4g; %d of %d layers refined in full (solver-trusted)%s",
                k, r.unstableBefore(), r.fixedByMilp(), widthBefore, widthAfter, done, layers,
                crossings == 0 ? "" : "; " + crossings + " MILP bound(s) crossed the earlier ones (solver tolerance; the earlier kept)"),
                run.openCount(), run.openCount(), Double.NaN,
                System.nanoTime() - t0));
        return Optional.of(run.milpBounds(k));
    }
}
