package dev.verity.cluster;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** A member that runs tasks ({@code verity worker}): starts, joins, and serves until it is shut down. */
public final class ClusterWorker implements AutoCloseable {
    private final HazelcastInstance hz;
    private final Path folder;
    @SuppressWarnings("unused") private final java.util.logging.Logger logging = HazelcastConfigs.quiet();

    public ClusterWorker(ClusterSettings settings) {
        try {
            folder = Files.createTempDirectory("verity-worker-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the worker's file folder", e);
        }
        WorkerContext context = new WorkerContext(folder);
        ConcurrentMap<String, Object> user = new ConcurrentHashMap<>();
        user.put(WorkerContext.KEY, context);
        hz = Hazelcast.newHazelcastInstance(HazelcastConfigs.config(settings, true, user));
        context.attach(hz);
    }

    /** This member's address as {@code HOST:PORT}. */
    public String address() {
        var a = hz.getCluster().getLocalMember().getAddress();
        return a.getHost() + ":" + a.getPort();
    }

    /** Members in the cluster now, this one included (the submitters too). */
    public int clusterSize() {
        return hz.getCluster().getMembers().size();
    }

    /** Leaves the cluster gracefully (its tasks in flight are re-run elsewhere) and deletes the fetched files. */
    @Override public void close() {
        if (hz.getLifecycleService().isRunning()) hz.shutdown();
        deleteFolder();
    }

    /** Leaves abruptly, as a killed process would (tests). */
    public void kill() {
        hz.getLifecycleService().terminate();
        deleteFolder();
    }

    private void deleteFolder() {
        try (var files = Files.list(folder)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // the temporary folder stays; nothing else depends on it
        }
    }
}
