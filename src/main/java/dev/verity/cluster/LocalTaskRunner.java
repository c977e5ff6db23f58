package dev.verity.cluster;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/** Runs tasks on {@code threads} threads of this JVM; published files are read where they are (keyed by path). */
public final class LocalTaskRunner implements TaskRunner {
    private final int threads;
    private final Map<String, Path> files = new ConcurrentHashMap<>();
    private final Map<String, Object> shared = new ConcurrentHashMap<>();
    private final TaskContext context = new TaskContext() {
        @Override public Path file(String key, String name) {
            Path p = files.get(key);
            if (p == null) throw new IllegalArgumentException("no file published under " + key);
            return p;
        }

        @SuppressWarnings("unchecked")
        @Override public <T> T shared(String key, Supplier<T> make) {
            return (T) shared.computeIfAbsent(key, k -> make.get());
        }
    };

    public LocalTaskRunner(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
    }

    /** The file's absolute path is its key here: the tasks read it where it is, so there is nothing to hash or send. */
    @Override public String publish(Path file) {
        String key = file.toAbsolutePath().toString();
        files.putIfAbsent(key, file);
        return key;
    }

    @Override public <R extends Serializable> void runAll(List<? extends Task<R>> tasks, BiConsumer<Task<R>, TaskResult<R>> onDone) {
        Object lock = new Object();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("verity-task-", 0).factory())) {
            List<Future<?>> futures = new ArrayList<>();
            for (Task<R> t : tasks) {
                futures.add(pool.submit(() -> {
                    TaskResult<R> r = runOne(t, context);
                    synchronized (lock) {
                        onDone.accept(t, r);
                    }
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the tasks", e);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    if (e.getCause() instanceof Error err) throw err;
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
    }

    /** Runs one task, its exception (not an Error: those end the run) turned into a {@link TaskResult.Failed}. */
    static <R extends Serializable> TaskResult<R> runOne(Task<R> t, TaskContext context) {
        try {
            return new TaskResult.Done<>(t.run(context));
        } catch (Exception e) {
            return new TaskResult.Failed<>(e.getMessage() == null ? e.toString() : e.getMessage(), 0);
        }
    }

    @Override public int membersAlive() { return 1; }

    @Override public void close() {}
}
