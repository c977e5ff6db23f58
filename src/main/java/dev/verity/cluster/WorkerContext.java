package dev.verity.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A worker's {@link TaskContext}: files fetched from the cluster's file map once (checked against their SHA-256) into a
 * folder of this member, and the values its tasks share. One per member, in the member's user context.
 */
final class WorkerContext implements TaskContext {
    static final String KEY = "verity.worker-context";

    private final Path folder;
    private final Map<String, Path> fetched = new ConcurrentHashMap<>();
    private final Map<String, Object> shared = new ConcurrentHashMap<>();
    private volatile IMap<String, byte[]> files;
    private volatile HazelcastInstance member;

    WorkerContext(Path folder) {
        this.folder = folder;
    }

    void attach(HazelcastInstance hz) {
        member = hz;
        files = hz.getMap(HazelcastConfigs.FILES);
    }

    /** The member this context belongs to (tests make a task bring its member down with it). */
    HazelcastInstance member() {
        return member;
    }

    @Override public Path file(String sha256, String name) {
        return fetched.computeIfAbsent(sha256, h -> {
            byte[] bytes = files.get(h);
            if (bytes == null) throw new IllegalStateException("the cluster holds no file " + h + " (" + name + ")");
            if (!dev.verity.io.Digests.sha256(bytes).equals(h)) throw new IllegalStateException("file " + name + " arrived corrupted (SHA-256 differs)");
            String base = Path.of(name).getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
            Path p = folder.resolve(h.substring(0, 16) + "-" + base);
            try {
                Files.write(p, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot store " + name + " in " + folder, e);
            }
            return p;
        });
    }

    @SuppressWarnings("unchecked")
    @Override public <T> T shared(String key, Supplier<T> make) {
        return (T) shared.computeIfAbsent(key, k -> make.get());
    }
}
