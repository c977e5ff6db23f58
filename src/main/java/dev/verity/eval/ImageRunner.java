package dev.verity.eval;

import dev.verity.attack.AttackResult;
import dev.verity.attack.Counterexample;
import dev.verity.attack.Counterexamples;
import dev.verity.attack.Pgd;
import dev.verity.bounds.BoundEngine;
import dev.verity.model.Network;
import dev.verity.spec.Case;
import dev.verity.spec.VnnlibProperty;
import dev.verity.verify.CaseBounds;
import dev.verity.verify.Deadline;
import dev.verity.verify.RobustnessProperty;
import dev.verity.verify.VerificationResult;
import dev.verity.verify.Verifier;
import dev.verity.verify.VerifyOptions;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * Runs the methods of an evaluation on one correctly classified image at one ε. One per worker thread: the bound
 * engine is shared (it is thread-safe), the complete verifier is the worker's own.
 *
 * <p>Every method gets the full per-image budget of its own and runs independently (paper tables report each method
 * on its own), with one shortcut: once the attack has refuted the image, a method that can only certify is not run
 * (see {@link EvalSettings#skipRefuted()}).
 */
final class ImageRunner {
    /** The pixel domain: images are scaled to [0, 1] and the L∞ ball is clipped to it. */
    private static final double[] CLIP = {0, 1};

    private final Network net;
    private final BoundEngine engine;
    private final EvalSettings settings;
    private Verifier verifier; // this worker's, made on first use

    ImageRunner(Network net, BoundEngine engine, EvalSettings settings) {
        this.net = net;
        this.engine = engine;
        this.settings = settings;
    }

    /**
     * Runs {@code todo} (cheapest first) on image {@code image} = {@code x} with label {@code label} at radius
     * {@code eps}, handing each outcome to {@code sink} as soon as it is known.
     *
     * @param attackRefuted whether an earlier run already recorded the attack refuting this image at this ε
     * @throws CancellationException when this thread is interrupted (nothing half-done is handed out)
     */
    void run(int image, double eps, double[] x, int label, List<EvalMethod> todo, boolean attackRefuted,
             Consumer<ResultLine.Outcome> sink) {
        VnnlibProperty property = RobustnessProperty.of(x, eps, label, net.outputShape().numel(), CLIP);
        String refutedBy = attackRefuted ? settings.methods().stream().filter(m -> m instanceof EvalMethod.Attack)
                .map(EvalMethod::name).findFirst().orElse("pgd") : null;
        for (EvalMethod m : todo.stream().sorted(Comparator.comparingInt(EvalMethod::cost)).toList()) {
            ResultLine.Outcome o;
            if (refutedBy != null && settings.skipRefuted() && !(m instanceof EvalMethod.Attack)) {
                o = new ResultLine.Outcome(image, eps, m.name(), Status.REFUTED, false, 0, Double.NaN, refutedBy, "skipped: refuted by " + refutedBy);
            } else {
                o = runOne(m, image, eps, property);
                if (m instanceof EvalMethod.Attack && o.status() == Status.REFUTED) refutedBy = m.name();
            }
            if (Thread.currentThread().isInterrupted()) throw new CancellationException("interrupted");
            sink.accept(o);
        }
    }

    private ResultLine.Outcome runOne(EvalMethod m, int image, double eps, VnnlibProperty property) {
        long budget = settings.budget().toNanos();
        long start = System.nanoTime();
        long deadline = start + budget;
        // Methods that watch the clock themselves (the attack, the verifier) get a little slack to report at their deadline.
        long selfTimed = deadline + 100_000_000L + budget / 100;
        try {
            return switch (m) {
                case EvalMethod.Attack a -> {
                    Optional<AttackOutcome> r = Deadline.call(() -> attack(property, budget), selfTimed);
                    double s = seconds(start);
                    if (r.isEmpty()) yield timeout(image, eps, m, s);
                    AttackOutcome out = r.get();
                    Status st = out.counterexample().isPresent() ? Status.REFUTED : out.timedOut() ? Status.TIMEOUT : Status.UNKNOWN;
                    yield new ResultLine.Outcome(image, eps, m.name(), st, true, s, Double.NaN, null, null);
                }
                case EvalMethod.Bound b -> {
                    Case c = property.cases().getFirst();
                    Optional<CaseBounds> r = Deadline.call(() -> CaseBounds.compute(engine, b.preset(), c.input(), c.unsafe(), false), deadline);
                    double s = seconds(start);
                    if (r.isEmpty()) yield timeout(image, eps, m, s);
                    yield new ResultLine.Outcome(image, eps, m.name(), r.get().verified() ? Status.CERTIFIED : Status.UNKNOWN, true, s,
                            r.get().minMargin(), null, null);
                }
                case EvalMethod.Complete v -> {
                    Verifier ver = verifier();
                    Optional<VerificationResult> r = Deadline.call(() -> ver.verify(property), selfTimed);
                    double s = seconds(start);
                    if (r.isEmpty()) yield timeout(image, eps, m, s);
                    Status st = switch (r.get().verdict()) {
                        case VERIFIED -> Status.CERTIFIED;
                        case FALSIFIED -> Status.REFUTED;
                        case UNKNOWN -> Status.UNKNOWN;
                        case TIMEOUT -> Status.TIMEOUT;
                    };
                    yield new ResultLine.Outcome(image, eps, m.name(), st, true, s, Double.NaN, r.get().method(), null);
                }
            };
        } catch (CancellationException e) {
            throw e;
        } catch (RuntimeException e) {
            // One image that a method cannot handle must not end a run of hours: it is recorded and counted as not decided.
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            return new ResultLine.Outcome(image, eps, m.name(), Status.ERROR, true, seconds(start), Double.NaN, null, msg);
        }
    }

    private record AttackOutcome(Optional<Counterexample> counterexample, boolean timedOut) {}

    /** PGD within the budget; a candidate counts only when {@link Counterexamples#confirm} accepts it (double and float32). */
    private AttackOutcome attack(VnnlibProperty property, long budgetNanos) {
        AttackResult a = Pgd.attack(net, property, settings.pgd().withDeadline(Instant.now().plusNanos(budgetNanos)));
        Optional<Counterexample> confirmed = a.counterexample().flatMap(c -> Counterexamples.confirm(net, property, c.input()));
        return new AttackOutcome(confirmed, a.timedOut());
    }

    private Verifier verifier() {
        if (verifier == null) verifier = new Verifier(net, VerifyOptions.defaults(settings.budget()).withBoundOptions(settings.bounds()));
        return verifier;
    }

    private static ResultLine.Outcome timeout(int image, double eps, EvalMethod m, double seconds) {
        return new ResultLine.Outcome(image, eps, m.name(), Status.TIMEOUT, true, seconds, Double.NaN, null, null);
    }

    private static double seconds(long start) { return (System.nanoTime() - start) / 1e9; }
}
