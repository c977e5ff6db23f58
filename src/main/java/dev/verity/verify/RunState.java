package dev.verity.verify;

import dev.verity.InvalidInputException;
import dev.verity.attack.Counterexample;
import dev.verity.bounds.BoundEngine;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Case;
import dev.verity.spec.VnnlibProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * One verification run as its {@link Stage}s see it: the open disjuncts, the clock, the stage log, and the evidence
 * policy — a disjunct is closed only through {@link #exclude}, which records what closed it (stage, kind, margin,
 * rounding), and every verdict is made by {@link #result}, so that the evidence of a VERIFIED always lists every
 * disjunct. Stages decide; this class keeps the books.
 */
final class RunState {
    final Network net;
    final BoundEngine engine;
    final VerifyOptions options;
    final VnnlibProperty property;
    private final Consumer<StageLog> listener;
    private final long start = System.nanoTime();
    final long deadline;
    private final boolean[][] open;
    private int openCount;
    private final List<StageLog> stages = new ArrayList<>();
    /** What closed each disjunct, in the order they closed. */
    private final List<Evidence> evidence = new ArrayList<>();
    /** Per case, the tightest pre-activation bounds any method found (the intersection of all): the MILP's big-M. */
    private final List<Map<Integer, Interval>> best = new ArrayList<>();
    /**
     * Per case, bounds tightened by a MILP solver (ReLU splitting's refinement), kept apart from {@link #best}: a stage
     * that uses them rests on the solver's word, so only stages whose evidence says so ({@link #milpBounds}) see them.
     */
    private final List<Map<Integer, Interval>> solverBounds = new ArrayList<>();
    /** Per case, whether an all-layer LP method (lp-all) finished on it: its bounds are LP bounds already. */
    private final boolean[] lpBoundsDone;

    RunState(Network net, BoundEngine engine, VerifyOptions options, VnnlibProperty property, Consumer<StageLog> listener, long budgetNanos) {
        this.net = net;
        this.engine = engine;
        this.options = options;
        this.property = property;
        this.listener = listener;
        this.deadline = start + budgetNanos;
        int n = net.inputShape().numel(), m = net.outputShape().numel();
        if (property.inputCount() != n || property.outputCount() != m)
            throw new InvalidInputException("the property has " + property.inputCount() + " inputs and " + property.outputCount()
                    + " outputs; the network has " + n + " inputs and " + m + " outputs");
        List<Case> cases = property.cases();
        open = new boolean[cases.size()][];
        lpBoundsDone = new boolean[cases.size()];
        for (int k = 0; k < cases.size(); k++) {
            open[k] = new boolean[cases.get(k).unsafe().size()];
            java.util.Arrays.fill(open[k], true);
            openCount += open[k].length;
            best.add(new TreeMap<>());
            solverBounds.add(new TreeMap<>());
        }
    }

    int openCount() { return openCount; }

    boolean isOpen(int k, int j) { return open[k][j]; }

    /** The open disjuncts of case k, in order. */
    List<Integer> openIn(int k) {
        List<Integer> idx = new ArrayList<>();
        for (int j = 0; j < open[k].length; j++) if (open[k][j]) idx.add(j);
        return idx;
    }

    /** The cases with at least one open disjunct. */
    int casesOpen() {
        int n = 0;
        for (boolean[] o : open) for (boolean b : o) if (b) { n++; break; }
        return n;
    }

    /** Case k's tightest pre-activation bounds so far (live: stages intersect theirs in with {@link #mergeBounds}). */
    Map<Integer, Interval> bestBounds(int k) { return best.get(k); }

    /**
     * Intersects {@code more} into case k's bounds; an element whose bounds cross (rounding-level disagreement) keeps the
     * old ones. Returns how many crossed, for the stage to report.
     */
    int mergeBounds(int k, Map<Integer, Interval> more) {
        return merge(best.get(k), more);
    }

    /** Intersects {@code more} into {@code into}; returns how many elements crossed (those keep {@code into}'s bounds). */
    private static int merge(Map<Integer, Interval> into, Map<Integer, Interval> more) {
        int crossings = 0;
        for (var e : more.entrySet()) {
            Interval old = into.get(e.getKey());
            if (old == null) {
                into.put(e.getKey(), e.getValue());
            } else {
                crossings += old.crossings(e.getValue());
                into.put(e.getKey(), old.tightenedBy(e.getValue()));
            }
        }
        return crossings;
    }

    /** Records bounds of case k that rest on a MILP solver's word (see {@link #solverBounds}); returns how many elements crossed. */
    int mergeSolverBounds(int k, Map<Integer, Interval> more) {
        return merge(solverBounds.get(k), more);
    }

    /**
     * Case k's tightest bounds for a stage that rests on a solver anyway (the MILP): the best sound ones intersected with
     * any a MILP solver tightened.
     */
    Map<Integer, Interval> milpBounds(int k) {
        Map<Integer, Interval> m = new TreeMap<>(best.get(k));
        solverBounds.get(k).forEach((id, b) -> m.merge(id, b, Interval::tightenedBy));
        return m;
    }

    boolean lpBoundsDone(int k) { return lpBoundsDone[k]; }

    void markLpBoundsDone(int k) { lpBoundsDone[k] = true; }

    boolean pastDeadline() { return System.nanoTime() - deadline >= 0; }

    /** Throws {@link CancellationException} past the deadline (for long computations that poll). */
    void checkpoint() {
        if (pastDeadline()) throw new CancellationException("deadline");
    }

    /** Runs {@code task} on a daemon thread and waits for it until the deadline at most. */
    <T> Optional<T> withDeadline(Callable<T> task) {
        return Deadline.call(task, deadline);
    }

    void log(StageLog s) {
        stages.add(s);
        listener.accept(s);
    }

    /** Closes disjunct j of case k and records what closed it. */
    void exclude(int k, int j, String stage, Evidence.Kind kind, double margin, boolean outward) {
        if (!open[k][j]) throw new IllegalStateException("disjunct " + j + " of case " + k + " excluded twice");
        open[k][j] = false;
        openCount--;
        evidence.add(new Evidence(k, j, stage, kind, margin, outward));
    }

    VerificationResult result(Verdict v, String method, Counterexample ce) {
        if (v == Verdict.VERIFIED && openCount != 0) throw new IllegalStateException("VERIFIED with " + openCount + " disjunct(s) open");
        return new VerificationResult(v, method, System.nanoTime() - start, ce, stages, evidence);
    }

    VerificationResult timeout() { return result(Verdict.TIMEOUT, null, null); }
}
