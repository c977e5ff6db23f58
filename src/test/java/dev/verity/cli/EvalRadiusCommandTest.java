package dev.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.verity.cli.CliTest.cli;
import static dev.verity.cli.CliTest.mnist256x2;
import static dev.verity.cli.CliTest.shared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code verity eval --radius}: certified radii by bisection and the exact CR-AUC (paper 003 App. B) on real MNIST images. */
class EvalRadiusCommandTest {
    private static String mnist() { return shared().resolve("benchmarks/datasets/mnist").toString(); }

    /**
     * mnist-net_256x2 (normally trained) on the first 4 test images, radii only (no --eps): every file is written, CROWN
     * certifies larger radii than IBP on these images (IBP certifies almost nothing on this network: its CR-AUC is
     * far below CROWN's), the numbers in summary.json match the printed table and radii.csv, and a resumed run
     * computes nothing again.
     */
    @Test
    void radiiOnMnistWriteEveryFileAndCrownBeatsIbp(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        String[] args = {"eval", mnist256x2().toString(), "--data", mnist(), "--limit", "4", "--radius", "--methods", "ibp,crown",
                "--jobs", "2", "--out", out.toString()};
        CliTest.Result r = cli(args);
        assertEquals(0, r.status(), r.err());
        for (String f : List.of("results.jsonl", "run.json", "table.md", "radii.csv", "cr-curve-exact.csv", "summary.json", "cr-curve-exact.png"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        for (String f : List.of("table.csv", "cr-curve.csv", "cr-curve.png")) assertTrue(Files.notExists(out.resolve(f)), f + " needs an ε list");
        assertEquals(900, ImageIO.read(out.resolve("cr-curve-exact.png").toFile()).getWidth());
        assertTrue(r.out().contains("| method | CR-AUC | CR-AUC (100 ε, trapezoid) |"), r.out());
        assertTrue(r.out().contains("computed 8 (image, method) radii"), r.out());

        JsonNode json = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(4, json.get("images").asInt());
        assertEquals(0, json.get("clean_errors").asInt(), "the first 4 MNIST test images are classified correctly");
        double ibp = json.get("cr_auc_exact").get("ibp").asDouble(), crown = json.get("cr_auc_exact").get("crown").asDouble();
        assertTrue(crown > 0 && crown > ibp, "crown " + crown + ", ibp " + ibp);
        assertEquals(0.07, json.get("radius").get("eps_max").asDouble());
        assertTrue(json.get("rows").isEmpty() && json.get("cr_auc").isEmpty(), "no ε list: the per-ε keys are there, empty");

        // radii.csv: per image crown >= ibp (not a theorem in general, but it holds on these images, checked), and the
        // exact CR-AUC is 100/n · Σ min(r, ε_max) of its rows.
        List<String> csv = Files.readAllLines(out.resolve("radii.csv"));
        assertEquals("index,label,correct,ibp,crown", csv.getFirst());
        assertEquals(5, csv.size());
        double sumIbp = 0, sumCrown = 0;
        for (String row : csv.subList(1, 5)) {
            String[] f = row.split(",");
            double ri = Double.parseDouble(f[3]), rc = Double.parseDouble(f[4]);
            assertTrue(rc >= ri && rc > 0, row);
            sumIbp += Math.min(ri, 0.07);
            sumCrown += Math.min(rc, 0.07);
        }
        assertEquals(100 * sumIbp / 4, ibp, 1e-6);
        assertEquals(100 * sumCrown / 4, crown, 1e-6);
        List<String> curve = Files.readAllLines(out.resolve("cr-curve-exact.csv"));
        assertEquals("method,eps_from,eps_to,certified_accuracy", curve.getFirst());
        assertTrue(curve.contains("crown,0,0,1.000000"), "the curve starts at the clean accuracy");

        // Resumed: nothing to compute, the same numbers.
        String before = Files.readString(out.resolve("radii.csv"));
        String[] resumed = java.util.Arrays.copyOf(args, args.length + 1);
        resumed[args.length] = "--resume";
        CliTest.Result again = cli(resumed);
        assertEquals(0, again.status(), again.err());
        assertTrue(again.out().contains("computed 0 (image, method) radii"), again.out());
        assertEquals(before, Files.readString(out.resolve("radii.csv")));
    }

    /** With an ε list too, both phases share the folder: the per-ε table and the radius table, summary.json keys added. */
    @Test
    void radiusNextToTheEpsListKeepsTheEvalOutputs(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        CliTest.Result r = cli("eval", mnist256x2().toString(), "--data", mnist(), "--limit", "2", "--eps", "0.01", "--radius", "--eps-max", "0.05",
                "--radius-tolerance", "1e-3", "--methods", "ibp,crown", "--jobs", "2", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        for (String f : List.of("table.csv", "cr-curve.csv", "cr-curve.png", "time.png", "radii.csv", "cr-curve-exact.csv", "cr-curve-exact.png"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        assertTrue(r.out().contains("computed 2 (image, ε) pairs"), r.out());
        assertTrue(r.out().contains("computed 4 (image, method) radii"), r.out());
        JsonNode json = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        for (String key : List.of("about", "images", "clean_errors", "test_error", "methods", "rows", "cr_auc", "cr_curves", "cr_auc_exact", "radius"))
            assertTrue(json.has(key), key);
        assertEquals(1, json.get("rows").size());
        String md = Files.readString(out.resolve("table.md"));
        assertTrue(md.contains("## Bounds on the robust error") && md.contains("## Certified radii and exact CR-AUC"), md);
        // The radius lines carry their search settings; clean predictions are not written twice.
        List<String> lines = Files.readAllLines(out.resolve("results.jsonl"));
        assertEquals(2, lines.stream().filter(l -> l.contains("\"type\":\"clean\"")).count());
        assertEquals(4, lines.stream().filter(l -> l.contains("\"type\":\"radius\"") && l.contains("\"eps_max\":0.05")).count());
    }

    @Test
    void badRadiusFlagsAreRefusedWithExit2(@TempDir Path dir) {
        String net = mnist256x2().toString(), data = mnist(), o = dir.resolve("o").toString();
        assertBad("--eps is required", "eval", net, "--data", data, "--out", o);
        assertBad("add --radius", "eval", net, "--data", data, "--eps", "0.1", "--eps-max", "0.2", "--out", o);
        assertBad("--eps-max must be in (0, 1]", "eval", net, "--data", data, "--radius", "--eps-max", "0", "--out", o);
        assertBad("--radius-tolerance must be > 0", "eval", net, "--data", data, "--radius", "--radius-tolerance", "0.5", "--out", o);
        assertBad("--radius needs a bound method or pgd", "eval", net, "--data", data, "--radius", "--methods", "milp", "--out", o);
        assertTrue(Files.notExists(dir.resolve("o")), "nothing is written for bad input");
    }

    private static void assertBad(String message, String... args) {
        CliTest.Result r = cli(args);
        assertEquals(2, r.status(), String.join(" ", args) + "\n" + r.err());
        assertTrue(r.err().contains(message), r.err());
    }
}
