package dev.verity.verify;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;

import java.util.List;
import java.util.Optional;

/**
 * One bound method over every case with open disjuncts: each disjunct whose margin clears the tolerance is excluded. A
 * default stage the network does not suit, or that sound mode does not cover, is skipped (logged). {@code timeBoxed}:
 * "lp when it is cheap enough" — before a complete MILP stage an LP method or the SDP gets at most {@link Verifier#LP_SHARE}
 * of the time left; past it the stage is abandoned (its workers stop between LPs) and the rest goes to the MILP, which
 * decides what the LP could not. Without a MILP stage the LP may use all the time. {@code engine}: another view of the
 * run's engine (null: the run's own), {@code note} says how it differs in the log line. {@code intermediateShare} > 0:
 * alpha-CROWN's intermediate optimisation may take at most this share of a case's time left
 * ({@link BoundEngine#withAlphaIntermediateBudget}), so that branch and bound after it keeps the rest.
 */
record BoundStage(Method method, boolean timeBoxed, BoundEngine engine, String note, double intermediateShare) implements Stage {

    /** The method with the run's engine. */
    BoundStage(Method method, boolean timeBoxed) {
        this(method, timeBoxed, null, "", 0);
    }

    @Override
    public Optional<VerificationResult> run(RunState run) {
        Optional<String> unsuited = run.options.explicitMethods() ? Optional.empty()
                : run.options.boundOptions().sound() && !method.roundingSound() ? Optional.of("not covered by sound mode (--no-sound runs it)")
                : Verifier.unsuited(run.net, method);
        if (unsuited.isPresent()) {
            run.log(new StageLog(method.cliName(), "skipped: " + unsuited.get(), run.openCount(), run.openCount(), Double.NaN, 0));
            return Optional.empty();
        }
        long stageDeadline = timeBoxed ? System.nanoTime() + (long) (Verifier.LP_SHARE * Math.max(0, run.deadline - System.nanoTime())) : run.deadline;
        if (!bound(run, stageDeadline)) return run.pastDeadline() || !timeBoxed ? Optional.of(run.timeout()) : Optional.empty();
        return run.openCount() == 0 ? Optional.of(run.result(Verdict.VERIFIED, method.cliName(), null)) : Optional.empty();
    }

    /** The method over every case with open disjuncts; false when {@code stageDeadline} (nanoTime) cut it short. */
    private boolean bound(RunState run, long stageDeadline) {
        long t0 = System.nanoTime();
        int before = run.openCount();
        double minMargin = Double.NaN;
        int crossings = 0;
        BoundEngine stageEngine = engine == null ? run.engine : engine;
        long internal = 0;
        List<Case> cases = run.property.cases();
        for (int k = 0; k < cases.size(); k++) {
            List<Integer> idx = run.openIn(k);
            if (idx.isEmpty()) continue;
            BoundEngine used = intermediateShare > 0 ? stageEngine.withAlphaIntermediateBudget(intermediateBudget(run, k, stageDeadline)) : stageEngine;
            long resolvedBefore = used.crossingsResolved();
            Case c = cases.get(k);
            List<Disjunct> ds = idx.stream().map(c.unsafe()::get).toList();
            Optional<CaseBounds> b = System.nanoTime() - stageDeadline >= 0 ? Optional.empty()
                    : Deadline.call(() -> CaseBounds.compute(used, method, c.input(), ds, false), stageDeadline);
            if (b.isEmpty()) {
                String at = stageDeadline == run.deadline || run.pastDeadline() ? "the deadline" : "its time share, the rest goes to the milp";
                run.log(new StageLog(method.cliName(), "abandoned at " + at + " (case " + k + " of " + cases.size() + ")" + note, before,
                        run.openCount(), minMargin, System.nanoTime() - t0));
                return false;
            }
            internal += used.crossingsResolved() - resolvedBefore;
            crossings += run.mergeBounds(k, b.get().intermediate());
            if (method.lp().allLayers()) run.markLpBoundsDone(k);
            boolean outward = run.options.boundOptions().sound() && method.roundingSound();
            for (int i = 0; i < idx.size(); i++) {
                double m = b.get().margins()[i];
                if (b.get().excluded()[i]) run.exclude(k, idx.get(i), method.cliName(), Evidence.Kind.BOUND, m, outward);
                if (Double.isNaN(minMargin) || m < minMargin) minMargin = m;
            }
        }
        run.log(new StageLog(method.cliName(), "excluded " + (before - run.openCount()) + " of " + before + note + crossingNote(crossings)
                + (internal == 0 ? "" : "; " + internal + " of its own intersections crossed (rounding-level; resolved conservatively)"), before,
                run.openCount(), minMargin, System.nanoTime() - t0));
        return true;
    }

    /** {@link #intermediateShare} of case k's time: the time left to the stage's deadline split evenly over the open cases from k on. */
    private java.time.Duration intermediateBudget(RunState run, int k, long stageDeadline) {
        long open = java.util.stream.IntStream.range(k, run.property.cases().size()).filter(i -> !run.openIn(i).isEmpty()).count();
        return java.time.Duration.ofNanos((long) (intermediateShare * Math.max(0, stageDeadline - System.nanoTime()) / Math.max(1, open)));
    }

    /**
     * Where this method's intermediate bounds and an earlier stage's cross (both sound, so a rounding-level disagreement:
     * the earlier ones are kept), the log says how many, instead of repairing them silently.
     */
    static String crossingNote(int crossings) {
        return crossings == 0 ? "" : "; " + crossings + " intermediate bound(s) crossed an earlier stage's (rounding-level; the earlier kept)";
    }
}
