package dev.verity.cluster;

import java.util.List;
import java.util.Objects;

/**
 * How a member joins a Verity cluster.
 *
 * @param name     the cluster's name; with the password it makes the name Hazelcast sees ({@link #hazelcastName()})
 * @param password shared by every member; never a command-line value (environment variable or file)
 * @param members  addresses {@code HOST[:PORT]} of members to join (empty: start alone and wait to be joined)
 * @param bind     the IP address this member binds to and announces (loopback unless told otherwise)
 * @param port     the first port to try (the next ones are tried when it is taken)
 * @param threads  tasks a worker runs at once (a submitter runs none)
 */
public record ClusterSettings(String name, String password, List<String> members, String bind, int port, int threads) {
    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 5701;

    public ClusterSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(password, "password");
        if (name.isBlank()) throw new IllegalArgumentException("the cluster name is empty");
        if (password.isEmpty()) throw new IllegalArgumentException("the cluster password is empty");
        members = List.copyOf(members);
        if (bind == null) bind = LOOPBACK;
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be in 1..65535, got " + port);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }

    /**
     * The cluster name Hazelcast's members compare when one asks to join: the name and a digest of the password.
     * Hazelcast's open-source edition has no authentication of its own; a member that does not know the password asks
     * under another name and is refused (it forms a cluster of its own). The digest travels in clear text (no TLS):
     * whoever can read the network can join (docs/scale-out.md).
     */
    public String hazelcastName() {
        return name + "-" + dev.verity.io.Digests.sha256(("verity-cluster\n" + name + "\n" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 24);
    }

    @Override public String toString() { // never the password
        return "ClusterSettings[name=" + name + ", members=" + members + ", bind=" + bind + ", port=" + port + ", threads=" + threads + "]";
    }
}
