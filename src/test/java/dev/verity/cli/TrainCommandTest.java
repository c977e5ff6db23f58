package dev.verity.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.verity.cli.CliTest.cli;
import static dev.verity.cli.CliTest.shared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code verity train} end to end on a slice of MNIST, then {@code eval} of its output, and its refusals (exit 2). */
class TrainCommandTest {

    private static String mnist() { return shared().resolve("benchmarks/datasets/mnist").toString(); }

    @Test
    void trainsExportsResumesAndTheModelIsCertifiedByEval(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.onnx");
        String[] args = {"train", "--data", mnist(), "--arch", "fc:32", "--method", "crown-ibp", "--eps", "0.05", "--out", model.toString(),
                "--epochs", "2", "--warmup", "1", "--rampup", "1", "--limit", "1200", "--validation", "200", "--lr", "2e-3", "--json"};
        CliTest.Result r = cli(args);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"last_epoch\": {\"epoch\": 2"), r.out());
        List<String> log = Files.readAllLines(dir.resolve("m.train.jsonl"));
        assertEquals(2, log.size());
        assertTrue(log.get(1).contains("\"certifier\": \"ibp\""), log.get(1));
        assertEquals(1400, ImageIO.read(dir.resolve("m.train.png").toFile()).getWidth());
        assertTrue(Files.exists(dir.resolve("m.ckpt")));

        // Rerunning without --resume would overwrite the checkpoint: refused; with --resume a finished run just re-exports.
        CliTest.Result again = cli(args);
        assertEquals(2, again.status());
        assertTrue(again.err().contains("--resume"), again.err());
        String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
        resume[args.length] = "--resume";
        assertEquals(0, cli(resume).status());

        // The exported model is what info, run and eval read; after two short epochs it classifies far above chance.
        CliTest.Result info = cli("info", model.toString());
        assertEquals(0, info.status(), info.err());
        Path out = dir.resolve("eval");
        CliTest.Result ev = cli("eval", model.toString(), "--data", mnist(), "--limit", "50", "--eps", "0.02", "--methods", "ibp,crown",
                "--out", out.toString());
        assertEquals(0, ev.status(), ev.err());
        String table = Files.readString(out.resolve("table.csv"));
        String row = table.lines().skip(1).findFirst().orElseThrow();
        double testError = Double.parseDouble(row.split(",")[2]);
        assertTrue(testError < 0.5, table);
    }

    @Test
    void badInputIsExitTwoWithOneClearLine(@TempDir Path dir) throws Exception {
        String out = dir.resolve("m.onnx").toString(), data = mnist();
        record Case(String expect, String... args) {}
        Path notWritable = dir.resolve("file");
        Files.writeString(notWritable, "x");
        for (Case c : List.of(
                new Case("unknown training method", "--arch", "fc", "--method", "boxx", "--eps", "0.1", "--data", data, "--out", out),
                new Case("unknown architecture", "--arch", "resnet", "--method", "box", "--eps", "0.1", "--data", data, "--out", out),
                new Case("--eps must be > 0", "--arch", "fc", "--method", "box", "--eps", "0", "--data", data, "--out", out),
                new Case("--eps must be > 0", "--arch", "fc", "--method", "box", "--eps", "-0.1", "--data", data, "--out", out),
                new Case("no training split", "--arch", "fc", "--method", "box", "--eps", "0.1", "--data", dir.toString(), "--out", out),
                new Case("unknown preset", "--preset", "fc-box-0.7", "--data", data, "--out", out),
                new Case("--normalize takes MEAN,STD", "--preset", "fc-box-0.1", "--normalize", "0.1", "--data", data, "--out", out),
                new Case("--normalize takes MEAN,STD", "--preset", "fc-box-0.1", "--normalize", "mnist", "--data", data, "--out", out),
                new Case("std > 0", "--preset", "fc-box-0.1", "--normalize", "0.1,0", "--data", data, "--out", out),
                new Case("multilayer perceptrons only", "--arch", "conv", "--method", "hbox-forward", "--eps", "0.1", "--data", data, "--out", out, "--limit", "300", "--validation", "100"),
                new Case("--data is required", "--preset", "fc-box-0.1", "--out", out),
                new Case("--out is required", "--preset", "fc-box-0.1", "--data", data),
                new Case("cannot write the model", "--arch", "fc", "--method", "box", "--eps", "0.1", "--data", data, "--out",
                        notWritable.resolve("m.onnx").toString()))) {
            String[] args = new String[c.args().length + 1];
            args[0] = "train";
            System.arraycopy(c.args(), 0, args, 1, c.args().length);
            CliTest.Result r = cli(args);
            assertEquals(2, r.status(), String.join(" ", args) + "\n" + r.err());
            assertTrue(r.err().contains(c.expect()), c.expect() + " in: " + r.err());
        }
    }

    /** --normalize data: the training split's own pixel statistics (MNIST's are the well-known 0.1307 and 0.3081). */
    @Test
    void normalizeDataUsesTheTrainingSplitsStatistics(@TempDir Path dir) throws Exception {
        dev.verity.data.Dataset all = dev.verity.data.IdxReader.readSplit(shared().resolve("benchmarks/datasets/mnist"), "train", Integer.MAX_VALUE);
        double[] ms = dev.verity.train.TrainingRun.pixelMeanStd(all);
        assertEquals(0.1307, ms[0], 5e-5);
        assertEquals(0.3081, ms[1], 5e-5);
        Path model = dir.resolve("n.onnx");
        CliTest.Result r = cli("train", "--data", mnist(), "--arch", "fc:16", "--method", "standard", "--eps", "0.1", "--out", model.toString(),
                "--epochs", "1", "--limit", "600", "--validation", "100", "--normalize", "data", "--json");
        assertEquals(0, r.status(), r.err());
        double[] own = dev.verity.train.TrainingRun.pixelMeanStd(all.slice(0, 500, "first 500"));
        assertTrue(r.err().contains("normalize=" + own[0] + "," + own[1]), r.err());

        // A preset normalises by the data unless told otherwise.
        String[] preset = {"train", "--data", mnist(), "--preset", "fc-box-0.1", "--arch", "fc:16", "--epochs", "1", "--limit", "600",
                "--validation", "100"};
        CliTest.Result p = cli(concat(preset, "--out", dir.resolve("p.onnx").toString()));
        assertEquals(0, p.status(), p.err());
        assertTrue(p.err().contains("normalize=" + own[0] + "," + own[1]), p.err());
        CliTest.Result none = cli(concat(preset, "--out", dir.resolve("q.onnx").toString(), "--normalize", "none"));
        assertEquals(0, none.status(), none.err());
        assertTrue(!none.err().contains("normalize="), none.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void listsThePresets() {
        CliTest.Result r = cli("train", "--list-presets");
        assertEquals(0, r.status(), r.err());
        assertEquals(36 + 3, r.out().lines().count()); // Table 6's 36 rows, and its three FC hBox rows under hbox-forward
        assertTrue(r.out().contains("fc-deepz-0.3"), r.out());
        assertTrue(r.out().contains("fc-hbox-forward-0.3"), r.out());
    }
}
