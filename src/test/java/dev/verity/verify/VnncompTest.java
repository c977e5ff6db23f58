package dev.verity.verify;

import dev.verity.testing.SharedData;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.spec.VnnlibReader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipeline on VNN-COMP 2021 instances against the competition's answers. The one thing that must never
 * happen: VERIFIED on a violated ("sat") instance or FALSIFIED on one that holds ("unsat").
 */
class VnncompTest {
    static Path benchmarks() {
        String p = System.getProperty("verity.shared");
        SharedData.assume(p != null && Files.isDirectory(Path.of(p, "benchmarks")), "../shared/benchmarks not present");
        return Path.of(p, "benchmarks");
    }

    private static VerificationResult run(Path dir, String model, String spec, int seconds) {
        Network net = OnnxImporter.load(dir.resolve(model));
        return Verifier.verify(net, VnnlibReader.read(dir.resolve(spec)), VerifyOptions.defaults(Duration.ofSeconds(seconds)));
    }

    @Test
    void theSanityInstancesOfTheTestCategory() {
        Path dir = benchmarks().resolve("vnncomp2021/test");
        // test_sat is the ACAS Xu network 1-7 on property 3 (violated); test_unsat network 1-6 (holds).
        VerificationResult sat = run(dir, "test_sat.onnx", "test_prop.vnnlib", 30);
        assertEquals(Verdict.FALSIFIED, sat.verdict(), sat.stages().toString());
        VerificationResult unsat = run(dir, "test_unsat.onnx", "test_prop.vnnlib", 30);
        assertNotEquals(Verdict.FALSIFIED, unsat.verdict());
        assertTrue(unsat.verdict() == Verdict.VERIFIED || unsat.verdict() == Verdict.UNKNOWN, unsat.verdict().word());
        // nano: y = relu(.) >= 0 can never reach <= -1; tiny/small: |y| stays far below 100 on [-1, 1]. All hold,
        // and intervals are enough.
        for (String n : List.of("nano", "tiny", "small")) {
            VerificationResult r = run(dir, "test_" + n + ".onnx", "test_" + n + ".vnnlib", 30);
            assertEquals(Verdict.VERIFIED, r.verdict(), n + ": " + r.stages());
            assertEquals("ibp", r.method(), n);
        }
    }

    @Test
    void mnistfc256x2NeverContradictsTheCompetition() throws IOException {
        Path root = benchmarks();
        Path dir = root.resolve("vnncomp2021/mnistfc");
        Map<String, String> expected = new HashMap<>();
        for (String line : Files.readAllLines(root.resolve("vnncomp_expected_results.csv"))) {
            String[] f = line.split(",");
            if (f.length > 4 && f[0].equals("2021") && f[1].equals("mnistfc")) expected.put(f[2] + "," + f[3], f[4]);
        }
        Network net = OnnxImporter.load(dir.resolve("mnist-net_256x2.onnx"));
        // 10 s per instance is far more than the ~3 s the slowest (alpha-crown) needs; the whole set takes ~20 s.
        Verifier verifier = new Verifier(net, VerifyOptions.defaults(Duration.ofSeconds(10)));
        Map<String, Integer> counts = new TreeMap<>();
        int instances = 0, sat = 0, falsified = 0, verified = 0;
        for (String line : Files.readAllLines(dir.resolve("instances.csv"))) {
            String[] f = line.strip().split(",");
            if (!f[0].equals("mnist-net_256x2.onnx")) continue;
            instances++;
            String want = expected.get(f[0] + "," + f[1]);
            assertTrue(want != null, "no expected result for " + line);
            VerificationResult r = verifier.verify(VnnlibReader.read(dir.resolve(f[1])));
            if (want.equals("sat")) sat++;
            if (r.verdict() == Verdict.FALSIFIED) falsified++;
            if (r.verdict() == Verdict.VERIFIED) verified++;
            if (want.equals("sat")) assertNotEquals(Verdict.VERIFIED, r.verdict(), f[1] + " is violated: " + r.stages());
            if (want.equals("unsat")) assertNotEquals(Verdict.FALSIFIED, r.verdict(), f[1] + " holds: " + r.stages());
            counts.merge(r.verdict().word() + (r.method() == null ? "" : " by " + r.method()), 1, Integer::sum);
        }
        System.out.println("mnistfc 256x2: " + counts);
        assertEquals(20, instances);
        // Counts that do not depend on the machine's speed: PGD finds every violation within a second, and CROWN alone
        // proves six in under a second each (docs/results/vnncomp.md); the 10 s budget leaves a wide margin for both.
        assertEquals(8, sat, "the table's violated instances");
        assertEquals(sat, falsified, "every violation found: " + counts);
        assertTrue(verified >= 6, "at least CROWN's six proofs: " + counts);
    }
}
