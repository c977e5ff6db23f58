package dev.verity.verify;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a computation with a hard deadline. The bound engine and LP solves cannot be stopped at an arbitrary
 * instant, so (for the {@link Verifier}'s stages and eval's methods) the computation runs on a daemon thread and the caller stops
 * waiting at the deadline; the thread is interrupted, which the engine notices between layers and optimisation steps,
 * and anything it still returns is dropped.
 */
public final class Deadline {
    private Deadline() {}

    /** The task's result, or empty when the {@code System.nanoTime()} deadline passed first. */
    public static <T> Optional<T> call(Callable<T> task, long deadlineNanos) {
        FutureTask<T> future = new FutureTask<>(task);
        Thread.ofPlatform().daemon().name("verity-deadline").start(future);
        try {
            return Optional.of(future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            future.cancel(true);
            return Optional.empty();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }
}
