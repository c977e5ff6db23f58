package dev.verity.cluster;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The work-distribution port of {@code eval} and {@code vnncomp}: runs tasks and streams their results back as they end.
 * {@link LocalTaskRunner} (threads of this JVM) is the default; {@link ClusterTaskRunner} runs them on the members of a
 * Hazelcast cluster ({@code verity worker}).
 */
public interface TaskRunner extends AutoCloseable {
    /**
     * Makes a file available to tasks under the key returned ({@link TaskContext#file}): on a cluster its SHA-256, the
     * bytes sent at most once per member; locally its path.
     */
    String publish(Path file);

    /**
     * Runs every task and calls {@code onDone} exactly once per task id as each ends (from any thread, one call at a
     * time), then returns.
     */
    <R extends Serializable> void runAll(List<? extends Task<R>> tasks, BiConsumer<Task<R>, TaskResult<R>> onDone);

    /** Members executing tasks now (1 for the local runner), for progress lines. */
    int membersAlive();

    @Override void close();
}
