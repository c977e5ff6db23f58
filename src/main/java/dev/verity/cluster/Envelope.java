package dev.verity.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

import java.io.Serializable;
import java.util.concurrent.Callable;

/** A task as the executor service carries it to a worker, where it runs with that member's {@link WorkerContext}. */
final class Envelope<R extends Serializable> implements Callable<TaskResult<R>>, Serializable, HazelcastInstanceAware {
    private final Task<R> task;
    private transient HazelcastInstance member;

    Envelope(Task<R> task) {
        this.task = task;
    }

    @Override public void setHazelcastInstance(HazelcastInstance hz) {
        this.member = hz;
    }

    @Override public TaskResult<R> call() {
        WorkerContext context = (WorkerContext) member.getUserContext().get(WorkerContext.KEY);
        if (context == null) throw new IllegalStateException("this member is not a Verity worker");
        return LocalTaskRunner.runOne(task, context);
    }
}
