package dev.verity.cluster;

import java.nio.file.Path;
import java.util.function.Supplier;

/** What a {@link Task} gets from the member that runs it. */
public interface TaskContext {
    /**
     * The file published under {@code key} ({@link TaskRunner#publish}: its SHA-256 on a cluster) as a local path whose
     * name ends like {@code name} (e.g. {@code .onnx.gz}, which readers recognise); fetched from the cluster once per member.
     */
    Path file(String key, String name);

    /** A value the tasks on this member share (a loaded network, a verifier), made once per key. */
    <T> T shared(String key, Supplier<T> make);
}
