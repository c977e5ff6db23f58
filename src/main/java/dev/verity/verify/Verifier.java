package dev.verity.verify;

import dev.verity.InvalidInputException;
import dev.verity.attack.AttackResult;
import dev.verity.attack.Counterexample;
import dev.verity.attack.Counterexamples;
import dev.verity.attack.Pgd;
import dev.verity.bab.BabOptions;
import dev.verity.bab.InputSplit;
import dev.verity.bab.Outcome;
import dev.verity.bab.ReluSplit;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.lp.TriangleLp;
import dev.verity.milp.MilpOptions;
import dev.verity.milp.MilpVerifier;
import dev.verity.milp.ProgressiveTightening;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.VnnlibProperty;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
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
 * (ibp, crown) and before the rest, within {@link #BAB_SHARE} of the time left when the MILP follows; if it stops
 * undecided with time left, the later stages go on.
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
        return new Run(property, listener).run();
    }

    /** One verification run: the open disjuncts, the stage log and the clock. */
    private final class Run {
        final VnnlibProperty property;
        final Consumer<StageLog> listener;
        final long start = System.nanoTime();
        final long deadline;
        final boolean[][] open;
        int openCount;
        final List<StageLog> stages = new ArrayList<>();
        /** What closed each disjunct, in the order they closed. */
        final List<Evidence> evidence = new ArrayList<>();
        /** Per case, the tightest pre-activation bounds any method found (the intersection of all): the MILP's big-M. */
        final List<java.util.Map<Integer, Interval>> best = new ArrayList<>();
        /** Per case, whether an all-layer LP method (lp-all) finished on it: its bounds are LP bounds already. */
        final boolean[] lpBoundsDone;

        Run(VnnlibProperty property, Consumer<StageLog> listener) {
            this.property = property;
            this.listener = listener;
            this.deadline = start + nanos(options.timeout());
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
                best.add(new java.util.TreeMap<>());
            }
        }

        VerificationResult run() {
            // An empty unsafe set (no cases, or no disjuncts) holds without any computation.
            if (openCount == 0) return result(Verdict.VERIFIED, "trivial", null);
            if (pastDeadline()) return result(Verdict.TIMEOUT, null, null);
            Optional<Counterexample> ce = attack();
            if (ce.isPresent()) return result(Verdict.FALSIFIED, "pgd", ce.get());
            Optional<String> milpRefused = TriangleLp.exactlyEncodable(net); // why the MILP cannot encode this net, if it cannot
            boolean milpWillRun = options.milp().isPresent() && milpRefused.isEmpty();
            // With stages the user chose (--methods) only those run; branch and bound is a default stage.
            boolean babPending = options.bab().isPresent() && !options.explicitMethods();
            for (Method method : options.methods()) {
                if (pastDeadline()) return result(Verdict.TIMEOUT, null, null);
                if (babPending && !beforeBab(method)) {
                    babPending = false;
                    Optional<VerificationResult> r = branchAndBound(milpWillRun);
                    if (r.isPresent()) return r.get();
                }
                Optional<String> unsuited = options.explicitMethods() ? Optional.empty()
                        : options.boundOptions().sound() && !method.roundingSound() ? Optional.of("not covered by sound mode (--no-sound runs it)")
                        : unsuited(net, method);
                if (unsuited.isPresent()) {
                    log(new StageLog(method.cliName(), "skipped: " + unsuited.get(), openCount, openCount, Double.NaN, 0));
                    continue;
                }
                // "lp when it is cheap enough": before a complete MILP stage an LP method gets at most LP_SHARE of the time
                // left; past it the stage is abandoned (its workers stop between LPs) and the rest goes to the MILP, which
                // decides what the LP could not. Without a MILP stage (--no-milp, or a sigmoid/tanh net it cannot encode)
                // the LP may use all the time.
                boolean timeBoxed = (method.lp() != Method.Lp.NONE || method == Method.SDP) && milpWillRun;
                long stageDeadline = timeBoxed ? System.nanoTime() + (long) (LP_SHARE * Math.max(0, deadline - System.nanoTime())) : deadline;
                if (!bound(method, stageDeadline)) {
                    if (pastDeadline() || !timeBoxed) return result(Verdict.TIMEOUT, null, null);
                    continue;
                }
                if (openCount == 0) return result(Verdict.VERIFIED, method.cliName(), null);
            }
            if (babPending) {
                Optional<VerificationResult> r = branchAndBound(milpWillRun);
                if (r.isPresent()) return r.get();
            }
            if (options.milp().isPresent()) {
                if (milpRefused.isPresent()) {
                    log(new StageLog("milp", "skipped: " + milpRefused.get(), openCount, openCount, Double.NaN, 0));
                    return result(Verdict.UNKNOWN, null, null);
                }
                if (pastDeadline()) return result(Verdict.TIMEOUT, null, null);
                return milp(options.milp().get());
            }
            return result(Verdict.UNKNOWN, null, null);
        }

        /**
         * The complete stage (paper 004): per case with open disjuncts (an equal share of the time left each), one MILP per
         * open disjunct over the best bounds so far within 30 % of the case's time; if some stay open, progressive
         * tightening (within half the time then left) and the MILP again until the case's deadline. With nothing to
         * tighten, the first MILP gets all the case's time.
         */
        VerificationResult milp(MilpOptions milpOptions) {
            List<Case> cases = property.cases();
            MilpVerifier verifier = new MilpVerifier(net, milpOptions);
            int casesLeft = casesOpen();
            for (int k = 0; k < cases.size(); k++) {
                List<Integer> idx = openIn(k);
                if (idx.isEmpty()) continue;
                if (pastDeadline()) return result(Verdict.TIMEOUT, null, null);
                // Each case still open gets an equal share of the time left (a case decided early leaves its rest to the others).
                long caseDeadline = System.nanoTime() + Math.max(0, deadline - System.nanoTime()) / casesLeft--;
                Case c = cases.get(k);
                Interval box = new Interval(c.input().lower(), c.input().upper());
                java.util.Map<Integer, Interval> bounds = best.get(k);
                if (bounds.isEmpty()) { // no bound method ran: CROWN's bounds for the big-M
                    int outputs = net.outputShape().numel();
                    double[] first = new double[outputs];
                    first[0] = 1;
                    var objective = dev.verity.spec.Objective.of(List.of(new dev.verity.spec.LinearConstraint(first, 0)), outputs);
                    var r = withDeadline(() -> engine.bound(Method.CROWN, box, objective));
                    if (r.isEmpty()) return result(Verdict.TIMEOUT, null, null);
                    bounds = r.get().intermediate();
                }
                // First the MILP over the bounds so far, with a share of the time: on most instances the bound methods'
                // bounds already make it easy (mnistfc 256x2 prop_0_0.03: one node). Only if that fails are the bounds
                // tightened neuron by neuron (paper 004 Sec. 4.2), within half the time then left, and the MILP run again.
                // Where tightening cannot change anything (one hidden layer: its bounds over the box are exact; or mode
                // none) the MILP gets all the time at once: a second solve would only restart the first one's search.
                ProgressiveTightening tightening = new ProgressiveTightening(net, box, milpOptions, this::checkpoint);
                boolean canTighten = tightening.hasWork(bounds, lpBoundsDone[k]);
                Optional<Counterexample> ce = decide(verifier, k, idx, bounds,
                        System.nanoTime() + (long) ((canTighten ? 0.3 : 1.0) * Math.max(0, caseDeadline - System.nanoTime())));
                if (ce.isPresent()) return result(Verdict.FALSIFIED, "milp", ce.get());
                final int kc = k;
                idx.removeIf(j -> !open[kc][j]);
                if (idx.isEmpty() || pastDeadline() || !canTighten) continue;
                ProgressiveTightening.Result tight;
                long t0 = System.nanoTime(); // the tighten line's time is its own, not the first MILP's
                try {
                    long left = caseDeadline - System.nanoTime();
                    Instant stopMilps = Instant.now().plusNanos(left / 2);
                    tight = tightening.tighten(bounds, lpBoundsDone[k], stopMilps);
                } catch (java.util.concurrent.CancellationException e) {
                    log(new StageLog("tighten", "abandoned at the deadline (case " + k + ")", openCount, openCount, Double.NaN,
                            System.nanoTime() - t0));
                    return result(Verdict.TIMEOUT, null, null);
                }
                log(new StageLog("tighten", String.format(java.util.Locale.ROOT,
                        "case %d: %d unstable neurons -> LP fixed %d, MILP fixed %d, %d left%s (LP %.1f s, MILP %.1f s)", k, tight.unstableBefore(),
                        tight.fixedByLp(), tight.fixedByMilp(), tight.unstable(),
                        tight.layers().stream().mapToInt(ProgressiveTightening.LayerReport::milpSkipped).sum() > 0 ? ", some without MILP (time)" : "",
                        tight.lpNanos() / 1e9, tight.milpNanos() / 1e9),
                        openCount, openCount, Double.NaN, System.nanoTime() - t0));
                ce = decide(verifier, k, idx, tight.bounds(), caseDeadline);
                if (ce.isPresent()) return result(Verdict.FALSIFIED, "milp", ce.get());
            }
            if (openCount == 0) return result(Verdict.VERIFIED, "milp", null);
            return result(pastDeadline() ? Verdict.TIMEOUT : Verdict.UNKNOWN, null, null);
        }

        /**
         * Branch and bound where it suits the network (else a logged skip): input splitting on networks with few inputs,
         * ReLU splitting (β-CROWN) on ReLU networks with more; a verdict when it decides the property.
         */
        Optional<VerificationResult> branchAndBound(boolean milpFollows) {
            BabOptions babOptions = options.bab().orElseThrow();
            Optional<String> inputUnsuited = InputSplit.unsuited(net);
            if (inputUnsuited.isEmpty()) {
                InputSplit bab = new InputSplit(engine, babOptions, Margins::certified);
                return branchAndBound(INPUT_SPLIT, milpFollows ? BAB_SHARE : 1, (k, idx, until) -> bab.decide(property, k, idx, until));
            }
            Optional<String> reluUnsuited = ReluSplit.unsuited(net);
            if (reluUnsuited.isEmpty()) {
                ReluSplit bab = new ReluSplit(engine, babOptions, Margins::certified);
                return branchAndBound(RELU_SPLIT, milpFollows ? RELU_BAB_SHARE : 1, (k, idx, until) -> bab.decide(property, k, idx, until, best.get(k)));
            }
            log(new StageLog(INPUT_SPLIT, "skipped: " + inputUnsuited.get() + "; " + reluUnsuited.get(), openCount, openCount, Double.NaN, 0));
            return Optional.empty();
        }

        /** One case's branch and bound: its outcome for the listed open disjuncts by the nanoTime deadline. */
        @FunctionalInterface
        interface CaseBab {
            Outcome decide(int caseIndex, List<Integer> disjuncts, long deadlineNanos);
        }

        /**
         * Branch and bound on every case with open disjuncts (an equal share of the time each), within {@code share} of
         * the time left. A verdict when it decides the property, else empty (the disjuncts it excluded are closed).
         */
        Optional<VerificationResult> branchAndBound(String stage, double share, CaseBab bab) {
            long stageDeadline = System.nanoTime() + (long) (share * Math.max(0, deadline - System.nanoTime()));
            List<Case> cases = property.cases();
            int casesLeft = casesOpen();
            for (int k = 0; k < cases.size(); k++) {
                List<Integer> idx = openIn(k);
                if (idx.isEmpty()) continue;
                if (pastDeadline()) return Optional.of(result(Verdict.TIMEOUT, null, null));
                long t0 = System.nanoTime(), caseDeadline = t0 + Math.max(0, stageDeadline - t0) / casesLeft--;
                int before = openCount;
                Outcome outcome;
                try {
                    outcome = bab.decide(k, idx, caseDeadline);
                } catch (java.util.concurrent.CancellationException e) {
                    outcome = new Outcome.Undecided("the deadline", 0, 0, Double.NaN);
                }
                switch (outcome) {
                    case Outcome.Proven p -> {
                        for (int j : idx) exclude(k, j, stage, Evidence.Kind.BRANCH_AND_BOUND, Double.NaN, options.boundOptions().sound());
                        log(new StageLog(stage, "proved case " + k + ": " + p.domains() + " domains, depth " + p.maxDepth(), before, openCount,
                                Double.NaN, System.nanoTime() - t0, p.domains()));
                    }
                    case Outcome.Refuted r -> {
                        log(new StageLog(stage, "counterexample (case " + k + ", disjunct " + r.counterexample().disjunctIndex() + "), "
                                + r.domains() + " domains", before, 0, Double.NaN, System.nanoTime() - t0, r.domains()));
                        return Optional.of(result(Verdict.FALSIFIED, stage, r.counterexample()));
                    }
                    case Outcome.Undecided u -> {
                        for (int j : u.excluded()) if (open[k][j]) exclude(k, j, stage, Evidence.Kind.BRANCH_AND_BOUND, Double.NaN, options.boundOptions().sound());
                        log(new StageLog(stage, "stopped at " + u.why() + " (case " + k + "): " + u.domains() + " domains, "
                                + u.openDomains() + " open" + (u.excluded().isEmpty() ? "" : ", excluded " + u.excluded().size() + " of " + idx.size()),
                                before, openCount, u.worstMargin(), System.nanoTime() - t0, u.domains()));
                        // Stopped early (memory, a domain that cannot be split) with time left: the later stages may still decide.
                        return pastDeadline() ? Optional.of(result(Verdict.TIMEOUT, null, null)) : Optional.empty();
                    }
                }
            }
            return openCount == 0 ? Optional.of(result(Verdict.VERIFIED, stage, null)) : Optional.empty();
        }

        /**
         * One MILP per listed open disjunct of case k until {@code untilNanos} (the nanoTime clock); closes the excluded ones
         * and returns a confirmed counterexample if one was found.
         */
        Optional<Counterexample> decide(MilpVerifier verifier, int k, List<Integer> idx, java.util.Map<Integer, Interval> bounds, long untilNanos) {
            long t1 = System.nanoTime();
            int before = openCount;
            Instant until = Instant.now().plusNanos(Math.max(0, Math.min(untilNanos, deadline) - t1));
            List<MilpVerifier.Decision> ds = verifier.decideAll(property, k, idx, bounds, until);
            long nodes = 0;
            int undecided = 0;
            for (int i = 0; i < idx.size(); i++) {
                MilpVerifier.Decision d = ds.get(i);
                if (d == null) continue;
                nodes += d.nodes();
                switch (d.outcome()) {
                    case EXCLUDED -> exclude(k, idx.get(i), "milp", Evidence.Kind.SOLVER, Double.NaN, false);
                    case COUNTEREXAMPLE -> {
                        log(new StageLog("milp", "counterexample (case " + k + ", disjunct " + idx.get(i) + "), " + nodes + " nodes", before, 0,
                                Double.NaN, System.nanoTime() - t1));
                        return d.counterexample();
                    }
                    case UNDECIDED -> undecided++;
                }
            }
            log(new StageLog("milp", "excluded " + (before - openCount) + " of " + before + " (case " + k + "), " + undecided + " undecided, "
                    + nodes + " nodes", before, openCount, Double.NaN, System.nanoTime() - t1));
            return Optional.empty();
        }

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

        void checkpoint() {
            if (pastDeadline()) throw new java.util.concurrent.CancellationException("deadline");
        }

        /** PGD within its share of the budget; a counterexample only if the verifier re-confirms it. */
        Optional<Counterexample> attack() {
            long t0 = System.nanoTime();
            int before = openCount;
            long share = (long) (nanos(options.timeout()) * options.pgdShare());
            long pgdDeadline = Math.min(deadline, saturatedAdd(t0, share));
            Instant until = Instant.now().plusNanos(Math.max(0, pgdDeadline - t0));
            AttackResult a = Pgd.attack(net, property, options.pgd().withDeadline(until));
            Optional<Counterexample> confirmed = a.counterexample()
                    .flatMap(c -> Counterexamples.confirm(net, property, c.input()));
            String outcome = confirmed.isPresent() ? "counterexample (case " + confirmed.get().caseIndex() + ", disjunct "
                    + confirmed.get().disjunctIndex() + ")"
                    : a.found() ? "candidate rejected by the re-check"
                    : "no counterexample in " + a.restartsRun() + " start(s)" + (a.timedOut() ? ", stopped at its time share" : "");
            log(new StageLog("pgd", outcome, before, confirmed.isPresent() ? 0 : before, a.bestValue() == Double.POSITIVE_INFINITY ? Double.NaN : a.bestValue(),
                    System.nanoTime() - t0));
            return confirmed;
        }

        /** One bound method over every case with open disjuncts; false when {@code stageDeadline} (nanoTime) cut it short. */
        boolean bound(Method method, long stageDeadline) {
            long t0 = System.nanoTime();
            int before = openCount;
            double minMargin = Double.NaN;
            List<Case> cases = property.cases();
            for (int k = 0; k < cases.size(); k++) {
                List<Integer> idx = openIn(k);
                if (idx.isEmpty()) continue;
                Case c = cases.get(k);
                List<Disjunct> ds = idx.stream().map(c.unsafe()::get).toList();
                Optional<CaseBounds> b = System.nanoTime() - stageDeadline >= 0 ? Optional.empty()
                        : Deadline.call(() -> CaseBounds.compute(engine, method, c.input(), ds, false), stageDeadline);
                if (b.isEmpty()) {
                    String at = stageDeadline == deadline || pastDeadline() ? "the deadline" : "its time share, the rest goes to the milp";
                    log(new StageLog(method.cliName(), "abandoned at " + at + " (case " + k + " of " + cases.size() + ")", before, openCount,
                            minMargin, System.nanoTime() - t0));
                    return false;
                }
                merge(best.get(k), b.get().intermediate());
                if (method.lp().allLayers()) lpBoundsDone[k] = true;
                for (int i = 0; i < idx.size(); i++) {
                    double m = b.get().margins()[i];
                    if (b.get().excluded()[i])
                        exclude(k, idx.get(i), method.cliName(), Evidence.Kind.BOUND, m, options.boundOptions().sound() && method.roundingSound());
                    if (Double.isNaN(minMargin) || m < minMargin) minMargin = m;
                }
            }
            log(new StageLog(method.cliName(), "excluded " + (before - openCount) + " of " + before, before, openCount, minMargin,
                    System.nanoTime() - t0));
            return true;
        }

        /** Runs {@code task} on a daemon thread and waits for it until the deadline at most. */
        <T> Optional<T> withDeadline(Callable<T> task) {
            return Deadline.call(task, deadline);
        }

        /** Intersects {@code more} into {@code into}; an element whose bounds cross (rounding-level disagreement) keeps the old ones. */
        static void merge(java.util.Map<Integer, Interval> into, java.util.Map<Integer, Interval> more) {
            more.forEach((id, b) -> into.merge(id, b, Interval::tightenedBy));
        }

        boolean pastDeadline() { return System.nanoTime() - deadline >= 0; }

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
            return new VerificationResult(v, method, System.nanoTime() - start, ce, stages, evidence);
        }
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
            case IBP, HBOX, DEEPZ, CROWN, CROWN_0, CROWN_IBP -> true;
            case ALPHA_CROWN, LAGRANGIAN, SDP, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN -> false;
        };
    }

    /** The stage name of input-splitting branch and bound in logs and verdicts. */
    public static final String INPUT_SPLIT = "bab-input";

    /** The stage name of ReLU-splitting branch and bound (β-CROWN) in logs and results. */
    public static final String RELU_SPLIT = "bab-relu";

    /** The most of the time left branch and bound may take when a MILP stage follows it. */
    static final double BAB_SHARE = 0.75;

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

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
