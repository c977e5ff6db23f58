package dev.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.spec.Case;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static dev.verity.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract of `bounds`, `verify` and `demo`: JSON keys, last lines, exit codes, messages naming the file. */
class VerifyCliTest {
    @TempDir static Path dir;
    static Path model, holds, violated;

    @BeforeAll
    static void extractTheBundledExample() throws IOException {
        model = extract("mnist-net_256x2.onnx");
        holds = extract("prop_0_0.03.vnnlib");
        violated = extract("prop_0_0.05.vnnlib");
    }

    private static Path extract(String name) throws IOException {
        try (InputStream in = VerifyCliTest.class.getResourceAsStream("/dev/verity/demo/" + name)) {
            Path p = dir.resolve(name);
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        }
    }

    private static JsonNode json(CliTest.Result r) throws IOException {
        assertEquals(0, r.status(), r.err());
        return Json.MAPPER.readTree(r.out());
    }

    private static List<String> fields(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // ---- bounds -----------------------------------------------------------------------------------

    @Test
    void boundsJsonHasTheContractKeys() throws IOException {
        JsonNode o = json(cli("bounds", model.toString(), "--vnnlib", violated.toString(), "--method", "crown", "--json"));
        assertTrue(fields(o).containsAll(List.of("method", "outputs", "margins", "min_margin", "verified", "time_ms", "cases")), fields(o).toString());
        assertEquals("crown", o.get("method").asText());
        assertEquals(10, o.get("outputs").get("lower").size());
        assertEquals(10, o.get("outputs").get("upper").size());
        assertEquals(9, o.get("margins").get("lower").size());
        assertTrue(o.get("verified").isBoolean());
        assertFalse(o.get("verified").asBoolean()); // prop_0_0.05 is violated
        assertTrue(o.get("time_ms").isIntegralNumber());
        double min = Double.POSITIVE_INFINITY;
        for (JsonNode m : o.get("margins").get("lower")) min = Math.min(min, m.asDouble());
        assertEquals(min, o.get("min_margin").asDouble());
        for (int j = 0; j < 10; j++) assertTrue(o.get("outputs").get("lower").get(j).asDouble() <= o.get("outputs").get("upper").get(j).asDouble());
        assertEquals(1, o.get("cases").size());
        JsonNode c = o.get("cases").get(0);
        assertTrue(fields(c).containsAll(List.of("case", "outputs", "margins", "min_margin", "verified", "time_ms")));
    }

    @Test
    void lpAllBoundsHaveTheContractKeysAndAreAtLeastCrowns() throws IOException {
        JsonNode o = json(cli("bounds", model.toString(), "--vnnlib", holds.toString(), "--method", "lp-all", "--json"));
        assertTrue(fields(o).containsAll(List.of("method", "outputs", "margins", "min_margin", "verified", "time_ms", "cases")), fields(o).toString());
        assertEquals("lp-all", o.get("method").asText());
        assertEquals(10, o.get("outputs").get("lower").size());
        assertEquals(9, o.get("margins").get("lower").size());
        assertTrue(o.get("verified").isBoolean());
        assertTrue(o.get("time_ms").isIntegralNumber());
        JsonNode crown = json(cli("bounds", model.toString(), "--vnnlib", holds.toString(), "--method", "crown", "--json"));
        assertTrue(o.get("min_margin").asDouble() >= crown.get("min_margin").asDouble() - 1e-9);
        for (int j = 0; j < 10; j++) assertTrue(o.get("outputs").get("lower").get(j).asDouble() <= o.get("outputs").get("upper").get(j).asDouble());
    }

    @Test
    void boundsForAllMethodsIsAnArrayInPresetOrderAndATableInText() throws IOException {
        JsonNode a = json(cli("bounds", model.toString(), "--vnnlib", holds.toString(), "--method", "all", "--sdp-time", "0.05", "--json"));
        assertTrue(a.isArray());
        List<String> names = new ArrayList<>();
        for (JsonNode o : a) names.add(o.get("method").asText());
        assertEquals(Arrays.stream(Method.values()).map(Method::cliName).toList(), names);
        // Back-substitution is never looser than intervals for the same objective (ibp vs crown-ibp).
        assertTrue(a.get(5).get("min_margin").asDouble() >= a.get(0).get("min_margin").asDouble() - 1e-9);

        CliTest.Result text = cli("bounds", model.toString(), "--vnnlib", holds.toString(), "--method", "all", "--sdp-time", "0.05");
        assertEquals(0, text.status(), text.err());
        for (String n : names) assertTrue(text.out().contains(n), n);
        assertTrue(text.out().contains("min_margin"));
    }

    @Test
    void robustnessMarginsAreTrueLabelMinusOtherClass() throws IOException {
        // With eps = 0 the box is a point: every margin lower bound is (up to rounding) y_label - y_j itself.
        Network net = OnnxImporter.load(model);
        double[] x = new double[784];
        for (int i = 0; i < x.length; i++) x[i] = ((i * 37) % 101) / 100.0;
        Tensor output = Forward.run(net, TensorOps.INSTANCE, new Tensor(x.clone(), net.inputShape().withBatch(1)));
        double[] y = output.data();
        int label = output.reshape(1, y.length).argmax(1)[0];
        Path in = dir.resolve("x.json");
        Files.writeString(in, Arrays.toString(x));
        JsonNode o = json(cli("bounds", model.toString(), "--input", in.toString(), "--eps", "0", "--label", String.valueOf(label),
                "--clip", "0", "1", "--method", "crown", "--json"));
        JsonNode m = o.get("margins").get("lower");
        assertEquals(9, m.size());
        int row = 0;
        for (int j = 0; j < 10; j++) {
            if (j == label) continue;
            assertEquals(y[label] - y[j], m.get(row++).asDouble(), 1e-9, "class " + j);
        }
        assertTrue(o.get("verified").asBoolean()); // the argmax is robust to a perturbation of size 0

        // A big eps is not verified; --clip keeps the box inside [0, 1] (the text says so).
        CliTest.Result t = cli("bounds", model.toString(), "--input", in.toString(), "--eps", "0.3", "--label", String.valueOf(label),
                "--clip", "0", "1", "--method", "ibp");
        assertEquals(0, t.status(), t.err());
        assertTrue(t.out().contains("clipped to [0.0, 1.0]"), t.out());
        assertTrue(t.out().contains("verified   false"), t.out());
    }

    @Test
    void boundsReportsEveryCaseOfAMultiBoxProperty() throws IOException {
        Path acas = CliTest.shared().resolve("benchmarks/vnncomp2021/acasxu");
        JsonNode o = json(cli("bounds", acas.resolve("ACASXU_run2a_1_1_batch_2000.onnx").toString(), "--vnnlib",
                acas.resolve("prop_6.vnnlib").toString(), "--method", "crown", "--json"));
        JsonNode cases = o.get("cases");
        assertEquals(2, cases.size()); // prop_6: two input boxes
        int disjuncts = 0;
        double min = Double.POSITIVE_INFINITY;
        boolean verified = true;
        for (int k = 0; k < cases.size(); k++) {
            JsonNode c = cases.get(k);
            assertEquals(k, c.get("case").asInt());
            disjuncts += c.get("margins").get("lower").size();
            min = Math.min(min, c.get("min_margin").asDouble());
            verified &= c.get("verified").asBoolean();
            for (int j = 0; j < 5; j++) {
                assertTrue(o.get("outputs").get("lower").get(j).asDouble() <= c.get("outputs").get("lower").get(j).asDouble());
                assertTrue(o.get("outputs").get("upper").get(j).asDouble() >= c.get("outputs").get("upper").get(j).asDouble());
            }
        }
        assertEquals(disjuncts, o.get("margins").get("lower").size());
        assertEquals(min, o.get("min_margin").asDouble());
        assertEquals(verified, o.get("verified").asBoolean());
    }

    @Test
    void boundsRejectsBadInputWithStatus2NamingTheFile() throws IOException {
        CliTest.Result missing = cli("bounds", model.toString(), "--vnnlib", dir.resolve("nope.vnnlib").toString(), "--method", "ibp");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("nope.vnnlib"), missing.err());
        assertEquals(2, cli("bounds", model.toString(), "--vnnlib", holds.toString(), "--method", "no-such-method").status());
        assertEquals(2, cli("bounds", model.toString(), "--vnnlib", holds.toString()).status()); // --method is required
        Path in = dir.resolve("short.json");
        Files.writeString(in, "[0.5, 0.5]");
        CliTest.Result shortInput = cli("bounds", model.toString(), "--input", in.toString(), "--eps", "0.1", "--label", "0", "--method", "ibp");
        assertEquals(2, shortInput.status());
        assertTrue(shortInput.err().contains("short.json"), shortInput.err());
        assertEquals(2, cli("bounds", model.toString(), "--vnnlib", holds.toString(), "--input", in.toString(), "--eps", "0.1",
                "--label", "0", "--method", "ibp").status()); // both sources
        Path x = dir.resolve("x784.json");
        Files.writeString(x, Arrays.toString(new double[784]));
        CliTest.Result label = cli("bounds", model.toString(), "--input", x.toString(), "--eps", "0.1", "--label", "10", "--method", "ibp");
        assertEquals(2, label.status());
        assertTrue(label.err().contains("x784.json") && label.err().contains("label"), label.err());
        Path wrongSize = dir.resolve("two_inputs.vnnlib");
        Files.writeString(wrongSize, "(declare-const X_0 Real)\n(declare-const X_1 Real)\n(declare-const Y_0 Real)\n"
                + "(assert (<= X_0 1))\n(assert (>= X_0 0))\n(assert (<= X_1 1))\n(assert (>= X_1 0))\n(assert (<= Y_0 0))\n");
        CliTest.Result mismatch = cli("bounds", model.toString(), "--vnnlib", wrongSize.toString(), "--method", "ibp");
        assertEquals(2, mismatch.status());
        assertTrue(mismatch.err().contains("two_inputs.vnnlib"), mismatch.err());
        assertEquals(0, cli("bounds", "--help").status());
        assertTrue(cli("bounds", "--help").out().contains("cases"));
    }

