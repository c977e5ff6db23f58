package dev.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `verity distortion`: the bracket lower <= exact <= upper on a real network and image, the output contract, bad input. */
class DistortionCommandTest {

    @Test
    void bracketsTheExactDistortionOfAnMnistImage() throws Exception {
        Path model = CliTest.mnist256x2();
        Path data = CliTest.shared().resolve("benchmarks/datasets/mnist");
        CliTest.Result r = CliTest.cli("distortion", model.toString(), "--data", data.toString(), "--index", "0", "--method", "deepz,lp-greedy,crown",
                "--timeout", "60", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode img = Json.MAPPER.readTree(r.out()).get("images").get(0);
        assertEquals(0, img.get("index").asInt());
        assertEquals(7, img.get("label").asInt());
        double upper = img.get("upper").asDouble(), exact = img.get("exact").asDouble();
        // lp-greedy is deepz by another name: the same certified radius.
        assertEquals(img.get("lower").get("deepz").asDouble(), img.get("lower").get("lp-greedy").asDouble(), 0);
        for (String m : new String[]{"deepz", "crown"}) {
            double lower = img.get("lower").get(m).asDouble();
            assertTrue(lower > 0 && lower <= exact, m + " lower " + lower + " exact " + exact);
        }
        assertTrue(exact <= upper && upper < 0.05, "exact " + exact + " upper " + upper);
        assertTrue(img.get("milp_lower").asDouble() <= exact + 1e-9);
        assertTrue(img.get("gap_percent").asDouble() > 0);
    }

    @Test
    void linesAndTable() {
        Path model = CliTest.mnist256x2();
        Path data = CliTest.shared().resolve("benchmarks/datasets/mnist");
        CliTest.Result r = CliTest.cli("distortion", model.toString(), "--data", data.toString(), "--index", "0", "--method", "ibp", "--no-exact");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("image 0 label 7: lower ibp "), r.out());
        assertTrue(r.out().contains("| ×10⁻³ |") && r.out().contains("median gap ibp %"), r.out());
    }

    @Test
    void badInputIsRefused() {
        Path model = CliTest.mnist256x2();
        Path data = CliTest.shared().resolve("benchmarks/datasets/mnist");
        CliTest.Result l2 = CliTest.cli("distortion", model.toString(), "--data", data.toString(), "--index", "0", "--norm", "l2");
        assertEquals(2, l2.status());
        assertTrue(l2.err().contains("only linf"), l2.err());
        CliTest.Result idx = CliTest.cli("distortion", model.toString(), "--data", data.toString(), "--index", "x");
        assertEquals(2, idx.status());
        assertTrue(idx.err().contains("--index"), idx.err());
        CliTest.Result method = CliTest.cli("distortion", model.toString(), "--data", data.toString(), "--index", "0", "--method", "nope");
        assertEquals(2, method.status());
        assertEquals(java.util.List.of(3, 4, 5, 9), DistortionCommand.parseIndices(java.util.List.of("3-5", "9", "4")));
    }
}
