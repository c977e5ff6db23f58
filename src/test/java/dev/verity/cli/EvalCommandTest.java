package dev.verity.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.verity.cli.CliTest.cli;
import static dev.verity.cli.CliTest.mnist256x2;
import static dev.verity.cli.CliTest.shared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code verity eval} end to end on real MNIST images, and its refusals of bad input (exit 2). */
class EvalCommandTest {

    private static String mnist() { return shared().resolve("benchmarks/datasets/mnist").toString(); }

    /**
     * The images of VNN-COMP 2021 mnistfc properties 0..3 (test-set indices 8661, 2315, 5737, 1206, found by matching the
     * boxes' centres): at ε = 0.05 the competition's answers are sat, sat, unsat, sat, and at 0.03 all four unsat.
     */
    private static final String VNNCOMP_IMAGES = "8661,2315,5737,1206";

    @Test
    void smallRunWritesEveryReportAndAgreesWithTheVnncompAnswers(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        CliTest.Result r = cli("eval", mnist256x2().toString(), "--data", mnist(), "--indices", VNNCOMP_IMAGES, "--eps", "0.03,0.05",
                "--methods", "pgd,ibp,lp-greedy,crown", "--pgd-restarts", "10", "--jobs", "2", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        for (String f : List.of("results.jsonl", "run.json", "table.md", "table.csv", "cr-curve.csv", "summary.json", "cr-curve.png", "time.png"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        for (String png : List.of("cr-curve.png", "time.png")) assertEquals(900, ImageIO.read(out.resolve(png).toFile()).getWidth());
        // 3 of 4 refuted at 0.05 (a confirmed counterexample each, as in VNN-COMP); none can be refuted at 0.03.
        assertTrue(r.out().contains("| ε | test error | pgd lower | ibp upper | lp-greedy upper | crown upper |"), r.out());
        assertTrue(r.out().contains("| 0.05 | 0.00% | 75.00% | 100.00% |"), r.out());
        assertTrue(r.out().contains("| 0.03 | 0.00% | 0.00% | 100.00% |"), r.out());
        List<String> csv = Files.readAllLines(out.resolve("table.csv"));
        assertTrue(csv.getFirst().startsWith("eps,images,test_error,pgd_lower,ibp_upper,lp-greedy_upper,crown_upper,pgd_mean_s,"), csv.getFirst());
        assertEquals(3, csv.size());
        for (String row : csv.subList(1, 3)) {
            double[] v = Arrays.stream(row.split(",")).limit(7).mapToDouble(Double::parseDouble).toArray();
            // pgd lower <= crown upper <= lp-greedy upper <= ibp upper: the order of tightness
            assertTrue(v[3] <= v[6] && v[6] <= v[5] && v[5] <= v[4], row);
        }

        // Without --resume the folder is not touched; with it, after a crash mid-line, only the cut result is redone.
        CliTest.Result again = cli("eval", mnist256x2().toString(), "--data", mnist(), "--indices", VNNCOMP_IMAGES, "--eps", "0.03,0.05",
                "--out", out.toString());
        assertEquals(2, again.status());
        assertTrue(again.err().contains("--resume"), again.err());
        Path results = out.resolve("results.jsonl");
        String text = Files.readString(results);
        Files.writeString(results, text.substring(0, text.length() - 10));
        CliTest.Result resumed = cli("eval", mnist256x2().toString(), "--data", mnist(), "--indices", VNNCOMP_IMAGES, "--eps", "0.03,0.05",
                "--methods", "pgd,ibp,lp-greedy,crown", "--pgd-restarts", "10", "--jobs", "2", "--out", out.toString(), "--resume");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("computed 1 (image, ε) pairs"), resumed.out());
        assertEquals(text.lines().count(), Files.readString(results).lines().count());
        assertEquals(withoutTimes(csv), withoutTimes(Files.readAllLines(out.resolve("table.csv"))));
    }

    @Test
    void aMethodPastItsBudgetIsATimeoutAndCountsAsNotCertified(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        // alpha-crown on this network takes far longer than a millisecond
        CliTest.Result r = cli("eval", mnist256x2().toString(), "--data", mnist(), "--limit", "2", "--eps", "0.01", "--methods", "alpha-crown",
                "--timeout-per-image", "0.001", "--jobs", "1", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("| 0.01 | 0.00% | 100.00% |"), r.out());
        List<String> lines = Files.readAllLines(out.resolve("results.jsonl"));
        assertEquals(4, lines.size());
        for (String l : lines.subList(2, 4)) assertTrue(l.contains("\"status\":\"timeout\""), l);
        assertTrue(Files.readString(out.resolve("table.md")).contains("| alpha-crown | 0 / 0 / 0 / 2 / 0 |"));
    }

    @Test
    void badInputIsRefusedWithExit2(@TempDir Path dir) {
        String net = mnist256x2().toString(), data = mnist(), o = dir.resolve("o").toString();
        assertBad("unknown method 'fast'", "eval", net, "--data", data, "--eps", "0.1", "--methods", "crown,fast", "--out", o);
        assertBad("--eps values must be numbers > 0", "eval", net, "--data", data, "--eps", "0.1,0", "--out", o);
        assertBad("'x' is not a number", "eval", net, "--data", data, "--eps", "x", "--out", o);
        assertBad("--limit and --indices cannot be used together", "eval", net, "--data", data, "--eps", "0.1", "--limit", "3", "--indices", "1", "--out", o);
        assertBad("image index 10000 is out of range", "eval", net, "--data", data, "--eps", "0.1", "--indices", "10000", "--out", o);
        assertBad("needs 784", "eval", net, "--data", shared().resolve("benchmarks/eran-data/cifar10_test.csv").toString(), "--eps", "0.1",
                "--limit", "2", "--out", o);
        assertBad("--timeout-per-image", "eval", net, "--data", data, "--eps", "0.1", "--timeout-per-image", "0", "--out", o);
        assertTrue(Files.notExists(dir.resolve("o")), "nothing is written for bad input");
    }

    private static void assertBad(String message, String... args) {
        CliTest.Result r = cli(args);
        assertEquals(2, r.status(), String.join(" ", args) + "\n" + r.err());
        assertTrue(r.err().contains(message), r.err());
    }

    /** The CSV with the time columns (…_mean_s, …_median_s) dropped. */
    private static List<String> withoutTimes(List<String> csv) {
        List<String> head = List.of(csv.getFirst().split(","));
        return csv.stream().map(line -> {
            String[] f = line.split(",", -1);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < f.length; i++) if (!head.get(i).endsWith("_s")) sb.append(f[i]).append(',');
            return sb.toString();
        }).toList();
    }
}
