package dev.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.data.Dataset;
import dev.verity.data.Datasets;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.onnx.OnnxExporter;
import dev.verity.onnx.OnnxImporter;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.StringJoiner;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `verity landscape`: files and numbers end to end on a small exported MLP, MNIST when ../shared is there, and bad input. */
class LandscapeCommandTest {

    /** A 784-24-10 ReLU network with seeded weights, exported to ONNX. */
    static Path smallModel(Path dir) {
        Random r = new Random(5);
        Network.Builder b = Network.builder(new Shape(784));
        int[] sizes = {784, 24, 10};
        for (int i = 1; i < sizes.length; i++) {
            double[] w = new double[sizes[i] * sizes[i - 1]], bias = new double[sizes[i]];
            for (int k = 0; k < w.length; k++) w[k] = r.nextGaussian() / Math.sqrt(sizes[i - 1]);
            for (int k = 0; k < bias.length; k++) bias[k] = 0.1 * r.nextGaussian();
            b.add(new Layer.Dense(new Tensor(w, sizes[i], sizes[i - 1]), new Tensor(bias, sizes[i])));
            if (i + 1 < sizes.length) b.add(new Layer.Relu());
        }
        Path p = dir.resolve("mlp.onnx");
        OnnxExporter.write(b.build(), p);
        return p;
    }

    /** Three ERAN-style CSV images (label, 784 pixels 0..255). */
    static Path smallData(Path dir) throws Exception {
        Random r = new Random(9);
        StringBuilder s = new StringBuilder();
        for (int img = 0; img < 3; img++) {
            StringJoiner row = new StringJoiner(",");
            row.add(Integer.toString(img * 3));
            for (int i = 0; i < 784; i++) row.add(Integer.toString(r.nextInt(256)));
            s.append(row).append('\n');
        }
        Path p = dir.resolve("tiny.csv");
        Files.writeString(p, s.toString());
        return p;
    }

