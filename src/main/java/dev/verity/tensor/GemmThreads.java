package dev.verity.tensor;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The helper threads of {@link Gemm}: a dynamic parallel-for in which the calling thread takes part.
 *
 * <p>Items are claimed from a shared counter, so a helper that starts late (the pool busy with another
 * caller's GEMM, or the core taken by another process) simply finds less or no work, and the caller never
 * waits for a helper to start, only for items that a helper has already claimed.
 */
final class GemmThreads {
    private GemmThreads() {}

    /** Threads a large GEMM uses: {@code -Dverity.gemm.threads=N}, else the available processors. */
    static final int DEFAULT_THREADS = Math.max(1,
            Integer.getInteger("verity.gemm.threads", Runtime.getRuntime().availableProcessors()));

    private static volatile ExecutorService pool;
    private static volatile int poolSize;

    private static ExecutorService pool(int helpers) {
        ExecutorService p = pool;
        if (p != null && poolSize >= helpers) return p;
        synchronized (GemmThreads.class) {
            if (pool == null || poolSize < helpers) {
                AtomicInteger id = new AtomicInteger();
                ExecutorService old = pool;
                pool = Executors.newFixedThreadPool(helpers, r -> {
                    Thread t = new Thread(r, "verity-gemm-" + id.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                poolSize = helpers;
                if (old != null) old.shutdown();
            }
            return pool;
        }
    }

    /** Runs {@code body.accept(i)} for i in [0, count) on up to {@code threads} threads (the caller included). */
    static void parallelFor(int count, int threads, IntConsumer body) {
        int helpers = Math.min(threads, count) - 1;
        if (helpers <= 0) {
            for (int i = 0; i < count; i++) body.accept(i);
            return;
        }
        Job job = new Job(count, body, Thread.currentThread());
        ExecutorService p = pool(helpers);
        try {
            for (int h = 0; h < helpers; h++) p.execute(job);
        } catch (RejectedExecutionException e) {
            // A pool replaced by a larger one concurrently: the caller does the remaining items itself.
        }
        job.run();
        job.await();
        Throwable t = job.failure.get();
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error e) throw e;
        if (t != null) throw new RuntimeException(t);
    }

    private static final class Job implements Runnable {
        final int count;
        final IntConsumer body;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int count, IntConsumer body, Thread caller) {
            this.count = count;
            this.body = body;
            this.caller = caller;
        }

        @Override
        public void run() {
            int i;
            while ((i = next.getAndIncrement()) < count) {
                try {
                    if (failure.get() == null) body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (done.incrementAndGet() == count) LockSupport.unpark(caller);
                }
            }
        }

        void await() {
            int spins = 0;
            while (done.get() < count) {
                if (spins++ < 1000) Thread.onSpinWait();
                else LockSupport.park(this);
            }
        }
    }
}
