package dev.verity.cli;

import dev.verity.testing.SharedData;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's contract: outputs, the `accuracy` last line, exit status 0 / 2 and messages that name the problem. */
class CliTest {
    record Result(int status, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    static Result cli(String... args) {
        CommandLine cl = Main.newCommandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    static Path shared() {
        String p = System.getProperty("verity.shared");
        SharedData.assume(p != null && Files.isDirectory(Path.of(p)), "../shared not present");
        return Path.of(p);
    }

    static Path mnist256x2() {
        return shared().resolve("benchmarks/vnncomp2021/mnistfc/mnist-net_256x2.onnx");
    }

    /** A model with a NaN or infinite parameter is bad input (exit 2, naming the node), in every command that loads it. */
    @Test
    void nonFiniteWeightsAreBadInput(@TempDir Path dir) throws Exception {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            dev.verity.model.Network.Builder b = dev.verity.model.Network.builder(new dev.verity.model.Shape(2));
            b.add(new dev.verity.model.Layer.Dense(Tensor.matrix(new double[][] {{1, 0}, {0, 1}}), Tensor.vector(0, 0)));
            b.add(new dev.verity.model.Layer.Relu());
            b.add(new dev.verity.model.Layer.Dense(Tensor.matrix(new double[][] {{1, bad}}), Tensor.vector(0)));
            Path model = dir.resolve("bad.onnx");
            dev.verity.onnx.OnnxExporter.write(b.build(), model);
            Path input = Files.writeString(dir.resolve("x.csv"), "0.5,0.5\n");
            Path spec = Files.writeString(dir.resolve("p.vnnlib"), """
                    (declare-const X_0 Real)
                    (declare-const X_1 Real)
                    (declare-const Y_0 Real)
                    (assert (>= X_0 0))
                    (assert (<= X_0 1))
                    (assert (>= X_1 0))
                    (assert (<= X_1 1))
                    (assert (<= Y_0 -1))
                    """);
            for (Result r : new Result[] {cli("info", model.toString()), cli("run", model.toString(), "--input", input.toString()),
                    cli("verify", model.toString(), spec.toString())}) {
                assertEquals(2, r.status(), r.out() + r.err());
                assertTrue(r.err().contains("node") && r.err().contains("weight") && r.err().contains("NaN or infinite"), r.err());
            }
        }
    }

    @Test
    void helpAndNoArguments() {
        assertEquals(0, cli("--help").status());
        Result r = cli("info", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("MODEL"), r.out());
    }

    @Test
    void infoCountsLayersParametersAndRelus() {
        Result r = cli("info", mnist256x2().toString());
        assertEquals(0, r.status(), r.err());
        // 784*256+256 + 256*256+256 + 256*10+10 parameters, 2x256 ReLUs
        assertTrue(r.lastLine().contains(String.format(Locale.ROOT, "%,d parameters", 784 * 256 + 256 + 256 * 256 + 256 + 2570)), r.out());
        assertTrue(r.lastLine().contains("512 ReLUs"), r.out());
        Result j = cli("info", mnist256x2().toString(), "--json");
        assertEquals(0, j.status());
        assertTrue(j.out().contains("\"relus\" : 512"), j.out());
    }

    @Test
    void runMatchesTheForwardPassForJsonAndCsvInput(@TempDir Path dir) throws Exception {
        Network net = OnnxImporter.load(mnist256x2());
        double[] x = new double[784];
        for (int i = 0; i < x.length; i++) x[i] = (i % 17) / 17.0;
        double[] expected = Forward.evaluate(net, new Tensor(x.clone(), net.inputShape().dims())).data();
        Path json = dir.resolve("x.json");
        Files.writeString(json, Arrays.toString(x));
        Path csv = dir.resolve("x.csv");
        Files.writeString(csv, Arrays.stream(x).mapToObj(Double::toString).collect(Collectors.joining(",")) + "\n");
        for (Path input : new Path[] {json, csv}) {
            Result r = cli("run", mnist256x2().toString(), "--input", input.toString());
            assertEquals(0, r.status(), r.err());
            for (int i = 0; i < expected.length; i++) assertTrue(r.out().contains("y[" + i + "] = " + expected[i]), r.out());
        }
        Result f32 = cli("run", mnist256x2().toString(), "--input", json.toString(), "--float32", "--json");
        assertEquals(0, f32.status(), f32.err());
        assertTrue(f32.out().contains("\"precision\" : \"float32\""), f32.out());
    }

    @Test
    void badInputExitsWithStatus2AndSaysWhy(@TempDir Path dir) throws Exception {
        Result missing = cli("info", dir.resolve("nope.onnx").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("nope.onnx"), missing.err());

        Path garbage = dir.resolve("garbage.onnx");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7});
        Result corrupt = cli("info", garbage.toString());
        assertEquals(2, corrupt.status(), corrupt.err());
        assertTrue(corrupt.err().contains("garbage.onnx"), corrupt.err());

