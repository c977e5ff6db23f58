package dev.verity.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Runs tasks on the workers of a Hazelcast cluster ({@code verity worker}), from a lite member that holds no data and
 * runs nothing. Files go into the cluster's file map once (by SHA-256; each worker fetches a file once). Each worker gets
 * at most as many tasks at a time as it has threads, so a slow member never holds a queue of work that others could
 * do. A task whose member leaves or dies is re-run on another; one that was running on a member that went away twice is
 * reported as failed (it may be what brings members down) and never retried forever. Results are de-duplicated by task
 * id. The submitter dying loses what is in flight only: the caller writes each result as it arrives, and its
 * {@code --resume} runs the rest.
 */
public final class ClusterTaskRunner implements TaskRunner {
    /** How often a task may lose its member before it is reported as failed. */
    static final int MAX_CRASHES = 2;

    private final HazelcastInstance hz;
    private final IMap<String, byte[]> files;
    private final IExecutorService executor;
    private final Duration joinWait;
    private final ClusterSettings settings;
    @SuppressWarnings("unused") private final java.util.logging.Logger logging = HazelcastConfigs.quiet();

    /**
     * Joins the cluster and waits up to {@code joinWait} for a worker.
     *
     * @throws ClusterException when no worker is there by then (wrong address, name or password: said in the message)
     */
    public ClusterTaskRunner(ClusterSettings settings, Duration joinWait) {
        this.settings = settings;
        this.joinWait = joinWait;
        this.hz = Hazelcast.newHazelcastInstance(HazelcastConfigs.config(settings, false, null));
        try {
            if (!awaitWorker(joinWait))
                throw new ClusterException("no worker of cluster '" + settings.name() + "' joined within " + joinWait.toSeconds() + " s at "
                        + (settings.members().isEmpty() ? settings.bind() : String.join(",", settings.members()))
                        + ": start `verity worker --cluster " + settings.name() + "` there, with the same password (VERITY_CLUSTER_PASSWORD or"
                        + " --password-file). A member with another password or cluster name is refused: it forms a cluster of its own.");
        } catch (RuntimeException e) {
            hz.shutdown();
            throw e;
        }
        this.files = hz.getMap(HazelcastConfigs.FILES);
        this.executor = hz.getExecutorService(HazelcastConfigs.EXECUTOR);
    }

    /** Thrown when the cluster cannot run the tasks (no worker joined, or all left for good). */
    public static final class ClusterException extends RuntimeException {
        public ClusterException(String message) { super(message); }
    }

    private List<Member> workers() {
        return hz.getCluster().getMembers().stream().filter(m -> !m.isLiteMember() && "worker".equals(m.getAttribute(HazelcastConfigs.ROLE))).toList();
    }

    private boolean awaitWorker(Duration wait) {
        long end = System.nanoTime() + wait.toNanos();
        while (workers().isEmpty()) {
            if (System.nanoTime() - end >= 0) return false;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override public String publish(Path file) {
        String h = dev.verity.io.Digests.sha256(file);
        if (!files.containsKey(h)) {
            try {
                files.set(h, Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return h;
    }

    @Override public int membersAlive() {
        return workers().size();
    }

    private record Event<R extends Serializable>(Task<R> task, UUID member, TaskResult<R> result, Throwable error) {}

    @Override public <R extends Serializable> void runAll(List<? extends Task<R>> tasks, BiConsumer<Task<R>, TaskResult<R>> onDone) {
        Deque<Task<R>> queue = new ArrayDeque<>(tasks);
        Set<String> ids = new LinkedHashSet<>();
        for (Task<R> t : tasks) ids.add(t.id());
        Set<String> done = new HashSet<>();
        Map<String, Integer> crashes = new HashMap<>();
        Map<UUID, Integer> busy = new HashMap<>();
        BlockingQueue<Event<R>> events = new LinkedBlockingQueue<>();
        int inFlight = 0;
        long idleSince = System.nanoTime();
        while (done.size() < ids.size()) {
            for (Member m : workers()) {
                int slots = threads(m);
                while (busy.getOrDefault(m.getUuid(), 0) < slots && !queue.isEmpty()) {
                    Task<R> t = queue.poll();
                    if (done.contains(t.id())) continue;
                    busy.merge(m.getUuid(), 1, Integer::sum);
                    inFlight++;
                    UUID member = m.getUuid();
                    executor.submitToMember(new Envelope<>(t), m, new ExecutionCallback<TaskResult<R>>() {
                        @Override public void onResponse(TaskResult<R> r) { events.add(new Event<>(t, member, r, null)); }
                        @Override public void onFailure(Throwable e) { events.add(new Event<>(t, member, null, e)); }
                    });
                }
            }
            if (inFlight == 0 && !queue.isEmpty()) {
                // Every worker has left: wait for one to (re)join, as long as a worker may take to start.
                if (System.nanoTime() - idleSince > joinWait.toNanos())
                    throw new ClusterException("every worker of cluster '" + settings.name() + "' has left; " + (ids.size() - done.size())
                            + " tasks not run (start workers and resume)");
                sleep(100);
                continue;
            }
            Event<R> e;
            try {
                e = events.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the cluster", ex);
            }
            if (e == null) continue;
            inFlight--;
            idleSince = System.nanoTime();
            busy.merge(e.member(), -1, Integer::sum);
            String id = e.task().id();
            if (e.result() != null) {
                if (done.add(id)) onDone.accept(e.task(), e.result());
            } else if (memberLost(e.error())) {
                int c = crashes.merge(id, 1, Integer::sum);
                if (c >= MAX_CRASHES) {
                    if (done.add(id)) onDone.accept(e.task(), new TaskResult.Failed<>("the member running it left or died " + c + " times ("
                            + message(e.error()) + "); not retried", c));
                } else if (!done.contains(id)) {
                    queue.addFirst(e.task());
                }
            } else if (done.add(id)) {
                onDone.accept(e.task(), new TaskResult.Failed<>(message(e.error()), 0));
            }
        }
    }

    private static int threads(Member m) {
        try {
            return Math.max(1, Integer.parseInt(m.getAttribute(HazelcastConfigs.THREADS)));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** Whether a failure says that the task's member went away (rather than that the task failed). */
    static boolean memberLost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof MemberLeftException || t instanceof TargetNotMemberException || t instanceof TargetDisconnectedException
                    || t instanceof HazelcastInstanceNotActiveException)
                return true;
        return false;
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a worker", e);
        }
    }

    @Override public void close() {
        if (hz.getLifecycleService().isRunning()) hz.shutdown();
    }
}