    // ---- verify -----------------------------------------------------------------------------------

    @Test
    void verifyFalsifiesTheViolatedPropertyWithACheckedCounterexample() throws IOException {
        CliTest.Result r = cli("verify", model.toString(), violated.toString(), "--timeout", "60");
        assertEquals(10, r.status(), r.err());
        assertEquals("falsified", r.lastLine());
        assertTrue(r.out().contains("stage pgd"), r.out());

        CliTest.Result j = cli("verify", model.toString(), violated.toString(), "--json");
        assertEquals(10, j.status(), j.err());
        JsonNode o = Json.MAPPER.readTree(j.out());
        assertTrue(fields(o).containsAll(List.of("result", "method", "time_ms", "counterexample")), fields(o).toString());
        assertEquals("falsified", o.get("result").asText());
        assertEquals("pgd", o.get("method").asText());
        double[] x = doubles(o.get("counterexample").get("input"));
        double[] y = doubles(o.get("counterexample").get("output"));
        assertEquals(784, x.length);
        assertEquals(10, y.length);
        // Independently of the verifier: inside the box, unsafe in double and float32.
        Network net = OnnxImporter.load(model);
        VnnlibProperty p = VnnlibReader.read(violated);
        Case c = p.cases().getFirst();
        assertTrue(c.input().contains(x));
        Tensor in = new Tensor(x, net.inputShape().withBatch(1));
        assertTrue(c.isUnsafeOutput(Forward.run(net, TensorOps.INSTANCE, in).data()));
        assertTrue(c.isUnsafeOutput(Forward.run(net, Float32Ops.INSTANCE, in).data()));
    }

