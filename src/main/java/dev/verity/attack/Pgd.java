package dev.verity.attack;

import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Projected gradient descent (Madry et al.) as a falsifier: a cheap lower bound on "the property is
 * violated" that the complete verifiers run first.
 *
 * <p>Objective. For disjunct j of a case, {@code f_j(y) = max_r (c_r·y + d_r)}: at most 0 exactly when
 * the output satisfies every row. Each starting point carries one objective, assigned round-robin:
 * objective 0 is the untargeted {@code min_j f_j} (a point may end in whichever disjunct is nearest) and,
 * when the case has several disjuncts, objective {@code 1 + j} is the targeted {@code f_j}. The min can
 * oscillate between two nearly tied disjuncts; the targeted starts cannot, so mixing both is more robust
 * than either, and all objectives share one batched forward/backward pass. The gradient of the
 * objective is the {@code c} of the active row of the active disjunct (a subgradient of a piecewise
 * linear function of y), pushed back through the network by the tape.
 *
 * <p>Steps are signed-gradient (L∞ geometry): coordinate i moves by {@code stepFraction * width_i}
 * times the schedule's factor, then the point is clipped back into the box. Starting points are the
 * box centre (one per objective, in the first batch) and uniform random points. The backward pass may
 * leak gradient through inactive ReLUs ({@link PgdOptions#reluLeak()}), which keeps signed steps from
 * stalling on plateaus where a whole layer is switched off; values and candidates are always exact.
 *
 * <p>Soundness. A point whose double outputs satisfy a disjunct is only a candidate: it is first
 * rounded to a nearby float32 point inside the box (so the float32 re-check sees exactly the input the
 * double pass saw), and it is reported only if {@link Counterexamples#confirm} accepts it. A candidate
 * that fails is dropped and the search goes on: the objective is not clipped at 0, so later steps push
 * further into the unsafe set and away from rounding boundaries.
 *
 * <p>Cases are attacked one after the other (no threads: the batched GEMMs already use the cores),
 * stopping at the first confirmed counterexample or at the deadline.
 */
public final class Pgd {
    private Pgd() {}

    public static AttackResult attack(Network net, VnnlibProperty property, PgdOptions options) {
        return new Run(net, property, options).run();
    }

    /** The state of one attack: counters, best values and the random stream. */
    private static final class Run {
        final Network net;
        final VnnlibProperty property;
        final PgdOptions opt;
        final int n, m;
        final long start = System.nanoTime();
        final long deadlineNanos;
        final SplittableRandom random;
        final double[][] best;
        long forward, backward, points, restarts, confirms;
        boolean timedOut;

        Run(Network net, VnnlibProperty property, PgdOptions opt) {
            this.net = net;
            this.property = property;
            this.opt = opt;
            this.n = net.inputShape().numel();
            this.m = net.outputShape().numel();
            if (property.inputCount() != n) throw new IllegalArgumentException("property has " + property.inputCount() + " inputs, network takes " + n);
            if (property.outputCount() != m) throw new IllegalArgumentException("property has " + property.outputCount() + " outputs, network gives " + m);
            this.deadlineNanos = deadlineNanos(opt.deadline(), start);
            this.random = new SplittableRandom(opt.seed());
            List<Case> cases = property.cases();
            this.best = new double[cases.size()][];
            for (int k = 0; k < cases.size(); k++) {
                best[k] = new double[cases.get(k).unsafe().size()];
                Arrays.fill(best[k], Double.POSITIVE_INFINITY);
            }
        }

        /** The deadline on the {@link System#nanoTime} clock, saturated so that far-off deadlines cannot overflow. */
        private static long deadlineNanos(Instant deadline, long now) {
            if (deadline == null) return Long.MAX_VALUE;
            long left;
            try {
                left = java.time.Duration.between(Instant.now(), deadline).toNanos();
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
            return left > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + left;
        }

        boolean pastDeadline() {
            if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= 0) timedOut = true;
            return timedOut;
        }

        AttackResult run() {
            Optional<Counterexample> found = Optional.empty();
            List<Case> cases = property.cases();
            for (int k = 0; k < cases.size() && found.isEmpty() && !pastDeadline(); k++) {
                Case c = cases.get(k);
                if (c.unsafe().isEmpty()) continue; // no unsafe outputs: nothing to find in this box
                int objectives = c.unsafe().size() == 1 ? 1 : c.unsafe().size() + 1;
                for (int done = 0; done < opt.restarts() && found.isEmpty() && !pastDeadline(); ) {
                    int b = Math.min(opt.batchSize(), opt.restarts() - done);
                    found = batch(k, c, objectives, done, b);
                    done += b;
                }
            }
            return new AttackResult(found, best, forward, backward, points, restarts, confirms, timedOut && found.isEmpty(),
                    System.nanoTime() - start);
        }

        /** PGD from {@code b} starting points (global restart indices {@code first..first+b-1}) on case {@code k}. */
        Optional<Counterexample> batch(int k, Case c, int objectives, int first, int b) {
            Box box = c.input();
            List<Disjunct> disjuncts = c.unsafe();
            double[] lo = box.lower(), hi = box.upper(), width = new double[n];
            for (int i = 0; i < n; i++) width[i] = hi[i] - lo[i];
            double[] centre = box.center();

            double[] x = new double[b * n];
            int[] objective = new int[b];
            for (int s = 0; s < b; s++) {
                int g = first + s;
                objective[s] = g % objectives;
                if (g < objectives) System.arraycopy(centre, 0, x, s * n, n);
                else for (int i = 0; i < n; i++) x[s * n + i] = width[i] == 0 ? lo[i] : Math.min(hi[i], lo[i] + random.nextDouble() * width[i]);
            }
            restarts += b;

            // Per-sample state for the plateau schedule (cheap enough to keep for every schedule).
            double[] scale = new double[b], bestLoss = new double[b], lastCheck = new double[b];
            Arrays.fill(scale, 1.0);
            Arrays.fill(bestLoss, Double.POSITIVE_INFINITY);
            Arrays.fill(lastCheck, Double.POSITIVE_INFINITY);
            double[] bestX = opt.schedule() == PgdOptions.Schedule.HALVING_ON_PLATEAU ? x.clone() : null;
            int checkEvery = Math.max(5, opt.steps() / 10);

            double[] yRow = new double[m];
            double[] g = new double[b * m];
            int steps = opt.steps();
            for (int t = 0; t <= steps; t++) {
                if (pastDeadline()) return Optional.empty();
                Tape tape = new Tape();
                Var xv = tape.variable(new Tensor(x, net.inputShape().withBatch(b)));
                double leak = steps == 0 ? 0 : opt.reluLeak() * (1 - (double) t / steps); // annealed: the last steps use the true gradient
                Var y = tape.reshape(Forward.run(net, new LeakyGradientOps(tape, leak), xv), b, m);
                double[] yv = y.value().data();
                forward++;
                points += b;

                Arrays.fill(g, 0.0);
                for (int s = 0; s < b; s++) {
                    System.arraycopy(yv, s * m, yRow, 0, m);
                    double loss = Double.POSITIVE_INFINITY;
                    int active = -1;
                    boolean candidate = false;
                    for (int j = 0; j < disjuncts.size(); j++) {
                        double v = disjuncts.get(j).maxValue(yRow);
                        if (v < best[k][j]) best[k][j] = v;
                        if (v <= 0) candidate = true;
                        boolean mine = objective[s] == 0 ? (active < 0 || v < loss) : objective[s] == j + 1;
                        if (mine && !Double.isNaN(v)) {
                            loss = v;
                            active = j;
                        }
                    }
                    if (candidate) {
                        Optional<Counterexample> ce = confirm(k, Arrays.copyOfRange(x, s * n, (s + 1) * n), lo, hi);
                        if (ce.isPresent()) return ce;
                    }
                    if (active >= 0 && !Double.isInfinite(loss)) {
                        LinearConstraint row = activeRow(disjuncts.get(active), yRow);
                        for (int o = 0; o < m; o++) g[s * m + o] = row.coefficient(o);
                    }
                    if (loss < bestLoss[s]) {
                        bestLoss[s] = loss;
                        if (bestX != null) System.arraycopy(x, s * n, bestX, s * n, n);
                    }
                }
                if (t == steps) break;

                // d/dx of sum_s g_s·y_s is, for every sample, the gradient of its own objective.
                tape.backward(tape.sum(tape.mul(y, tape.constant(new Tensor(g.clone(), b, m)))));
                double[] grad = xv.grad().data();
                backward++;

                double factor = switch (opt.schedule()) {
                    case CONSTANT, HALVING_ON_PLATEAU -> 1.0;
                    case COSINE -> 0.5 * (1 + Math.cos(Math.PI * t / steps));
                };
                double[] next = new double[b * n]; // a fresh array: the tape wraps x, and x must not change under it
                for (int s = 0; s < b; s++) {
                    double a = opt.stepFraction() * factor * scale[s];
                    for (int i = 0; i < n; i++) {
                        int p = s * n + i;
                        double v = x[p] - a * width[i] * Math.signum(grad[p]);
                        next[p] = Math.min(hi[i], Math.max(lo[i], v)); // projection onto the box
                    }
                }
                x = next;
                if (bestX != null && (t + 1) % checkEvery == 0) {
                    for (int s = 0; s < b; s++) {
                        if (!(bestLoss[s] < lastCheck[s])) {
                            scale[s] *= 0.5;
                            System.arraycopy(bestX, s * n, x, s * n, n);
                        }
                        lastCheck[s] = bestLoss[s];
                    }
                }
            }
            return Optional.empty();
        }

        /** Confirms a candidate at its float32 rounding inside the box first, then as it is. */
        Optional<Counterexample> confirm(int k, double[] x, double[] lo, double[] hi) {
            double[] f = toFloat32Inside(x, lo, hi);
            confirms++;
            Optional<Counterexample> ce = Counterexamples.confirm(net, property, k, f);
            if (ce.isPresent() || Arrays.equals(f, x)) return ce;
            confirms++;
            return Counterexamples.confirm(net, property, k, x);
        }
    }

    /** The row with the largest value (the one that decides the disjunct's objective); first on ties. */
    private static LinearConstraint activeRow(Disjunct d, double[] y) {
        LinearConstraint arg = null;
        double top = Double.NEGATIVE_INFINITY;
        for (LinearConstraint r : d.rows()) {
            double v = r.value(y);
            if (arg == null || v > top) {
                arg = r;
                top = v;
            }
        }
        return arg;
    }

    /**
     * Every coordinate rounded to float32 and kept inside {@code [lo_i, hi_i]}: to the nearest float32,
     * moved to the nearest float32 inside the interval when rounding left it. A coordinate whose interval
     * holds no float32 keeps its double value. A counterexample whose input is exactly representable in
     * float32 means the same thing to a double and a float32 re-check.
     */
    static double[] toFloat32Inside(double[] x, double[] lo, double[] hi) {
        double[] f = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            float fl = (float) lo[i], fh = (float) hi[i];
            if (fl < lo[i]) fl = Math.nextUp(fl);
            if (fh > hi[i]) fh = Math.nextDown(fh);
            if (fl > fh || !Float.isFinite(fl) || !Float.isFinite(fh)) {
                f[i] = x[i];
                continue;
            }
            f[i] = Math.min(fh, Math.max(fl, (float) x[i]));
        }
        return f;
    }
}
