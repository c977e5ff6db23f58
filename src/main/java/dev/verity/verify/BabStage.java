package dev.verity.verify;

import dev.verity.bab.BabOptions;
import dev.verity.bab.InputSplit;
import dev.verity.bab.Outcome;
import dev.verity.bab.ReluSplit;
import dev.verity.spec.Case;

import java.util.List;
import java.util.Optional;

/**
 * Branch and bound where it suits the network (else a logged skip): input splitting ({@link InputSplit}) on networks with
 * few inputs, ReLU splitting (β-CROWN, {@link ReluSplit}) on ReLU networks with more, each case with open disjuncts in
 * turn (an equal share of the stage's time each). When the MILP follows, the stage takes at most
 * {@link Verifier#BAB_SHARE} (input splitting) or {@link Verifier#RELU_BAB_SHARE} (ReLU splitting) of the time left.
 */
record BabStage(BabOptions babOptions, boolean milpFollows) implements Stage {

    /** One case's branch and bound: its outcome for the listed open disjuncts by the nanoTime deadline. */
    @FunctionalInterface
    interface CaseBab {
        Outcome decide(int caseIndex, List<Integer> disjuncts, long deadlineNanos);
    }

    @Override
    public Optional<VerificationResult> run(RunState run) {
        Optional<String> inputUnsuited = InputSplit.unsuited(run.net);
        if (inputUnsuited.isEmpty()) {
            InputSplit bab = new InputSplit(run.engine, babOptions, Margins::certified);
            return run(run, Verifier.INPUT_SPLIT, milpFollows ? Verifier.BAB_SHARE : 1,
                    (k, idx, until) -> bab.decide(run.property, k, idx, until));
        }
        Optional<String> reluUnsuited = ReluSplit.unsuited(run.net);
        if (reluUnsuited.isEmpty()) {
            ReluSplit bab = new ReluSplit(run.engine, babOptions, Margins::certified);
            return run(run, Verifier.RELU_SPLIT, milpFollows ? Verifier.RELU_BAB_SHARE : 1,
                    (k, idx, until) -> bab.decide(run.property, k, idx, until, run.bestBounds(k)));
        }
        run.log(new StageLog(Verifier.INPUT_SPLIT, "skipped: " + inputUnsuited.get() + "; " + reluUnsuited.get(), run.openCount(),
                run.openCount(), Double.NaN, 0));
        return Optional.empty();
    }

    /** Every case with open disjuncts within {@code share} of the time left; a verdict when it decides the property. */
    private Optional<VerificationResult> run(RunState run, String stage, double share, CaseBab bab) {
        long stageDeadline = System.nanoTime() + (long) (share * Math.max(0, run.deadline - System.nanoTime()));
        List<Case> cases = run.property.cases();
        boolean outward = run.options.boundOptions().sound();
        int casesLeft = run.casesOpen();
        for (int k = 0; k < cases.size(); k++) {
            List<Integer> idx = run.openIn(k);
            if (idx.isEmpty()) continue;
            if (run.pastDeadline()) return Optional.of(run.timeout());
            long t0 = System.nanoTime(), caseDeadline = t0 + Math.max(0, stageDeadline - t0) / casesLeft--;
            int before = run.openCount();
            Outcome outcome;
            try {
                outcome = bab.decide(k, idx, caseDeadline);
            } catch (java.util.concurrent.CancellationException e) {
                outcome = new Outcome.Undecided("the deadline", 0, 0, Double.NaN);
            }
            switch (outcome) {
                case Outcome.Proven p -> {
                    for (int j : idx) run.exclude(k, j, stage, Evidence.Kind.BRANCH_AND_BOUND, Double.NaN, outward);
                    run.log(new StageLog(stage, "proved case " + k + ": " + p.domains() + " domains, depth " + p.maxDepth(), before,
                            run.openCount(), Double.NaN, System.nanoTime() - t0, p.domains()));
                }
                case Outcome.Refuted r -> {
                    run.log(new StageLog(stage, "counterexample (case " + k + ", disjunct " + r.counterexample().disjunctIndex() + "), "
                            + r.domains() + " domains", before, 0, Double.NaN, System.nanoTime() - t0, r.domains()));
                    return Optional.of(run.result(Verdict.FALSIFIED, stage, r.counterexample()));
                }
                case Outcome.Undecided u -> {
                    for (int j : u.excluded())
                        if (run.isOpen(k, j)) run.exclude(k, j, stage, Evidence.Kind.BRANCH_AND_BOUND, Double.NaN, outward);
                    run.log(new StageLog(stage, "stopped at " + u.why() + " (case " + k + "): " + u.domains() + " domains, "
                            + u.openDomains() + " open" + (u.excluded().isEmpty() ? "" : ", excluded " + u.excluded().size() + " of " + idx.size()),
                            before, run.openCount(), u.worstMargin(), System.nanoTime() - t0, u.domains()));
                    // Stopped early (memory, a domain that cannot be split) with time left: the later stages may still decide.
                    return run.pastDeadline() ? Optional.of(run.timeout()) : Optional.empty();
                }
            }
        }
        return run.openCount() == 0 ? Optional.of(run.result(Verdict.VERIFIED, stage, null)) : Optional.empty();
    }
}
