package dev.verity.verify;

import dev.verity.attack.Counterexample;
import dev.verity.bounds.Method;
import dev.verity.milp.MilpOptions;
import dev.verity.milp.MilpVerifier;
import dev.verity.milp.ProgressiveTightening;
import dev.verity.relax.Interval;
import dev.verity.spec.Case;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The complete stage (paper 004): per case with open disjuncts (an equal share of the time left each), one MILP per open
 * disjunct over the best bounds so far (the sound ones intersected with any the ReLU-splitting refinement took from a
 * MILP solver: {@link RunState#milpBounds}) within 30 % of the case's time; if some stay open, progressive tightening (within
 * half the time then left) and the MILP again until the case's deadline. With nothing to tighten, the first MILP gets all
 * the case's time. A disjunct the MILP excludes rests on the solver's word ({@link Evidence.Kind#SOLVER}). {@code refused}:
 * why the MILP cannot encode the network (then the stage is a logged skip and the verdict UNKNOWN).
 */
record MilpStage(MilpOptions milpOptions, Optional<String> refused) implements Stage {

    @Override
    public Optional<VerificationResult> run(RunState run) {
        if (refused.isPresent()) {
            run.log(new StageLog("milp", "skipped: " + refused.get(), run.openCount(), run.openCount(), Double.NaN, 0));
            return Optional.of(run.result(Verdict.UNKNOWN, null, null));
        }
        if (run.pastDeadline()) return Optional.of(run.timeout());
        List<Case> cases = run.property.cases();
        MilpVerifier verifier = new MilpVerifier(run.net, milpOptions);
        int casesLeft = run.casesOpen();
        for (int k = 0; k < cases.size(); k++) {
            List<Integer> idx = run.openIn(k);
            if (idx.isEmpty()) continue;
            if (run.pastDeadline()) return Optional.of(run.timeout());
            // Each case still open gets an equal share of the time left (a case decided early leaves its rest to the others).
            long caseDeadline = System.nanoTime() + Math.max(0, run.deadline - System.nanoTime()) / casesLeft--;
            Case c = cases.get(k);
            Interval box = new Interval(c.input().lower(), c.input().upper());
            Map<Integer, Interval> bounds = run.milpBounds(k);
            if (bounds.isEmpty()) { // no bound method ran: CROWN's bounds for the big-M
                int outputs = run.net.outputShape().numel();
                double[] first = new double[outputs];
                first[0] = 1;
                Objective objective = Objective.of(List.of(new LinearConstraint(first, 0)), outputs);
                var r = run.withDeadline(() -> run.engine.bound(Method.CROWN, box, objective));
                if (r.isEmpty()) return Optional.of(run.timeout());
                bounds = r.get().intermediate();
            }
            // First the MILP over the bounds so far, with a share of the time: on most instances the bound methods'
            // bounds already make it easy (mnistfc 256x2 prop_0_0.03: one node). Only if that fails are the bounds
            // tightened neuron by neuron (paper 004 Sec. 4.2), within half the time then left, and the MILP run again.
            // Where tightening cannot change anything (one hidden layer: its bounds over the box are exact; or mode
            // none) the MILP gets all the time at once: a second solve would only restart the first one's search.
            ProgressiveTightening tightening = new ProgressiveTightening(run.net, box, milpOptions, run::checkpoint);
            boolean canTighten = tightening.hasWork(bounds, run.lpBoundsDone(k));
            Optional<Counterexample> ce = decide(run, verifier, k, idx, bounds,
                    System.nanoTime() + (long) ((canTighten ? 0.3 : 1.0) * Math.max(0, caseDeadline - System.nanoTime())));
            if (ce.isPresent()) return Optional.of(run.result(Verdict.FALSIFIED, "milp", ce.get()));
            final int kc = k;
            idx.removeIf(j -> !run.isOpen(kc, j));
            if (idx.isEmpty() || run.pastDeadline() || !canTighten) continue;
            ProgressiveTightening.Result tight;
            long t0 = System.nanoTime(); // the tighten line's time is its own, not the first MILP's
            try {
                long left = caseDeadline - System.nanoTime();
                tight = tightening.tighten(bounds, run.lpBoundsDone(k), Instant.now().plusNanos(left / 2));
            } catch (java.util.concurrent.CancellationException e) {
                run.log(new StageLog("tighten", "abandoned at the deadline (case " + k + ")", run.openCount(), run.openCount(), Double.NaN,
                        System.nanoTime() - t0));
                return Optional.of(run.timeout());
            }
            run.log(new StageLog("tighten", String.format(java.util.Locale.ROOT,
                    "case %d: %d unstable neurons -> LP fixed %d, MILP fixed %d, %d left%s (LP %.1f s, MILP %.1f s)%s", k, tight.unstableBefore(),
                    tight.fixedByLp(), tight.fixedByMilp(), tight.unstable(),
                    tight.layers().stream().mapToInt(ProgressiveTightening.LayerReport::milpSkipped).sum() > 0 ? ", some without MILP (time)" : "",
                    tight.lpNanos() / 1e9, tight.milpNanos() / 1e9,
                    tight.crossings() == 0 ? "" : "; " + tight.crossings() + " refined bound(s) crossed the earlier ones (solver tolerance; the earlier kept)"),
                    run.openCount(), run.openCount(), Double.NaN, System.nanoTime() - t0));
            ce = decide(run, verifier, k, idx, tight.bounds(), caseDeadline);
            if (ce.isPresent()) return Optional.of(run.result(Verdict.FALSIFIED, "milp", ce.get()));
        }
        if (run.openCount() == 0) return Optional.of(run.result(Verdict.VERIFIED, "milp", null));
        return Optional.of(run.result(run.pastDeadline() ? Verdict.TIMEOUT : Verdict.UNKNOWN, null, null));
    }

    /**
     * One MILP per listed open disjunct of case k until {@code untilNanos} (the nanoTime clock); closes the excluded ones
     * and returns a confirmed counterexample if one was found.
     */
    private static Optional<Counterexample> decide(RunState run, MilpVerifier verifier, int k, List<Integer> idx, Map<Integer, Interval> bounds,
                                                   long untilNanos) {
        long t1 = System.nanoTime();
        int before = run.openCount();
        Instant until = Instant.now().plusNanos(Math.max(0, Math.min(untilNanos, run.deadline) - t1));
        List<MilpVerifier.Decision> ds = verifier.decideAll(run.property, k, idx, bounds, until);
        long nodes = 0;
        int undecided = 0;
        for (int i = 0; i < idx.size(); i++) {
            MilpVerifier.Decision d = ds.get(i);
            if (d == null) continue;
            nodes += d.nodes();
            switch (d.outcome()) {
                case EXCLUDED -> run.exclude(k, idx.get(i), "milp", Evidence.Kind.SOLVER, Double.NaN, false);
                case COUNTEREXAMPLE -> {
                    run.log(new StageLog("milp", "counterexample (case " + k + ", disjunct " + idx.get(i) + "), " + nodes + " nodes", before, 0,
                            Double.NaN, System.nanoTime() - t1));
                    return d.counterexample();
                }
                case UNDECIDED -> undecided++;
            }
        }
        run.log(new StageLog("milp", "excluded " + (before - run.openCount()) + " of " + before + " (case " + k + "), " + undecided
                + " undecided, " + nodes + " nodes", before, run.openCount(), Double.NaN, System.nanoTime() - t1));
        return Optional.empty();
    }
}
