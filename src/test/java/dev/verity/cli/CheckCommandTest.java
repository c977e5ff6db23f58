package dev.verity.cli;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.onnx.OnnxExporter;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.verity.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.*;

/** `verify --certificate` and `check`: the contract lines and exit codes, through the command line. */
class CheckCommandTest {

    /** y = relu(x) + relu(−x) − 0.5·relu(x + 1) + 0.5 on [−1, 2]: y ≥ 0 everywhere, CROWN alone cannot show y > −0.3. */
    private static Path tilted(Path dir) throws Exception {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}, {-1}, {1}}), Tensor.vector(0, 0, 1)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1, -0.5}}), Tensor.vector(0.5)));
        Path model = dir.resolve("tilted.onnx");
        OnnxExporter.write(b.build(), model);
        return model;
    }

    private static Path spec(Path dir, String name, double threshold) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (>= X_0 -1))\n(assert (<= X_0 2))\n"
                + "(assert (<= Y_0 " + threshold + "))\n");
        return p;
    }

    @Test
    void aVerifiedVerdictsCertificateIsAcceptedAndATamperedOneRejected(@TempDir Path dir) throws Exception {
        Path model = tilted(dir), spec = spec(dir, "p.vnnlib", -0.3), cert = dir.resolve("new-folder").resolve("p.cert.json");
        CliTest.Result v = cli("verify", model.toString(), spec.toString(), "--certificate", cert.toString(), "--timeout", "30");
        assertEquals(0, v.status(), v.out() + v.err());
        assertTrue(v.out().contains("certificate " + cert + ": complete"), v.out());
        CliTest.Result ok = cli("check", model.toString(), spec.toString(), cert.toString());
        assertEquals(0, ok.status(), ok.out() + ok.err());
        assertEquals("accepted", ok.lastLine());

        String json = Files.readString(cert);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"bound\" ?: ?([0-9.eE+-]+)").matcher(json);
        assertTrue(m.find(), json);
        Path raised = dir.resolve("raised.json");
        Files.writeString(raised, json.substring(0, m.start(1)) + "5.0" + json.substring(m.end(1)));
        CliTest.Result no = cli("check", model.toString(), spec.toString(), raised.toString());
        assertEquals(CheckCommand.EXIT_REJECTED, no.status(), no.out());
        assertEquals("rejected", no.lastLine());
        assertTrue(no.out().contains("claimed bound 5.0"), no.out());

        // the same certificate for another property (its bytes differ): rejected by hash
        Path other = spec(dir, "q.vnnlib", -0.2);
        CliTest.Result wrong = cli("check", model.toString(), other.toString(), cert.toString(), "--json");
        assertEquals(CheckCommand.EXIT_REJECTED, wrong.status());
        assertTrue(wrong.out().contains("\"accepted\" : false") && wrong.out().contains("another property"), wrong.out());

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"format\": \"something else\"}");
        assertEquals(2, cli("check", model.toString(), spec.toString(), broken.toString()).status());
    }
}