        Path shortInput = dir.resolve("short.json");
        Files.writeString(shortInput, "[1, 2, 3]");
        Result wrongCount = cli("run", mnist256x2().toString(), "--input", shortInput.toString());
        assertEquals(2, wrongCount.status());
        assertTrue(wrongCount.err().contains("784"), wrongCount.err());

        assertEquals(2, cli("info").status());
        assertEquals(2, cli("no-such-command").status());
        assertEquals(2, cli("accuracy", mnist256x2().toString(), "--data", dir.toString()).status());
    }

    @Test
    void accuracyOnTheEranCsvEndsWithTheContractLine() {
        Result r = cli("accuracy", mnist256x2().toString(), "--data",
                shared().resolve("benchmarks/eran-data/mnist_test.csv").toString(), "--limit", "50");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.lastLine().matches("accuracy \\d\\.\\d{4} \\(\\d+/50\\)"), r.lastLine());
    }

    @Test
    void demoRunsOnTheBundledExample() {
        Result r = cli("demo", "--samples", "50");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("prop_0_0.03.vnnlib"), r.out());
        assertTrue(r.out().contains("prop_0_0.05.vnnlib"), r.out());
    }

    @Test
    void intermediateModesAreSelectableAndIntersectionIsNeverLooser() {
        Path prop = shared().resolve("benchmarks/vnncomp2021/mnistfc/prop_0_0.05.vnnlib");
        double pure = minMargin(cli("bounds", mnist256x2().toString(), "--vnnlib", prop.toString(), "--method", "crown", "--json"));
        double mixed = minMargin(cli("bounds", mnist256x2().toString(), "--vnnlib", prop.toString(), "--method", "crown",
                "--intermediate", "intersect-ibp", "--json"));
        assertEquals(-4.929853242469659, pure, 1e-9, "pure CROWN = auto_LiRPA's pure mode (shared/oracle)");
        assertTrue(mixed >= pure, mixed + " < " + pure);
        Result bad = cli("bounds", mnist256x2().toString(), "--vnnlib", prop.toString(), "--method", "crown", "--intermediate", "sometimes");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--intermediate"), bad.err());
    }

    private static double minMargin(Result r) {
        assertEquals(0, r.status(), r.err());
        try {
            return Json.MAPPER.readTree(r.out()).get("min_margin").asDouble();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void lagrangianBoundsWithTheContractKeys() {
        Path prop = shared().resolve("benchmarks/vnncomp2021/mnistfc/prop_2_0.03.vnnlib");
        Result r = cli("bounds", mnist256x2().toString(), "--vnnlib", prop.toString(), "--method", "lagrangian", "--json");
        assertEquals(0, r.status(), r.err());
        for (String key : new String[] {"\"method\" : \"lagrangian\"", "\"outputs\"", "\"margins\"", "\"min_margin\"", "\"verified\" : true", "\"time_ms\""})
            assertTrue(r.out().contains(key), key + " in " + r.out());
    }

    @Test
    void everyLpSolverGivesASoundBoundThroughTheCli() {
        Path prop = shared().resolve("benchmarks/vnncomp2021/mnistfc/prop_2_0.03.vnnlib");
        double glop = Double.NaN;
        for (String solver : new String[] {"glop", "pdlp", "highs"}) {
            // No backend's safe bound can beat GLOP's exact optimum. (HiGHS's native banner goes to the process's
            // standard output, which this in-process test cannot see; OrToolsLpSolver switches it off.)
            double m = minMargin(cli("bounds", mnist256x2().toString(), "--vnnlib", prop.toString(), "--method", "lp-last-crown",
                    "--lp-solver", solver, "--json"));
            if (solver.equals("glop")) glop = m;
            assertTrue(m <= glop + 1e-9, solver + " beat the exact LP: " + m + " > " + glop);
        }
        assertEquals(2, cli("bounds", mnist256x2().toString(), "--vnnlib", prop.toString(), "--method", "lp-last-crown", "--lp-solver", "cplex").status());
    }
}