    static double margin(Path model, Path data, int index, double eps, Method m, int label, int against) {
        Network net = OnnxImporter.load(model);
        Dataset ds = Datasets.open(data, index + 1);
        double[] x = ds.pixels(index), lo = new double[x.length], hi = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            lo[i] = Math.max(0, x[i] - eps);
            hi[i] = Math.min(1, x[i] + eps);
        }
        double[] c = new double[10];
        c[label] = 1;
        c[against] = -1;
        return new BoundEngine(net).bound(m, new Interval(lo, hi), new Objective(new Tensor(c, 1, 10), new double[1])).lower()[0];
    }

    @Test
    void writesCsvPngAndJumpsForASmallModel(@TempDir Path dir) throws Exception {
        Path model = smallModel(dir), data = smallData(dir), out = dir.resolve("ls");
        CliTest.Result r = CliTest.cli("landscape", model.toString(), "--data", data.toString(), "--index", "1", "--eps", "0.05",
                "--methods", "box,deepz,crown", "--steps", "40", "--delta-max", "0.5", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        List<String> csv = Files.readAllLines(out.resolve("landscape.csv"));
        assertEquals("delta,box,deepz,crown", csv.getFirst());
        assertEquals(42, csv.size());
        assertEquals(-0.5, Double.parseDouble(csv.get(1).split(",")[0]), 0);
        assertEquals(0, Double.parseDouble(csv.get(21).split(",")[0]), 0);
        assertEquals(0.5, Double.parseDouble(csv.get(41).split(",")[0]), 0);
        assertEquals("method,delta,width,left,right,size", Files.readAllLines(out.resolve("jumps.csv")).getFirst());
        BufferedImage png = ImageIO.read(out.resolve("landscape.png").toFile());
        assertEquals(1000, png.getWidth());
        // Image 1 has label 3; the printed target names the margin and the class with the smallest CROWN bound.
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("image 1 label 3 (predicted "), r.out());
        assertTrue(lines[0].contains("lower bound of the margin z_3 − z_"), r.out());
        assertTrue(lines[2].startsWith("box ") && lines[2].contains("no jumps"), r.out());
        assertTrue(lines[3].startsWith("deepz ") && lines[3].contains("no jumps"), r.out());
        assertTrue(lines[4].startsWith("crown "), r.out());
        assertTrue(lines[5].startsWith("wrote "), r.out());
        // The CSV's δ = 0 row is each method's bound of the unmodified network.
        int against = Integer.parseInt(lines[0].replaceAll(".*z_3 − z_(\\d+).*", "$1"));
        String[] zero = csv.get(21).split(",");
        assertEquals(margin(model, data, 1, 0.05, Method.IBP, 3, against), Double.parseDouble(zero[1]), 1e-9);
        assertEquals(margin(model, data, 1, 0.05, Method.DEEPZ, 3, against), Double.parseDouble(zero[2]), 1e-9);
        assertEquals(margin(model, data, 1, 0.05, Method.CROWN, 3, against), Double.parseDouble(zero[3]), 1e-9);
    }

    @Test
    void jsonWithAnOutputNeuronAndOneDirection(@TempDir Path dir) throws Exception {
        Path model = smallModel(dir), data = smallData(dir), out = dir.resolve("ls");
        CliTest.Result r = CliTest.cli("landscape", model.toString(), "--data", data.toString(), "--index", "0", "--eps", "0.05",
                "--methods", "box,hbox", "--output", "4", "--direction", "box", "--steps", "20", "--out", out.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals("lower bound of z_4", j.get("target").asText());
        assertEquals(0, j.get("label").asInt());
        JsonNode box = j.get("methods").get(0), hbox = j.get("methods").get(1);
        assertEquals("box", box.get("name").asText());
        assertEquals("ibp", box.get("method").asText());
        assertEquals(0, box.get("jumps").size());
        // --direction box: both curves move along Box's gradient, so both start with Box's slope direction.
        assertEquals(box.get("direction").asText(), hbox.get("direction").asText());
        assertEquals(box.get("gradient_norm").asDouble(), box.get("slope_at_zero").asDouble(), 1e-9 * box.get("gradient_norm").asDouble());
        // Default δ range: 1 % of the first layer's weight norm.
        assertEquals(0.01 * j.get("first_layer_weight_norm").asDouble(), j.get("delta_max").asDouble(), 1e-12);
        assertTrue(box.get("min").asDouble() <= box.get("at_zero").asDouble() && box.get("at_zero").asDouble() <= box.get("max").asDouble());
        assertTrue(Files.exists(out.resolve("landscape.png")));
    }

    @Test
    void mnistNetworkEndToEnd(@TempDir Path dir) throws Exception {
        Path model = CliTest.mnist256x2(), data = CliTest.shared().resolve("benchmarks/datasets/mnist"), out = dir.resolve("ls");
        CliTest.Result r = CliTest.cli("landscape", model.toString(), "--data", data.toString(), "--index", "0", "--eps", "0.02",
                "--methods", "box,crown", "--steps", "20", "--delta-max", "0.5", "--out", out.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(7, j.get("label").asInt());
        assertEquals(7, j.get("predicted").asInt());
        String target = j.get("target").asText();
        int against = Integer.parseInt(target.replaceAll(".*z_7 − z_(\\d+)", "$1"));
        assertEquals(margin(model, data, 0, 0.02, Method.IBP, 7, against), j.get("methods").get(0).get("at_zero").asDouble(), 1e-9);
        assertEquals(margin(model, data, 0, 0.02, Method.CROWN, 7, against), j.get("methods").get(1).get("at_zero").asDouble(), 1e-9);
        assertEquals(0, j.get("methods").get(0).get("jumps").size());
        assertEquals(22, Files.readAllLines(out.resolve("landscape.csv")).size());
    }

    @Test
    void badInputIsRefused(@TempDir Path dir) throws Exception {
        Path model = smallModel(dir), data = smallData(dir);
        String[] base = {"landscape", model.toString(), "--data", data.toString(), "--out", dir.resolve("ls").toString(), "--steps", "4"};
        CliTest.Result unknown = CliTest.cli(concat(base, "--index", "0", "--eps", "0.05", "--methods", "box,nope"));
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("nope"), unknown.err());
        CliTest.Result alpha = CliTest.cli(concat(base, "--index", "0", "--eps", "0.05", "--methods", "alpha-crown"));
        assertEquals(2, alpha.status());
        assertTrue(alpha.err().contains("no landscape"), alpha.err());
        CliTest.Result zero = CliTest.cli(concat(base, "--index", "0", "--eps", "0"));
        assertEquals(2, zero.status());
        assertTrue(zero.err().contains("--eps"), zero.err());
        CliTest.Result negative = CliTest.cli(concat(base, "--index", "0", "--eps=-0.1"));
        assertEquals(2, negative.status());
        CliTest.Result range = CliTest.cli(concat(base, "--index", "3", "--eps", "0.05"));
        assertEquals(2, range.status());
        assertTrue(range.err().contains("out of range"), range.err());
        CliTest.Result neuron = CliTest.cli(concat(base, "--index", "0", "--eps", "0.05", "--output", "10"));
        assertEquals(2, neuron.status());
        assertTrue(neuron.err().contains("--output"), neuron.err());
        CliTest.Result twice = CliTest.cli(concat(base, "--index", "0", "--eps", "0.05", "--methods", "box,ibp"));
        assertEquals(2, twice.status());
        CliTest.Result missing = CliTest.cli("landscape", dir.resolve("none.onnx").toString(), "--data", data.toString(), "--index", "0", "--eps", "0.1");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("none.onnx"), missing.err());
        assertEquals(0, CliTest.cli("landscape", "--help").status());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
