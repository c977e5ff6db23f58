package dev.verity.cluster;

import java.io.Serializable;

/**
 * A unit of work that runs on any member of a {@link TaskRunner}: one VNN-COMP instance, one image of an evaluation.
 * It travels by Java serialization, so it holds only small values and the SHA-256 of the files it reads
 * ({@link TaskContext#file}); it is deterministic given those (seeds inside), so a run on a cluster gives the answers
 * a local run gives.
 *
 * @param <R> its result, serializable as well
 */
public interface Task<R extends Serializable> extends Serializable {
    /** Unique within one run: results are de-duplicated by it, and a task is re-run elsewhere under it. */
    String id();

    /** Does the work. An exception is the task's own failure (reported for it, not retried). */
    R run(TaskContext context) throws Exception;
}
