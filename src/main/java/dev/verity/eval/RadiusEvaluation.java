package dev.verity.eval;

import dev.verity.bounds.BoundEngine;
import dev.verity.data.Dataset;
import dev.verity.model.Network;
import dev.verity.verify.Deadline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every image's radius for every method ({@code verity eval --radius}): the largest ε a bound method certifies, the
 * smallest ε an attack refutes, each by bisection over [0, ε_max] with {@link MinimumDistortion}'s bisection and the
 * very certificate {@code eval} uses per ε (every other class's margin above the tolerance of {@code verify}, on the
 * L∞ ball clipped to [0, 1]). From the radii, {@link RadiusSummary} draws paper 003's CR curve as a real step curve
 * and integrates it exactly (App. B's CR-AUC).
 *
 * <p><b>Why bisection is valid.</b> The balls are nested: ε' &lt; ε gives {@code B(x, ε') ⊆ B(x, ε)} (also after
 * clipping to [0, 1]). A method whose bounds over a smaller box are at least as tight therefore certifies every ε'
 * below a certified ε (its margin lower bound only rises and the tolerance, which scales with the bounds' magnitude,
 * only falls), so "certified" is a down-closed set [0, r] and bisection finds r to within the tolerance. That is a
 * theorem for {@code ibp} (interval arithmetic is inclusion-monotone), {@code hbox} (0 &le; y &le; u over a
 * sub-interval lies inside the same over the interval), {@code crown-0} (the chord of the convex ReLU over a
 * sub-interval lies below the chord over the interval), and {@code lp-all} / {@code parallelogram} (nested Triangle and
 * Parallelogram hulls, layer by layer). It is <em>not</em> a theorem for presets whose relaxation lines move with the
 * bounds in a non-nested way: {@code deepz} (slope u/(u−l)), {@code crown}, {@code crown-ibp} (the adaptive lower
 * slope flips between 0 and 1), {@code alpha-crown}, {@code lagrangian}, {@code lp-last*}; for these the result is still
 * a certified radius (bisection only returns an ε the certificate accepted, or 0), but a rare non-monotone dip below it
 * could make it differ from "the largest ε certified". PGD's refuted set is not monotone either (a heuristic): its
 * radius is an ε with a confirmed counterexample, an upper bound on the image's true radius.
 *
 * <p>Like {@link Evaluation}, it computes only what the results file lacks (one {@link ResultLine.Radius} per image,
 * method, ε_max and tolerance), appending each line as it is known, on {@link RadiusSettings#jobs()} workers that take
 * one (image, method) at a time, image-major.
 */
public final class RadiusEvaluation {
    /** The pixel domain, as in {@code ImageRunner}: the L∞ ball is clipped to [0, 1]. */
    private static final double[] CLIP = {0, 1};

    private final Network net;
    private final Dataset data;
    private final int[] indices;
    private final RadiusSettings settings;
    private final BoundEngine engine;
    private final MinimumDistortion search;

    /**
     * @param net     the network with any preprocessing already in front (its input is the image in [0, 1])
     * @param indices the dataset indices to evaluate
     */
    public RadiusEvaluation(Network net, Dataset data, int[] indices, RadiusSettings settings) {
        this.net = net;
        this.data = data;
        this.indices = indices.clone();
        this.settings = settings;
        Evaluation.checkImages(net, data, this.indices);
        this.engine = new BoundEngine(net, settings.bounds());
        Evaluation.checkMethods(engine, settings.methods());
        this.search = new MinimumDistortion(net, engine, CLIP, settings.tolerance());
    }

    private record Unit(int image, EvalMethod method) {}

    /**
     * Computes every clean prediction and every (image, method) radius that {@code existing} lacks, appending each to
     * {@code out} as soon as it is known. Misclassified images get no radius lines (their radius is 0).
     *
     * @return the number of (image, method) radii computed
     */
    public int run(List<ResultLine> existing, ResultsFile out, Evaluation.Listener listener) {
        Map<Integer, ResultLine.Clean> clean = new HashMap<>();
        Set<ResultLine.RadiusKey> done = new HashSet<>();
        for (ResultLine line : existing) {
            switch (line) {
                case ResultLine.Clean c -> clean.put(c.image(), c);
                case ResultLine.Outcome o -> { } // per-ε results are Evaluation's
                case ResultLine.Radius r -> done.add(r.key());
            }
        }
        Evaluation.checkSameData(data, indices, clean);
        for (ResultLine.Clean c : Evaluation.predict(net, data, indices, clean)) {
            out.append(c);
            clean.put(c.image(), c);
        }
        Queue<Unit> units = new ConcurrentLinkedQueue<>();
        for (int i : Evaluation.distinct(indices)) {
            if (!clean.get(i).correct()) continue;
            for (EvalMethod m : settings.searched())
                if (!done.contains(new ResultLine.RadiusKey(i, m.name(), settings.epsMax(), settings.tolerance()))) units.add(new Unit(i, m));
        }
        int total = units.size();
        if (total == 0) return 0;
        AtomicLong finished = new AtomicLong();
        Object progressLock = new Object();
        int workers = Math.min(settings.jobs(), total);
        ExecutorService pool = Executors.newFixedThreadPool(workers, Thread.ofPlatform().daemon().name("verity-radius-", 0).factory());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> {
                    for (Unit u; (u = units.poll()) != null; ) {
                        ResultLine.Radius r = radius(u.image(), data.pixels(u.image()), data.label(u.image()), u.method());
                        // A worker stopped mid-search (another failed) must not record a radius cut short by the interrupt.
                        if (Thread.currentThread().isInterrupted()) throw new CancellationException("interrupted");
                        out.append(r);
                        long d = finished.incrementAndGet();
                        synchronized (progressLock) {
                            listener.progress(d, total);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) Evaluation.join(f);
        } finally {
            pool.shutdownNow();
        }
        return total;
    }

    /** One image's radius for one method: bisection with {@link MinimumDistortion}, each check within the budget. */
    ResultLine.Radius radius(int image, double[] x, int label, EvalMethod m) {
        long start = System.nanoTime(), budget = settings.budget().toNanos();
        int[] checks = {0}, timeouts = {0};
        try {
            double r = switch (m) {
                case EvalMethod.Bound b -> {
                    MinimumDistortion thisImage = search.withWarmStarts(); // the SDP's multipliers carry over between the ε of this image
                    yield MinimumDistortion.largestCertified(eps -> within(budget, 0, checks, timeouts,
                            () -> thisImage.verifies(x, label, b.preset(), eps)), settings.epsMax(), settings.tolerance());
                }
                // PGD watches its own deadline; the hard one leaves it a little slack to report, as in ImageRunner.
                case EvalMethod.Attack a -> MinimumDistortion.smallestRefuted(eps -> within(budget, 100_000_000L + budget / 100, checks, timeouts,
                        () -> search.attacked(x, label, settings.pgd().withDeadline(Instant.now().plusNanos(budget)), eps)),
                        settings.epsMax(), settings.tolerance());
                case EvalMethod.Complete c -> throw new IllegalArgumentException("no radius search for the complete verifier " + c.name());
            };
            return new ResultLine.Radius(image, m.name(), settings.epsMax(), settings.tolerance(), r, seconds(start), checks[0], timeouts[0], null);
        } catch (CancellationException e) {
            throw e;
        } catch (RuntimeException e) {
            // One image a method cannot handle must not end a long run: recorded, counted as radius 0 (attack: none found).
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            double none = m instanceof EvalMethod.Attack ? Double.POSITIVE_INFINITY : 0;
            return new ResultLine.Radius(image, m.name(), settings.epsMax(), settings.tolerance(), none, seconds(start), checks[0], timeouts[0], msg);
        }
    }

    /** Runs one check with a hard deadline; past it the check counts as failed (not certified, not refuted). */
    private static boolean within(long budget, long slack, int[] checks, int[] timeouts, Callable<Boolean> check) {
        checks[0]++;
        Optional<Boolean> r = Deadline.call(check, System.nanoTime() + budget + slack);
        if (r.isEmpty()) {
            timeouts[0]++;
            return false;
        }
        return r.get();
    }

    private static double seconds(long start) { return (System.nanoTime() - start) / 1e9; }
}
