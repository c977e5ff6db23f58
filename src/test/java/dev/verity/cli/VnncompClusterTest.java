package dev.verity.cli;

import dev.verity.cluster.ClusterSettings;
import dev.verity.cluster.ClusterWorker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static dev.verity.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vnncomp --cluster} and {@code eval --cluster} (issue 18): ten ACAS Xu instances on two workers in this JVM give
 * the local run's results file (the answers and deciding stages; not the times), and so do 50 MNIST images by pgd, ibp and
 * crown, with the files sent to the workers by hash; a wrong password is refused with a message that says so.
 */
class VnncompClusterTest {
    private static final int PORT = 6900 + (int) (ProcessHandle.current().pid() % 400) * 2;

    private static final String[][] ROWS = {
            {"1_2", "1"}, {"1_2", "2"}, {"1_2", "3"}, {"1_2", "4"}, {"1_3", "1"}, {"1_3", "3"}, {"1_3", "4"}, {"1_4", "1"}, {"1_4", "2"}, {"1_5", "1"}};

    @Test
    void tenInstancesOnTwoWorkersGiveTheLocalResults(@TempDir Path dir) throws IOException {
        Path acas = CliTest.shared().resolve("benchmarks/vnncomp2021/acasxu");
        String csvText = java.util.Arrays.stream(ROWS).map(r -> acas.resolve("ACASXU_run2a_" + r[0] + "_batch_2000.onnx") + ","
                + acas.resolve("prop_" + r[1] + ".vnnlib") + ",30").collect(Collectors.joining("\n")) + "\n";
        Path csv = Files.writeString(dir.resolve("instances.csv"), csvText);
        Path password = Files.writeString(dir.resolve("password"), "s3cret\n");

        var local = cli("vnncomp", csv.toString(), "--out", dir.resolve("local.csv").toString());
        assertEquals(0, local.status(), local.err());

        ClusterSettings worker = new ClusterSettings("verity-cli-" + PORT, "s3cret", List.of(), null, PORT, 1);
        ClusterSettings second = new ClusterSettings("verity-cli-" + PORT, "s3cret", List.of("127.0.0.1:" + PORT), null, PORT, 1);
        try (ClusterWorker a = new ClusterWorker(worker); ClusterWorker b = new ClusterWorker(second)) {
            var wrong = cli("vnncomp", csv.toString(), "--out", dir.resolve("wrong.csv").toString(), "--cluster", "verity-cli-" + PORT,
                    "--members", "127.0.0.1:" + PORT, "--password-file", Files.writeString(dir.resolve("bad"), "guess\n").toString(), "--join-wait", "5");
            assertEquals(Main.EXIT_BAD_INPUT, wrong.status(), wrong.err());
            assertTrue(wrong.err().contains("password"), wrong.err());

            var remote = cli("vnncomp", csv.toString(), "--out", dir.resolve("cluster.csv").toString(), "--cluster", "verity-cli-" + PORT,
                    "--members", "127.0.0.1:" + PORT, "--password-file", password.toString());
            assertEquals(0, remote.status(), remote.err());
            assertTrue(remote.err().contains("members alive]"), remote.err());

            // eval: 50 MNIST images at one ε, pgd, ibp and crown, on the same two workers and locally.
            Path mnist = CliTest.shared().resolve("benchmarks/vnncomp2021/mnistfc/mnist-net_256x2.onnx");
            Path data = CliTest.shared().resolve("benchmarks/datasets/mnist");
            String[] evalArgs = {"eval", mnist.toString(), "--data", data.toString(), "--limit", "50", "--eps", "0.02", "--methods", "pgd,ibp,crown"};
            var evalLocal = cli(concat(evalArgs, "--out", dir.resolve("eval-local").toString()));
            assertEquals(0, evalLocal.status(), evalLocal.err());
            var evalRemote = cli(concat(evalArgs, "--out", dir.resolve("eval-cluster").toString(), "--cluster", "verity-cli-" + PORT,
                    "--members", "127.0.0.1:" + PORT, "--password-file", password.toString()));
            assertEquals(0, evalRemote.status(), evalRemote.err());
            assertTrue(evalRemote.err().contains("members alive]"), evalRemote.err());
            assertEquals(resultsWithoutTimes(dir.resolve("eval-local/results.jsonl")), resultsWithoutTimes(dir.resolve("eval-cluster/results.jsonl")));
        }
        assertEquals(withoutTimes(dir.resolve("local.csv")), withoutTimes(dir.resolve("cluster.csv")));
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The lines of an eval results file, sorted, without their times. */
    private static List<String> resultsWithoutTimes(Path results) throws IOException {
        List<String> lines = Files.readAllLines(results).stream().map(l -> l.replaceAll("\"time_s\":[^,}]*,?", "")).sorted().toList();
        assertTrue(lines.stream().filter(l -> l.contains("\"type\":\"result\"")).count() >= 100, "results: " + lines);
        return lines;
    }

    /** Cluster options without --cluster would be ignored: they are refused, before anything is read. */
    @Test
    void clusterOptionsWithoutAClusterAreRefused(@TempDir Path dir) {
        var v = cli("vnncomp", dir.resolve("missing.csv").toString(), "--members", "10.0.0.1:5701");
        assertEquals(Main.EXIT_BAD_INPUT, v.status(), v.err());
        assertTrue(v.err().contains("need --cluster"), v.err());
        var e = cli("eval", dir.resolve("missing.onnx").toString(), "--data", dir.toString(), "--eps", "0.1", "--password-file", "pw");
        assertEquals(Main.EXIT_BAD_INPUT, e.status(), e.err());
        assertTrue(e.err().contains("need --cluster"), e.err());
    }

    /** The rows sorted, without the time column. */
    private static List<String> withoutTimes(Path results) throws IOException {
        return Files.readAllLines(results).stream().map(l -> {
            String[] f = l.split(",", -1);
            return f[0] + "," + f[1] + "," + f[2] + "," + f[4];
        }).sorted().toList();
    }
}
