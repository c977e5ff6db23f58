package dev.verity.attack;

import dev.verity.testing.SharedData;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** PGD on real VNN-COMP 2021 instances under {@code -Dverity.shared}; skipped when the folder is absent. */
class PgdBenchmarksTest {

    static Path vnncomp2021() {
        String p = System.getProperty("verity.shared");
        SharedData.assume(p != null && Files.isDirectory(Path.of(p, "benchmarks", "vnncomp2021")), "verity.shared is not set or has no benchmarks/vnncomp2021");
        return Path.of(p, "benchmarks", "vnncomp2021");
    }

    /** Attacks and, for a found counterexample, re-checks it here independently of {@link Counterexamples}. */
    static AttackResult attackAndCheck(Network net, VnnlibProperty p, PgdOptions options) {
        AttackResult r = Pgd.attack(net, p, options);
        r.counterexample().ifPresent(ce -> {
            double[] x = ce.input();
            var k = p.cases().get(ce.caseIndex());
            assertTrue(k.input().contains(x));
            assertTrue(k.unsafe().get(ce.disjunctIndex()).isSatisfiedBy(Counterexamples.forward(net, TensorOps.INSTANCE, x)));
            assertTrue(k.unsafe().get(ce.disjunctIndex()).isSatisfiedBy(Counterexamples.forward(net, Float32Ops.INSTANCE, x)));
        });
        return r;
    }

    @Test
    void falsifiesMnist256x2Prop0Eps005() {
        Path dir = vnncomp2021().resolve("mnistfc");
        Network net = OnnxImporter.load(dir.resolve("mnist-net_256x2.onnx"));
        VnnlibProperty p = VnnlibReader.read(dir.resolve("prop_0_0.05.vnnlib"));
        AttackResult r = attackAndCheck(net, p, PgdOptions.defaults().withTimeBudget(Duration.ofSeconds(20)));
        System.out.println("mnist-net_256x2 prop_0_0.05: " + r);
        assertTrue(r.found(), r.toString());
    }

    @Test
    void falsifiesTestSat() {
        Path dir = vnncomp2021().resolve("test");
        Network net = OnnxImporter.load(dir.resolve("test_sat.onnx"));
        VnnlibProperty p = VnnlibReader.read(dir.resolve("test_prop.vnnlib"));
        AttackResult r = attackAndCheck(net, p, PgdOptions.defaults().withTimeBudget(Duration.ofSeconds(20)));
        System.out.println("test_sat test_prop: " + r);
        assertTrue(r.found(), r.toString());
    }

    @Test
    void findsNothingOnTestUnsat() {
        Path dir = vnncomp2021().resolve("test");
        Network net = OnnxImporter.load(dir.resolve("test_unsat.onnx"));
        VnnlibProperty p = VnnlibReader.read(dir.resolve("test_prop.vnnlib"));
        AttackResult r = attackAndCheck(net, p, PgdOptions.defaults().withRestarts(20).withSteps(50));
        System.out.println("test_unsat test_prop: " + r);
        assertTrue(r.counterexample().isEmpty(), "test_unsat holds: " + r);
    }

    /**
     * All 20 mnist-net_256x2 instances next to the VNN-COMP expected results; a confirmed counterexample on
     * an "unsat" instance fails the test (it would be a soundness bug). Slow-ish, so it runs only with
     * {@code -Dverity.attack.survey=true}.
     */
    @Test
    void surveyMnist256x2() throws IOException {
        assumeTrue(Boolean.getBoolean("verity.attack.survey"), "set -Dverity.attack.survey=true to run the mnistfc survey");
        Path dir = vnncomp2021().resolve("mnistfc");
        Map<String, String> expected = new HashMap<>();
        for (String line : Files.readAllLines(dir.getParent().getParent().resolve("vnncomp_expected_results.csv"))) {
            String[] f = line.split(",");
            if (f.length > 4 && f[0].equals("2021") && f[1].equals("mnistfc") && f[2].equals("mnist-net_256x2.onnx")) expected.put(f[3], f[4]);
        }
        Network net = OnnxImporter.load(dir.resolve("mnist-net_256x2.onnx"));
        int falsified = 0, sat = 0, falsifiedSat = 0;
        for (String line : Files.readAllLines(dir.resolve("instances.csv"))) {
            String[] f = line.split(",");
            if (!f[0].equals("mnist-net_256x2.onnx")) continue;
            VnnlibProperty p = VnnlibReader.read(dir.resolve(f[1]));
            AttackResult r = attackAndCheck(net, p, PgdOptions.defaults().withTimeBudget(Duration.ofSeconds(30)));
            String want = expected.getOrDefault(f[1], "?");
            System.out.printf("%-22s expected %-5s PGD %-8s best %+.5f  %4d fwd %5d restarts %6d ms%n", f[1], want,
                    r.found() ? "violated" : "-", r.bestValue(), r.forwardPasses(), r.restartsRun(), r.elapsedNanos() / 1_000_000);
            if (r.found()) falsified++;
            if (want.equals("sat")) sat++;
            if (want.equals("sat") && r.found()) falsifiedSat++;
            assertTrue(!(r.found() && want.equals("unsat")), "counterexample on an unsat instance: " + f[1] + " " + r);
        }
        System.out.println("PGD falsified " + falsified + " of 20 mnist-net_256x2 instances; expected sat: " + sat + ", of which found: " + falsifiedSat);
        assertEquals(falsified, falsifiedSat);
    }
}
