package dev.verity.attack;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Settings of a {@link Pgd} attack.
 *
 * @param restarts     starting points per case (the box centre for the first objective(s), then uniform random points)
 * @param steps        signed-gradient steps per starting point
 * @param stepFraction initial step size as a fraction of each coordinate's box width (L∞ geometry: every
 *                     coordinate moves by its own width times this)
 * @param schedule     how the step size shrinks over the steps
 * @param seed         seed of the random starts; the same seed and options give the same run
 * @param deadline     wall-clock time after which the attack gives up (null: none)
 * @param batchSize    starting points attacked together in one batched forward/backward pass
 * @param reluLeak     slope given to the gradient of a ReLU where its input is negative, at the first step,
 *                     decreasing linearly to 0 at the last; 0 for the true gradient. Only the backward pass
 *                     changes: values, losses and candidates are exact. Why: signed steps on a ReLU net
 *                     readily switch off every neuron of a layer, and on that dead plateau the true
 *                     gradient is 0 and PGD stops moving (on mnist-net_256x2 prop_0_0.05 every one of
 *                     100 starts ends on it, at margin 0.962, while the property is violated); the small
 *                     leak still points the way out.
 */
public record PgdOptions(int restarts, int steps, double stepFraction, Schedule schedule, long seed, Instant deadline, int batchSize,
                         double reluLeak) implements java.io.Serializable {

    /** Step-size schedules. */
    public enum Schedule {
        /** The initial step size throughout. */
        CONSTANT,
        /** Cosine annealing from the initial step size to zero: big moves first, fine convergence at the end. */
        COSINE,
        /**
         * Per starting point, halve the step size and go back to the best point seen when the loss has not
         * improved over a checkpoint interval (a tenth of the steps, at least 5), as in APGD.
         */
        HALVING_ON_PLATEAU
    }

    public PgdOptions {
        if (restarts < 1) throw new IllegalArgumentException("restarts must be >= 1, got " + restarts);
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        if (!(stepFraction > 0) || !Double.isFinite(stepFraction)) throw new IllegalArgumentException("stepFraction must be > 0, got " + stepFraction);
        Objects.requireNonNull(schedule, "schedule");
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        if (!(reluLeak >= 0) || !Double.isFinite(reluLeak)) throw new IllegalArgumentException("reluLeak must be >= 0, got " + reluLeak);
    }

    /**
     * 100 starts of 100 cosine-annealed steps of initially a quarter of the box width, with a ReLU
     * gradient leak of 0.01 annealed to 0; no deadline. Chosen on VNN-COMP 2021 mnist-net_256x2 (see the
     * attack tests), where leaks from 0.001 to 0.01 all work and 0 finds nothing.
     */
    public static PgdOptions defaults() {
        return new PgdOptions(100, 100, 0.25, Schedule.COSINE, 0L, null, 100, 0.01);
    }

    public PgdOptions withRestarts(int r) { return new PgdOptions(r, steps, stepFraction, schedule, seed, deadline, batchSize, reluLeak); }
    public PgdOptions withSteps(int s) { return new PgdOptions(restarts, s, stepFraction, schedule, seed, deadline, batchSize, reluLeak); }
    public PgdOptions withStepFraction(double f) { return new PgdOptions(restarts, steps, f, schedule, seed, deadline, batchSize, reluLeak); }
    public PgdOptions withSchedule(Schedule s) { return new PgdOptions(restarts, steps, stepFraction, s, seed, deadline, batchSize, reluLeak); }
    public PgdOptions withSeed(long s) { return new PgdOptions(restarts, steps, stepFraction, schedule, s, deadline, batchSize, reluLeak); }
    public PgdOptions withBatchSize(int b) { return new PgdOptions(restarts, steps, stepFraction, schedule, seed, deadline, b, reluLeak); }
    public PgdOptions withDeadline(Instant d) { return new PgdOptions(restarts, steps, stepFraction, schedule, seed, d, batchSize, reluLeak); }

    public PgdOptions withReluLeak(double l) { return new PgdOptions(restarts, steps, stepFraction, schedule, seed, deadline, batchSize, l); }

    /** A deadline {@code budget} from now. */
    public PgdOptions withTimeBudget(Duration budget) { return withDeadline(Instant.now().plus(budget)); }
}