    /** Every disjunct of a verified property has its evidence in --json: stage, kind, margin; and whether a solver is trusted. */
    @Test
    void verifyJsonSaysWhatExcludedEachDisjunct() throws IOException {
        JsonNode o = Json.MAPPER.readTree(cli("verify", model.toString(), holds.toString(), "--timeout", "60", "--json").out());
        assertTrue(o.has("solver_trusted") && o.has("evidence"), o.toString());
        // which bytes were verified: the digests of both files, as an independent implementation computes them
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        assertEquals(java.util.HexFormat.of().formatHex(md.digest(java.nio.file.Files.readAllBytes(model))), o.get("model_sha256").asText());
        assertEquals(64, o.get("property_sha256").asText().length());
        if (!o.get("result").asText().equals("verified")) return; // unknown is allowed for this property; its evidence is partial
        int disjuncts = VnnlibReader.read(holds).cases().getFirst().unsafe().size();
        assertEquals(disjuncts, o.get("evidence").size(), o.toString());
        for (JsonNode e : o.get("evidence")) {
            assertTrue(Set.of("bound", "branch-and-bound", "solver-trusted").contains(e.get("kind").asText()), e.toString());
            if (e.get("kind").asText().equals("bound")) assertTrue(e.get("margin").asDouble() > 0, e.toString());
        }
        assertEquals(o.get("method").asText().equals("milp"), o.get("solver_trusted").asBoolean(), o.toString());
    }

