package dev.verity.train;

import dev.verity.InvalidInputException;
import dev.verity.data.Dataset;
import dev.verity.data.IdxReader;
import dev.verity.onnx.OnnxExporter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * A training run with its files: the model ({@code MODEL.onnx}, rewritten after every epoch), the log
 * ({@code MODEL.train.jsonl}), the curves ({@code MODEL.train.png}) and the checkpoint ({@code MODEL.ckpt},
 * written every epoch and every {@code checkpointEvery} within one), so that an interrupted run loses at most
 * that much work and {@code --resume} continues it exactly.
 */
public final class TrainingRun {
    private TrainingRun() {}

    /** The files of a run, named after the model file. */
    public record Outputs(Path model, Path log, Path plot, Path checkpoint) {
        public static Outputs of(Path model) {
            String name = model.getFileName().toString();
            String base = name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
            return new Outputs(model, model.resolveSibling(base + ".train.jsonl"), model.resolveSibling(base + ".train.png"),
                    model.resolveSibling(base + ".ckpt"));
        }
    }

    /** The training split (first {@code limit} samples, 0 = all) with its last {@code validation} samples held back. */
    public record Data(Dataset train, Dataset validation) {
        public static Data load(Path dir, int limit, int validation) {
            Dataset all = IdxReader.readSplit(dir, "train", limit);
            if (validation >= all.size())
                throw new InvalidInputException("--validation " + validation + " leaves no training samples of " + all.size());
            int n = all.size() - validation;
            return new Data(all.slice(0, n, all.name() + ":train"), all.slice(n, all.size(), all.name() + ":validation"));
        }
    }

    /** The mean and standard deviation of every pixel of the set (what --normalize data puts in front of the network). */
    public static double[] pixelMeanStd(Dataset d) {
        double[] x = d.images().data();
        double sum = 0;
        for (double v : x) sum += v;
        double mean = sum / x.length, sq = 0;
        for (double v : x) sq += (v - mean) * (v - mean);
        double std = Math.sqrt(sq / x.length);
        if (!(std > 0)) throw new InvalidInputException("--normalize data: the training images are constant (std 0)");
        return new double[] {mean, std};
    }

    /** Checks before any work that the output folder takes files (a bad path is bad input, not a crash after an hour). */
    public static void checkWritable(Outputs out) {
        Path dir = out.model().toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".verity-train", ".probe");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new InvalidInputException("cannot write the model to " + out.model() + ": " + e.getMessage());
        }
        if (Files.isDirectory(out.model())) throw new InvalidInputException("--out " + out.model() + " is a directory; give a file name like model.onnx");
    }

    /**
     * Trains (or, with {@code resume}, continues) and writes the outputs. Without {@code resume} an existing
     * checkpoint is refused rather than overwritten: it may hold hours of work.
     */
    public static Trainer run(TrainConfig config, Data data, Outputs out, boolean resume, Duration checkpointEvery, Trainer.Listener listener) {
        checkWritable(out);
        Trainer trainer = new Trainer(config, data.train(), data.validation());
        if (resume) {
            if (Files.exists(out.checkpoint())) {
                trainer.restore(Checkpoint.read(out.checkpoint()));
                listener.resumed(trainer.epoch(), trainer.step());
            }
        } else if (Files.exists(out.checkpoint())) {
            throw new InvalidInputException("a checkpoint of an earlier run exists at " + out.checkpoint()
                    + ": pass --resume to continue it, or delete it to start over");
        }
        Runnable onEpoch = () -> {
            writeOutputs(trainer, out);
            trainer.checkpoint().write(out.checkpoint());
        };
        while (!trainer.finished()) {
            long until = System.nanoTime() + checkpointEvery.toNanos();
            trainer.run(listener, () -> System.nanoTime() > until, onEpoch);
            trainer.checkpoint().write(out.checkpoint());
        }
        writeOutputs(trainer, out);
        return trainer;
    }

    static void writeOutputs(Trainer trainer, Outputs out) {
        OnnxExporter.write(trainer.model().snapshot(), out.model());
        String lines = trainer.log().stream().map(EpochRecord::toJson).collect(Collectors.joining("\n", "", "\n"));
        try {
            Files.writeString(out.log(), trainer.log().isEmpty() ? "" : lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.log(), e);
        }
        TrainingPlots.write(out.plot(), trainer.log(), trainer.config().arch() + " " + trainer.config().method() + " ε=" + trainer.config().epsTest());
    }
}
