package dev.verity.cli;

import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;

import static dev.verity.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code verity vnncomp}: results csv, counterexample files that a checker accepts, the summary, grading and exit status. */
class VnncompCliTest {
    static Path testDir() {
        return CliTest.shared().resolve("benchmarks/vnncomp2021/test");
    }

    /** The X and Y values of a VNN-COMP counterexample file, in file order. */
    record Parsed(double[] x, double[] y) {}

    static Parsed parse(Path file) throws IOException {
        String text = Files.readString(file);
        assertTrue(text.startsWith("sat\n(("), text.substring(0, Math.min(40, text.length())));
        assertTrue(text.strip().endsWith("))"), "one pair of parentheses wraps the list");
        Map<String, List<Double>> values = Map.of("X", new ArrayList<>(), "Y", new ArrayList<>());
        Matcher m = Pattern.compile("\\((X|Y)_(\\d+) ([^)\\s]+)\\)").matcher(text);
        while (m.find()) {
            List<Double> l = values.get(m.group(1));
            assertEquals(l.size(), Integer.parseInt(m.group(2)), "indices in order");
            l.add(Double.parseDouble(m.group(3)));
        }
        return new Parsed(values.get("X").stream().mapToDouble(Double::doubleValue).toArray(),
                values.get("Y").stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** --resume keeps the finished rows, runs only the missing instances, appends them, and refuses another batch's file. */
    @Test
    void resumeRunsOnlyTheMissingInstances(@TempDir Path dir) throws IOException {
        Path t = testDir();
        Path csv = Files.writeString(dir.resolve("instances.csv"), String.join("\n",
                t.resolve("test_sat.onnx") + "," + t.resolve("test_prop.vnnlib") + ",20",
                t.resolve("test_nano.onnx") + "," + t.resolve("test_nano.vnnlib") + ",20") + "\n");
        Path out = dir.resolve("results.csv");
        CliTest.Result first = cli("vnncomp", csv.toString(), "--out", out.toString());
        assertEquals(0, first.status(), first.err());
        List<String> rows = Files.readAllLines(out);
        assertEquals(3, rows.size(), rows.toString());
        // Cut off after the first instance: keep it, but with a time no run can produce, so a re-run would show.
        String kept = rows.get(1).replaceFirst(",\\d+\\.\\d{3},", ",1234.500,");
        Files.writeString(out, rows.getFirst() + "\n" + kept + "\n");
        CliTest.Result resumed = cli("vnncomp", csv.toString(), "--out", out.toString(), "--resume");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.err().contains("1 of 2 instances already done, 1 to run"), resumed.err());
        assertEquals(1, resumed.err().lines().filter(l -> l.startsWith("[")).count(), "only the missing instance runs: " + resumed.err());
        List<String> after = Files.readAllLines(out);
        assertEquals(List.of(rows.getFirst(), kept), after.subList(0, 2));
        assertEquals(3, after.size(), after.toString());
        assertEquals(rows.get(2).replaceFirst(",\\d+\\.\\d{3},", ","), after.get(2).replaceFirst(",\\d+\\.\\d{3},", ","));
        assertTrue(resumed.out().contains("total                2") || resumed.out().matches("(?s).*total\\s+2\\b.*"), resumed.out());
        // Nothing left: nothing runs.
        CliTest.Result again = cli("vnncomp", csv.toString(), "--out", out.toString(), "--resume");
        assertEquals(0, again.status(), again.err());
        assertEquals(0, again.err().lines().filter(l -> l.startsWith("[")).count(), again.err());
        // A results file of another batch is bad input, not silently mixed.
        Path other = Files.writeString(dir.resolve("other.csv"), t.resolve("test_unsat.onnx") + "," + t.resolve("test_prop.vnnlib") + ",20\n");
        CliTest.Result mixed = cli("vnncomp", other.toString(), "--out", out.toString(), "--resume");
        assertEquals(2, mixed.status(), mixed.err());
        assertTrue(mixed.err().contains("cannot resume"), mixed.err());
        // So is the same batch with settings that change the answers: the kept rows were run with another timeout.
        assertTrue(Files.exists(dir.resolve("results.csv.settings.json")));
        CliTest.Result otherSettings = cli("vnncomp", csv.toString(), "--out", out.toString(), "--resume", "--timeout-scale", "2");
        assertEquals(2, otherSettings.status(), otherSettings.err());
        assertTrue(otherSettings.err().contains("timeout_scale"), otherSettings.err());
    }

    @Test
    void runsTheTestInstancesAndWritesACheckableCounterexample(@TempDir Path dir) throws IOException {
        Path t = testDir();
        // Relative paths (as in VNN-COMP's csvs) resolve against the csv's folder.
        String rel = dir.relativize(t).toString().replace('\\', '/');
        Files.writeString(dir.resolve("instances.csv"), String.join("\n",
                rel + "/test_sat.onnx," + rel + "/test_prop.vnnlib,20",
                rel + "/test_unsat.onnx," + rel + "/test_prop.vnnlib,20",
                t.resolve("test_nano.onnx") + "," + t.resolve("test_nano.vnnlib") + ",20") + "\n");
        Path out = dir.resolve("res/results.csv");
        Files.createDirectories(out.getParent());
        CliTest.Result r = cli("vnncomp", dir.resolve("instances.csv").toString(), "--out", out.toString());
        assertEquals(0, r.status(), r.err());

        List<String> rows = Files.readAllLines(out);
        assertEquals("onnx,vnnlib,result,time_s,method", rows.getFirst());
        assertEquals(4, rows.size(), rows.toString());
        assertTrue(rows.get(1).matches(Pattern.quote(rel + "/test_sat.onnx," + rel + "/test_prop.vnnlib") + ",sat,\\d+\\.\\d{3},pgd"), rows.get(1));
        String unsat = rows.stream().filter(l -> l.contains("test_unsat.onnx")).findFirst().orElseThrow();
        assertFalse(unsat.contains(",sat,"), "test_unsat holds: " + unsat);
        assertTrue(unsat.contains(",unsat,") || unsat.contains(",unknown,"), unsat);
        assertTrue(rows.get(3).contains(",unsat,"), rows.get(3));

        // Progress on stderr, one line per instance, in the documented shape.
        assertTrue(r.err().lines().anyMatch(l -> l.matches("\\[\\d/3] test_sat test_prop: sat \\(pgd\\) \\d+\\.\\d s")), r.err());
        assertEquals(3, r.err().lines().filter(l -> l.startsWith("[")).count(), r.err());

        // Summary: counts by verdict word.
        assertTrue(r.out().contains(row("falsified", 1)), r.out());
        assertTrue(r.out().contains(row("total", 3)), r.out());
        assertTrue(r.out().contains(row("error", 0)), r.out());

        // The counterexample parses back: X inside the box, Y the network's outputs at X.
        Path ce = out.getParent().resolve("counterexamples/test_sat__test_prop.counterexample");
        assertTrue(Files.isRegularFile(ce), ce.toString());
        Parsed p = parse(ce);
        Network net = OnnxImporter.load(t.resolve("test_sat.onnx"));
        VnnlibProperty prop = VnnlibReader.read(t.resolve("test_prop.vnnlib"));
        assertEquals(prop.inputCount(), p.x().length);
        assertEquals(prop.outputCount(), p.y().length);
        assertTrue(prop.cases().stream().anyMatch(c -> c.input().contains(p.x())), "X inside a case's box");
        double[] y = Forward.evaluate(net, new Tensor(p.x().clone(), net.inputShape().dims())).data();
        for (int j = 0; j < y.length; j++) assertEquals(y[j], p.y()[j], 1e-9 * Math.max(1, Math.abs(y[j])), "Y_" + j);
        assertTrue(prop.isCounterexample(p.x(), y), "the point violates the property");
        // No counterexample files for the instances that hold.
        try (var files = Files.list(ce.getParent())) {
            assertEquals(1, files.count());
        }
    }

    private static String row(String word, int n) {
        return String.format("%-12s %6d", word, n);
    }

    @Test
    void aWrongExpectedAnswerIsLoudAndExits3(@TempDir Path dir) throws IOException {
        Path t = testDir();
        // The csv names the model without .gz; only a compressed copy exists (as in the 2022 benchmarks).
        try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(dir.resolve("test_nano.onnx.gz")))) {
            Files.copy(t.resolve("test_nano.onnx"), gz);
        }
        Files.writeString(dir.resolve("instances.csv"), String.join("\n",
                t.resolve("test_sat.onnx") + "," + t.resolve("test_prop.vnnlib") + ",20",
                "test_nano.onnx," + t.resolve("test_nano.vnnlib") + ",20",
                t.resolve("test_tiny.onnx") + "," + t.resolve("test_tiny.vnnlib") + ",20",
                t.resolve("test_small.onnx") + "," + t.resolve("test_small.vnnlib") + ",20"));
        // test_sat is violated; the table claims it holds, so our (right) sat must be reported as WRONG.
        Files.writeString(dir.resolve("expected.csv"), String.join("\n",
                "year,benchmark,onnx,vnnlib,expected_majority,unanimous",
                "2021,test,test_sat.onnx,test_prop.vnnlib,unsat,yes",
                "2021,test,test_nano.onnx.gz,test_nano.vnnlib,unsat,yes",
                "2021,test,test_tiny.onnx,test_tiny.vnnlib,unknown,no"));
        CliTest.Result r = cli("vnncomp", dir.resolve("instances.csv").toString(), "--out", dir.resolve("r.csv").toString(),
                "--expected", dir.resolve("expected.csv").toString(), "--jobs", "2");
        assertEquals(3, r.status(), r.out() + r.err());
        assertTrue(r.out().contains(row("correct", 1)), r.out());
        assertTrue(r.out().contains(row("WRONG", 1)), r.out());
        assertTrue(r.out().contains(row("open", 1)), r.out());
        assertTrue(r.out().contains(row("not in table", 1)), r.out());
        assertTrue(r.out().contains("WRONG " + t.resolve("test_sat.onnx") + " " + t.resolve("test_prop.vnnlib") + ": answered sat, expected unsat"), r.out());
        assertTrue(r.err().contains("WRONG answer"), r.err());
        // Parallel runs still give one row per instance.
        assertEquals(5, Files.readAllLines(dir.resolve("r.csv")).size());
        assertTrue(Files.readString(dir.resolve("r.csv")).contains("test_nano.onnx," + t.resolve("test_nano.vnnlib") + ",unsat,"));
    }

    @Test
    void badInputExits2BeforeRunningAnything(@TempDir Path dir) throws IOException {
        Path t = testDir();
        Files.writeString(dir.resolve("instances.csv"), t.resolve("test_nano.onnx") + "," + t.resolve("test_nano.vnnlib") + ",20\n"
                + "missing.onnx," + t.resolve("test_nano.vnnlib") + ",20\n");
        CliTest.Result r = cli("vnncomp", dir.resolve("instances.csv").toString(), "--out", dir.resolve("r.csv").toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("missing.onnx") && r.err().contains("line 2"), r.err());
        assertFalse(Files.exists(dir.resolve("r.csv")), "nothing ran");

        Files.writeString(dir.resolve("ok.csv"), t.resolve("test_nano.onnx") + "," + t.resolve("test_nano.vnnlib") + ",20\n");
        assertEquals(2, cli("vnncomp", dir.resolve("ok.csv").toString(), "--out", dir.resolve("r.csv").toString(), "--timeout-scale", "0").status());
        assertEquals(2, cli("vnncomp", dir.resolve("ok.csv").toString(), "--out", dir.resolve("r.csv").toString(), "--jobs", "0").status());
        assertEquals(2, cli("vnncomp", dir.resolve("nope.csv").toString()).status());
        Files.writeString(dir.resolve("bad.csv"), t.resolve("test_nano.onnx") + "," + t.resolve("test_nano.vnnlib") + ",soon\n");
        assertEquals(2, cli("vnncomp", dir.resolve("bad.csv").toString(), "--out", dir.resolve("r.csv").toString()).status());
    }

    @Test
    void anUnreadableModelIsAnErrorRowNotAFailedBatch(@TempDir Path dir) throws IOException {
        Path t = testDir();
        Files.write(dir.resolve("garbage.onnx"), new byte[] {1, 2, 3, 4, 5});
        Files.writeString(dir.resolve("instances.csv"), "garbage.onnx," + t.resolve("test_nano.vnnlib") + ",20\n"
                + t.resolve("test_nano.onnx") + "," + t.resolve("test_nano.vnnlib") + ",20\n");
        CliTest.Result r = cli("vnncomp", dir.resolve("instances.csv").toString(), "--out", dir.resolve("r.csv").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains(row("error", 1)) && r.out().contains(row("verified", 1)), r.out());
        assertTrue(r.err().contains("garbage.onnx"), r.err());
    }

    @Test
    void verifyWritesTheCounterexampleFileOnlyWhenFalsified(@TempDir Path dir) throws IOException {
        Path t = testDir();
        Path ce = dir.resolve("ce.txt");
        CliTest.Result sat = cli("verify", t.resolve("test_sat.onnx").toString(), t.resolve("test_prop.vnnlib").toString(), "--timeout", "20",
                "--counterexample", ce.toString());
        assertEquals(10, sat.status(), sat.err());
        assertEquals("falsified", sat.lastLine());
        Parsed p = parse(ce);
        assertEquals(5, p.x().length);
        assertEquals(5, p.y().length);
        Path none = dir.resolve("none.txt");
        CliTest.Result holds = cli("verify", t.resolve("test_nano.onnx").toString(), t.resolve("test_nano.vnnlib").toString(),
                "--counterexample", none.toString());
        assertNotEquals(10, holds.status());
        assertFalse(Files.exists(none));
    }

    @Test
    void theCounterexampleFormatRoundTripsEveryDouble() {
        var c = new dev.verity.attack.Counterexample(new double[] {1e-300, -0.1, 0.0, 123456789.125}, new double[] {-3.5e-7, 2.0 / 3},
                new double[] {0, 0}, 0, 0);
        String text = dev.verity.verify.BatchRunner.counterexampleText(c);
        assertEquals(List.of("sat", "((X_0", "(X_1", "(X_2", "(X_3", "(Y_0", "(Y_1"),
                text.lines().map(l -> l.split(" ")[0]).collect(Collectors.toList()));
        assertFalse(text.contains("E"), "no exponents: " + text);
        Matcher m = Pattern.compile("\\((?:X|Y)_\\d+ ([^)]+)\\)").matcher(text);
        List<Double> vals = new ArrayList<>();
        while (m.find()) vals.add(Double.parseDouble(m.group(1)));
        assertEquals(List.of(1e-300, -0.1, 0.0, 123456789.125, -3.5e-7, 2.0 / 3), vals);
    }
}