    @Test
    void verifyNeverFalsifiesTheHoldingPropertyAndEndsWithTheVerdict() throws IOException {
        CliTest.Result r = cli("verify", model.toString(), holds.toString(), "--timeout", "60");
        assertTrue(Set.of("verified", "unknown").contains(r.lastLine()), r.out());
        assertEquals(r.lastLine().equals("verified") ? 0 : 20, r.status(), r.err());
        for (String stage : List.of("stage pgd", "stage ibp", "stage crown")) assertTrue(r.out().contains(stage), r.out());
        if (r.lastLine().equals("verified")) assertTrue(r.out().contains("\nevidence  "), "what proved it: " + r.out());

        CliTest.Result t = cli("verify", model.toString(), holds.toString(), "--timeout", "0");
        assertEquals(30, t.status(), t.err());
        assertEquals("timeout", t.lastLine());
        JsonNode o = Json.MAPPER.readTree(cli("verify", model.toString(), holds.toString(), "--timeout", "0", "--json").out());
        assertEquals("timeout", o.get("result").asText());
        assertTrue(o.get("method").isNull());
        assertTrue(o.get("counterexample").isNull());
    }

    /** ACAS Xu 1_1 prop_1 (unsat in VNN-COMP 2021) is proved by input splitting; --json reports the domains it bounded. */
    @Test
    void verifyJsonReportsTheDomainsOfTheBranchAndBound() throws IOException {
        Path acas = CliTest.shared().resolve("benchmarks/vnncomp2021/acasxu");
        JsonNode o = json(cli("verify", acas.resolve("ACASXU_run2a_1_1_batch_2000.onnx").toString(), acas.resolve("prop_1.vnnlib").toString(),
                "--timeout", "116", "--json"));
        assertEquals("verified", o.get("result").asText());
        assertEquals("bab-input", o.get("method").asText());
        JsonNode bab = null;
        for (JsonNode st : o.get("stages")) {
            if (st.get("stage").asText().equals("bab-input")) bab = st;
            else assertFalse(st.has("domains"), "only branch and bound reports domains: " + st);
        }
        assertNotNull(bab, o.toString());
        assertTrue(bab.get("domains").asLong() > 1, bab.toString());
        assertTrue(bab.get("outcome").asText().contains(bab.get("domains").asLong() + " domains"), bab.toString());
    }

    @Test
    void verifyRejectsBadInputWithStatus2NamingTheFile() {
        CliTest.Result missing = cli("verify", model.toString(), dir.resolve("missing.vnnlib").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("missing.vnnlib"), missing.err());
        CliTest.Result noModel = cli("verify", dir.resolve("no.onnx").toString(), holds.toString());
        assertEquals(2, noModel.status());
        assertTrue(noModel.err().contains("no.onnx"), noModel.err());
        assertEquals(2, cli("verify", model.toString(), holds.toString(), "--timeout", "-1").status());
        assertEquals(2, cli("verify", model.toString()).status());
        CliTest.Result help = cli("verify", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("30 timeout"), help.out());
    }

    @Test
    void demoVerifiesTheBundledPropertiesEndToEnd() {
        CliTest.Result r = cli("demo");
        assertEquals(0, r.status(), r.err());
        // intervals cannot prove prop_4_0.05 (IBP margin −6.54), CROWN can (+0.135)
        assertTrue(r.out().contains("prop_4_0.05.vnnlib: verified by crown"), r.out());
        assertTrue(r.out().contains("prop_0_0.05.vnnlib: falsified by pgd"), r.out());
        String holdsLine = r.out().lines().filter(l -> l.startsWith("prop_0_0.03.vnnlib: ")).findFirst().orElseThrow();
        assertTrue(holdsLine.startsWith("prop_0_0.03.vnnlib: verified") || holdsLine.startsWith("prop_0_0.03.vnnlib: unknown"), holdsLine);
        assertTrue(holdsLine.endsWith("(expected: holds)"), holdsLine);
    }

    private static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asDouble();
        return v;
    }
}
