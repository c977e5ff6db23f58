package dev.verity.cluster;

import java.io.Serializable;

/** How one task ended: its value, or why there is none. */
public sealed interface TaskResult<R extends Serializable> extends Serializable {
    /** The task returned {@code value}. */
    record Done<R extends Serializable>(R value) implements TaskResult<R> {}

    /**
     * The task failed: it threw ({@code crashes} = 0), or the members running it left or died {@code crashes} times (a
     * task that takes down a member is not retried forever).
     */
    record Failed<R extends Serializable>(String error, int crashes) implements TaskResult<R> {}
}
