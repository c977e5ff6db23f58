package dev.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.onnx.OnnxExporter;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static dev.verity.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sdp} (paper 002) wherever a method is named: bounds, eval, distortion and verify, and its bad input. */
class SdpCliTest {
    @TempDir Path dir;

    private Path input() throws Exception {
        StringBuilder s = new StringBuilder("[");
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < 784; i++) s.append(i == 0 ? "" : ",").append(r.nextDouble());
        Path p = dir.resolve("x.json");
        Files.writeString(p, s.append("]").toString());
        return p;
    }

    /** bounds --method sdp --json: every bound comes with its duality gap, never negative. */
    @Test
    void boundsReportTheDualityGap() throws Exception {
        Path model = LandscapeCommandTest.smallModel(dir);
        CliTest.Result r = cli("bounds", model.toString(), "--input", input().toString(), "--eps", "0.01", "--label", "3",
                "--method", "sdp", "--sdp-time", "1", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertEquals("sdp", o.get("method").asText());
        JsonNode gaps = o.get("cases").get(0).get("gaps");
        assertEquals(9, gaps.get("margins").size());
        for (JsonNode g : gaps.get("margins")) assertTrue(g.asDouble() >= 0, "negative gap " + g);
        for (int j = 0; j < 10; j++) {
            assertTrue(gaps.get("outputs").get("lower").get(j).asDouble() >= 0);
            assertTrue(o.get("outputs").get("lower").get(j).asDouble() <= o.get("outputs").get("upper").get(j).asDouble());
        }
    }

    /** eval, distortion and verify accept sdp and name it in their output. */
    @Test
    void evalDistortionAndVerifyRunIt() throws Exception {
        Path model = LandscapeCommandTest.smallModel(dir), data = LandscapeCommandTest.smallData(dir);
        CliTest.Result e = cli("eval", model.toString(), "--data", data.toString(), "--eps", "0.001", "--methods", "ibp,sdp",
                "--sdp-time", "1", "--out", dir.resolve("eval").toString());
        assertEquals(0, e.status(), e.err());
        assertTrue(Files.readString(dir.resolve("eval/table.md")).contains("sdp upper"));
        // one image labelled with the model's own prediction, so that it has a radius to search
        String[] row = Files.readAllLines(data).getFirst().split(",");
        double[] x = new double[784];
        for (int i = 0; i < 784; i++) x[i] = Integer.parseInt(row[i + 1]) / 255.0;
        dev.verity.model.Network net = dev.verity.onnx.OnnxImporter.load(model);
        double[] y = dev.verity.model.Forward.run(net, dev.verity.tensor.TensorOps.INSTANCE,
                new dev.verity.tensor.Tensor(x, net.inputShape().withBatch(1))).data();
        int label = 0;
        for (int j = 1; j < 10; j++) if (y[j] > y[label]) label = j;
        row[0] = Integer.toString(label);
        Path own = dir.resolve("own.csv");
        Files.writeString(own, String.join(",", row) + "\n");
        CliTest.Result d = cli("distortion", model.toString(), "--data", own.toString(), "--index", "0", "--method", "sdp",
                "--no-exact", "--max-eps", "0.02", "--tolerance", "0.005", "--sdp-time", "1", "--json");
        assertEquals(0, d.status(), d.err());
        JsonNode lower = Json.MAPPER.readTree(d.out()).get("images").get(0).get("lower");
        assertTrue(lower.has("sdp") && lower.get("sdp").asDouble() >= 0, d.out());
        Path prop = dir.resolve("p.vnnlib");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 784; i++) s.append("(declare-const X_").append(i).append(" Real)\n");
        for (int j = 0; j < 10; j++) s.append("(declare-const Y_").append(j).append(" Real)\n");
        for (int i = 0; i < 784; i++) s.append("(assert (>= X_").append(i).append(" 0.5))\n(assert (<= X_").append(i).append(" 0.5001))\n");
        s.append("(assert (>= Y_1 Y_0))\n"); // y0 − y1 ≈ 0.51 at the box: the property holds
        Files.writeString(prop, s.toString());
        CliTest.Result v = cli("verify", model.toString(), prop.toString(), "--methods", "sdp", "--no-milp", "--json");
        JsonNode stages = Json.MAPPER.readTree(v.out()).get("stages");
        assertEquals(1, stages.size() - 1, v.out()); // pgd, then the one stage named
        assertEquals("verified", Json.MAPPER.readTree(v.out()).get("result").asText(), v.out());
        assertEquals("sdp", Json.MAPPER.readTree(v.out()).get("method").asText(), v.out());
    }

    /** A layer the SDP does not cover is exit 2 naming the layer in every command, never a silent fallback. */
    @Test
    void uncoveredLayersAreExitTwoNamingTheLayer() throws Exception {
        Path conv = dir.resolve("conv.onnx");
        OnnxExporter.write(RandomLayers.convRelu(new SplittableRandom(2)), conv);
        Path prop = dir.resolve("p.vnnlib");
        dev.verity.model.Network net = dev.verity.onnx.OnnxImporter.load(conv);
        int n = net.inputShape().numel(), m = net.outputShape().numel();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) s.append("(declare-const X_").append(i).append(" Real)\n");
        for (int j = 0; j < m; j++) s.append("(declare-const Y_").append(j).append(" Real)\n");
        for (int i = 0; i < n; i++) s.append("(assert (>= X_").append(i).append(" 0.0))\n(assert (<= X_").append(i).append(" 0.1))\n");
        s.append("(assert (>= Y_0 Y_1))\n");
        Files.writeString(prop, s.toString());
        CliTest.Result v = cli("verify", conv.toString(), prop.toString(), "--methods", "ibp,sdp");
        assertEquals(2, v.status(), v.out() + v.err());
        assertTrue(v.err().contains("sdp") && v.err().contains("Conv2d"), v.err());
        CliTest.Result b = cli("bounds", conv.toString(), "--vnnlib", prop.toString(), "--method", "sdp");
        assertEquals(2, b.status(), b.out() + b.err());
        assertTrue(b.err().contains("Conv2d"), b.err());
    }
}
