package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.data.Dataset;
import dev.verity.data.Datasets;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code verity accuracy MODEL --data PATH [--limit N]}: clean accuracy on a labelled dataset. */
@Command(name = "accuracy", mixinStandardHelpOptions = true,
        description = "Clean accuracy of a classifier on an IDX directory (MNIST, Fashion-MNIST) or an ERAN CSV file.")
final class AccuracyCommand implements Callable<Integer> {
    private static final int BATCH = 500;

    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model (.onnx or .onnx.gz)")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "A directory with IDX files (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) or an ERAN CSV file.")
    Path data;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N samples.")
    Integer limit;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
        if (limit != null && limit < 1) throw new InvalidInputException("--limit must be at least 1, got " + limit);
        Network net = Models.load(model);
        Dataset ds = Datasets.open(data, limit == null ? Integer.MAX_VALUE : limit);
        int n = ds.size();
        int features = net.inputShape().numel();
        if (ds.sampleShape().numel() != features)
            throw new InvalidInputException("dataset " + data + " has samples of shape " + ds.sampleShape() + " (" + ds.sampleShape().numel()
                    + " values); the model's input " + net.inputShape() + " needs " + features);
        int classes = net.outputShape().numel();
        double[] images = ds.images().data();
        int correct = 0;
        try (Progress progress = new Progress("accuracy", n)) {
            for (int start = 0; start < n; start += BATCH) {
                int b = Math.min(BATCH, n - start);
                double[] chunk = Arrays.copyOfRange(images, start * features, (start + b) * features);
                Tensor out = Forward.run(net, TensorOps.INSTANCE, new Tensor(chunk, net.inputShape().withBatch(b)));
                int[] predicted = out.reshape(b, classes).argmax(1);
                for (int i = 0; i < b; i++) if (predicted[i] == ds.labels()[start + i]) correct++;
                progress.update(start + b);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("accuracy %.4f (%d/%d)%n", (double) correct / n, correct, n);
        out.flush();
        return Main.EXIT_OK;
    }
}
