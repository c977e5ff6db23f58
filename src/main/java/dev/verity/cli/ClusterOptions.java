package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.cluster.ClusterSettings;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * How to reach a Verity cluster ({@code worker}, and {@code eval}/{@code vnncomp} when they submit to one). The password
 * is never a flag value (it would show in the process list and shell history): the environment variable
 * {@value #PASSWORD_VARIABLE} or {@code --password-file}.
 */
final class ClusterOptions {
    static final String PASSWORD_VARIABLE = "VERITY_CLUSTER_PASSWORD";

    @Option(names = "--cluster", paramLabel = "NAME",
            description = "Run on the cluster of this name (members started by `verity worker --cluster NAME`); its password comes from "
                    + PASSWORD_VARIABLE + " or --password-file.")
    String name;

    @Option(names = "--members", paramLabel = "HOST:PORT,...", split = ",",
            description = "Members to join (default: this machine's loopback, port " + ClusterSettings.DEFAULT_PORT + " and up).")
    List<String> members = List.of();

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "File whose first line is the cluster password (instead of " + PASSWORD_VARIABLE + ").")
    Path passwordFile;

    @Option(names = "--bind", paramLabel = "IP",
            description = "The address this member binds to and announces (default " + ClusterSettings.LOOPBACK
                    + ": only this machine; give the machine's address on a private network to join others).")
    String bind;

    @Option(names = "--port", paramLabel = "P", defaultValue = "" + ClusterSettings.DEFAULT_PORT,
            description = "First port to listen on; the next free one is taken when it is in use (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--join-wait", defaultValue = "60", paramLabel = "S",
            description = "--cluster: seconds to wait for a worker to join, at the start and whenever every worker has left (default ${DEFAULT-VALUE}).")
    int joinWait;

    /** Joins the cluster as a submitter; no worker within {@code --join-wait} is bad input, said with the reason. */
    dev.verity.cluster.ClusterTaskRunner connect() {
        try {
            return new dev.verity.cluster.ClusterTaskRunner(settings(1, System.getenv()), java.time.Duration.ofSeconds(Math.max(1, joinWait)));
        } catch (dev.verity.cluster.ClusterTaskRunner.ClusterException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** Whether {@code --cluster} was given; cluster options without it are bad input (they would be ignored silently). */
    boolean enabled() {
        if (name == null && (!members.isEmpty() || passwordFile != null || bind != null))
            throw new InvalidInputException("--members, --bind and --password-file need --cluster NAME");
        return name != null;
    }

    /** The settings, with the password from the environment or the file. */
    ClusterSettings settings(int threads, java.util.Map<String, String> environment) {
        String password = password(environment);
        for (String m : members)
            if (m.isBlank()) throw new InvalidInputException("--members has an empty entry: " + members);
        try {
            return new ClusterSettings(name, password, members, bind, port, threads);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    private String password(java.util.Map<String, String> environment) {
        if (passwordFile != null) {
            try {
                List<String> lines = Files.readAllLines(passwordFile);
                if (lines.isEmpty() || lines.getFirst().isEmpty()) throw new InvalidInputException("--password-file " + passwordFile + " is empty");
                return lines.getFirst();
            } catch (IOException e) {
                throw new InvalidInputException("cannot read --password-file " + passwordFile + ": " + e.getMessage());
            }
        }
        String p = environment.get(PASSWORD_VARIABLE);
        if (p == null || p.isEmpty())
            throw new InvalidInputException("--cluster " + name + " needs a password: set " + PASSWORD_VARIABLE + " or give --password-file (never a flag value)");
        return p;
    }

    @Override public String toString() {
        return "cluster " + name + " " + Arrays.toString(members.toArray());
    }
}
