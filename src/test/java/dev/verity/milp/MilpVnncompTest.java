package dev.verity.milp;

import dev.verity.testing.SharedData;
import dev.verity.attack.Counterexamples;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;
import dev.verity.verify.StageLog;
import dev.verity.verify.Verdict;
import dev.verity.verify.VerificationResult;
import dev.verity.verify.Verifier;
import dev.verity.verify.VerifyOptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Zero wrong answers with the MILP stage on: VNN-COMP 2021 instances that the default pipeline (PGD, ibp → crown →
 * alpha-crown → lp-all, then the MILP) decides within seconds, checked against the competition's majority answers
 * ({@code vnncomp_expected_results.csv}): a violated ("sat") instance is never VERIFIED, one that holds ("unsat") never
 * FALSIFIED. The violated ones run with PGD given no time, so their counterexamples have to come from the MILP.
 * About 30 s on two cores.
 */
class MilpVnncompTest {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** benchmark, network, property, whether PGD runs. Each one is decided by the MILP in 0.5–11 s on two cores. */
    record Instance(String benchmark, String onnx, String vnnlib, boolean pgd) {
        @Override public String toString() { return benchmark + " " + onnx + " " + vnnlib + (pgd ? "" : " (no PGD)"); }
    }

    static final List<Instance> INSTANCES = List.of(
            new Instance("mnistfc", "mnist-net_256x2.onnx", "prop_0_0.03.vnnlib", true),   // unsat: alpha-crown leaves 1 of 9, the MILP closes it
            new Instance("mnistfc", "mnist-net_256x2.onnx", "prop_9_0.03.vnnlib", true),   // unsat
            new Instance("mnistfc", "mnist-net_256x2.onnx", "prop_6_0.05.vnnlib", true),   // unsat
            new Instance("mnistfc", "mnist-net_256x2.onnx", "prop_8_0.05.vnnlib", false),  // sat
            new Instance("acasxu", "ACASXU_run2a_1_2_batch_2000.onnx", "prop_3.vnnlib", true),  // unsat
            new Instance("acasxu", "ACASXU_run2a_1_4_batch_2000.onnx", "prop_4.vnnlib", true),  // unsat
            new Instance("acasxu", "ACASXU_run2a_1_9_batch_2000.onnx", "prop_3.vnnlib", false), // sat
            new Instance("acasxu", "ACASXU_run2a_1_8_batch_2000.onnx", "prop_4.vnnlib", false)  // sat
    );

    static Path benchmarks() {
        String p = System.getProperty("verity.shared");
        SharedData.assume(p != null && Files.isDirectory(Path.of(p, "benchmarks", "vnncomp2021")), "../shared/benchmarks not present");
        return Path.of(p, "benchmarks");
    }

    /** The default pipeline without branch and bound, which would decide several of these before the MILP is reached. */
    static VerifyOptions options(boolean pgd) {
        VerifyOptions o = VerifyOptions.defaults(TIMEOUT).withBab(java.util.Optional.empty());
        return pgd ? o : new VerifyOptions(o.timeout(), o.pgd(), Double.MIN_VALUE, o.methods(), o.boundOptions(), o.milp());
    }

    @Test
    void theMilpStageNeverContradictsTheCompetition() throws IOException {
        Path root = benchmarks();
        Map<String, String> expected = new HashMap<>();
        for (String line : Files.readAllLines(root.resolve("vnncomp_expected_results.csv"))) {
            String[] f = line.split(",");
            if (f.length > 4 && f[0].equals("2021")) expected.put(f[1] + "," + f[2] + "," + f[3], f[4]);
        }
        Map<String, Network> nets = new HashMap<>();
        Map<String, Verifier> verifiers = new HashMap<>();
        List<String> wrong = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        int byMilp = 0;
        for (Instance i : INSTANCES) {
            String want = expected.get(i.benchmark() + "," + i.onnx() + "," + i.vnnlib());
            assertTrue("sat".equals(want) || "unsat".equals(want), "no decided expected result for " + i + ": " + want);
            Path dir = root.resolve("vnncomp2021").resolve(i.benchmark());
            Network net = nets.computeIfAbsent(i.onnx(), n -> OnnxImporter.load(dir.resolve(n)));
            Verifier verifier = verifiers.computeIfAbsent(i.onnx() + i.pgd(), k -> new Verifier(net, options(i.pgd())));
            VnnlibProperty p = VnnlibReader.read(dir.resolve(i.vnnlib()));
            VerificationResult r = verifier.verify(p);
            System.out.println(i + " (" + want + "): " + r.verdict() + " by " + r.method() + ", " + r.millis() + " ms\n  "
                    + String.join("\n  ", r.stages().stream().map(StageLog::toString).toList()));
            if (want.equals("sat") && r.verdict() == Verdict.VERIFIED) wrong.add(i + " is violated, verified by " + r.method() + ": " + r.stages());
            if (want.equals("unsat") && r.verdict() == Verdict.FALSIFIED) wrong.add(i + " holds, falsified by " + r.method() + ": " + r.stages());
            if (r.verdict() == Verdict.FALSIFIED && Counterexamples.confirm(net, p, r.counterexample().input()).isEmpty())
                wrong.add(i + ": the counterexample fails the re-check");
            if (!i.pgd() && r.verdict() == Verdict.FALSIFIED && !"milp".equals(r.method())) wrong.add(i + ": falsified by " + r.method() + " without PGD");
            if ("milp".equals(r.method())) byMilp++;
            counts.merge(r.verdict().word() + (r.method() == null ? "" : " by " + r.method()), 1, Integer::sum);
        }
        System.out.println("milp stage on " + INSTANCES.size() + " instances: " + counts);
        if (!wrong.isEmpty()) fail(wrong.size() + " wrong answers:\n" + String.join("\n", wrong));
        // A tripwire, not a contract: each of these is decided by the MILP well within the timeout on an idle machine.
        assertTrue(byMilp >= INSTANCES.size() / 2, "only " + byMilp + " decided by the MILP: " + counts);
    }
}
