package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.train.EpochRecord;
import dev.verity.train.Presets;
import dev.verity.train.Schedule;
import dev.verity.train.TrainConfig;
import dev.verity.train.TrainMethod;
import dev.verity.train.Trainer;
import dev.verity.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code verity train --data DIR --arch ARCH --method METHOD --eps E --out MODEL.onnx}: certified training (paper 003)
 * with any of its relaxations, standard or adversarial training; see docs/training.md.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Trains a classifier on an IDX dataset's training split, naturally, adversarially (pgd) or certifiably with a "
                        + "relaxation (paper 003): the loss κ·CE(z) + (1−κ)·CE(ẑ) with ẑ the worst-case logits the relaxation "
                        + "proves over the ε-ball, with 003's warm-up, ε and κ ramps, Adam and L1.",
                "Writes MODEL.onnx (after every epoch), MODEL.train.jsonl (one line per epoch), MODEL.train.png (curves) and "
                        + "MODEL.ckpt (checkpoint; --resume continues from it). Certify the result with `verity eval`.",
                "Exit status: 0 done, 2 bad input, 1 internal error."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR",
            description = "IDX directory with train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (MNIST, Fashion-MNIST).")
    Path data;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "A row of paper 003 Table 6 (e.g. fc-box-0.3, conv-crown-ibp-0.1): architecture, method, ε and every "
                    + "hyperparameter, 200 epochs. Flags given as well override it (--epochs keeps its shape). --list-presets shows them.")
    String preset;

    @Option(names = "--list-presets", description = "Print the presets and exit.")
    boolean listPresets;

    @Option(names = "--arch", paramLabel = "ARCH", description = "fc, conv, conv+ (paper 003 Table 5) or fc:N,N,... (hidden widths).")
    String arch;

    @Option(names = "--method", paramLabel = "METHOD",
            description = "standard, pgd, box, hbox, deepz, crown, crown-0, crown-ibp (defense: CROWN-IBP mixed with IBP, β 1→0, "
                    + "certified with IBP), crown-ibp-r (pure CROWN-IBP).")
    String method;

    @Option(names = "--eps", paramLabel = "E", description = "The test radius ε (L∞, pixels in [0, 1]); > 0.")
    Double eps;

    @Option(names = "--out", paramLabel = "MODEL.onnx", description = "Where to write the model (required).")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs (default: 200 with a preset, else 10).")
    Integer epochs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of initialisation, shuffling and attacks (default 0).")
    long seed;

    @Option(names = "--json", description = "Print the final result as JSON on stdout.")
    boolean json;

    @Option(names = "--eps-train", paramLabel = "E", description = "ε trained at after the ramp-up (default: the preset's, else --eps).")
    Double epsTrain;

    @Option(names = "--eps-start", paramLabel = "E", description = "ε at the start of the ramp-up (default 0).")
    Double epsStart;

    @Option(names = "--warmup", paramLabel = "N", description = "Epochs of natural training first (default: preset, else epochs/20).")
    Integer warmup;

    @Option(names = "--rampup", paramLabel = "N", description = "Epochs of the ε/κ ramp (default: preset, else half the epochs).")
    Integer rampup;

    @Option(names = "--kappa-end", paramLabel = "K", description = "Weight of the clean loss after the ramp (default: preset, else 0).")
    Double kappaEnd;

    @Option(names = "--l1", paramLabel = "L", description = "L1 weight on the weights (default: preset, else 0).")
    Double l1;

    @Option(names = "--lr", paramLabel = "A", description = "Adam's initial learning rate (default: preset, else 5e-4).")
    Double lr;

    @Option(names = "--lr-schedule", paramLabel = "S",
            description = "milestones (×0.1 at 65%% and 95%% of the epochs), steps (halve every 10%%) or constant (default: preset, else milestones).")
    String lrSchedule;

    @Option(names = "--elision", negatable = true, description = "Fold the specification into the last layer (default: preset, else on).")
    Boolean elision;

    @Option(names = "--batch", paramLabel = "B", description = "Minibatch size (default 100).")
    Integer batch;

    @Option(names = "--validation", paramLabel = "N", defaultValue = "1000",
            description = "Training samples held back (the last N) to validate on every epoch (default ${DEFAULT-VALUE}).")
    int validation;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N samples of the training split.")
    Integer limit;

    @Option(names = "--pgd-steps", paramLabel = "N", defaultValue = "10", description = "PGD steps per batch for --method pgd (default ${DEFAULT-VALUE}).")
    int pgdSteps;

    @Option(names = "--normalize", paramLabel = "MEAN,STD|data|none",
            description = "Put (x − MEAN) / STD in front of the network (e.g. 0.1307,0.3081 for MNIST; `data`: the training split's "
                    + "pixel mean and std); exported with it, ε stays in pixel units. Default: data with a --preset, else none.")
    String normalize;

    @Option(names = "--resume", description = "Continue the run whose checkpoint (MODEL.ckpt) is next to --out.")
    boolean resume;

    @Option(names = "--checkpoint-minutes", paramLabel = "M", defaultValue = "5",
            description = "Also checkpoint within an epoch every M minutes (default ${DEFAULT-VALUE}); every epoch ends with one.")
    double checkpointMinutes;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
        PrintWriter outW = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (listPresets) {
            for (Presets.Row r : Presets.rows().values())
                outW.printf(Locale.ROOT, "%-22s eps_train %.1f  warmup %3d  rampup %3d  kappa_end %.1f  l1 %-6s lr %-6s %-10s elision %s%n", r.name(),
                        r.epsTrain(), r.warmup(), r.rampup(), r.kappaEnd(), r.l1(), r.lr(), r.lrSchedule().name().toLowerCase(Locale.ROOT),
                        r.elision() ? "yes" : "no");
            outW.flush();
            return Main.EXIT_OK;
        }
        if (data == null) throw new InvalidInputException("--data is required (an IDX directory with a train-* split)");
        if (out == null) throw new InvalidInputException("--out is required (where to write MODEL.onnx)");
        TrainConfig config = config();
        if (!(checkpointMinutes > 0)) throw new InvalidInputException("--checkpoint-minutes must be > 0");
        TrainingRun.Outputs files = TrainingRun.Outputs.of(out);
        TrainingRun.checkWritable(files);
        TrainingRun.Data d = TrainingRun.Data.load(data, limit == null ? Integer.MAX_VALUE : limit, validation);
        if (normalization().equalsIgnoreCase("data")) {
            double[] ms = TrainingRun.pixelMeanStd(d.train());
            config = config.withNormalization(ms[0], ms[1]);
        }
        err.printf("training %s: %d training samples, %d validation; %s%n", out, d.train().size(), d.validation().size(), config.describe());
        err.flush();
        Progress progress = new Progress(err, config.schedule().epochs());
        Trainer t = TrainingRun.run(config, d, files, resume, Duration.ofSeconds((long) (checkpointMinutes * 60)), progress);
        EpochRecord last = t.log().isEmpty() ? null : t.log().getLast();
        err.printf("model written to %s (log %s, curves %s)%n", files.model(), files.log(), files.plot());
        if (json) {
            outW.println("{\"model\": \"" + files.model() + "\", \"log\": \"" + files.log() + "\", \"config\": \"" + config.describe()
                    + "\", \"last_epoch\": " + (last == null ? "null" : last.toJson()) + "}");
        } else if (last != null) {
            outW.printf(Locale.ROOT, "trained %s: validation accuracy %.4f, certified (%s, eps %s) %.4f%n", files.model(), last.validationAccuracy(),
                    last.certifier(), config.epsTest(), last.certifiedAccuracy());
        }
        outW.flush();
        err.flush();
        return Main.EXIT_OK;
    }

    /** The run's configuration: the preset (if any), then the flags given. */
    private TrainConfig config() {
        Presets.Row row = preset == null ? null : Presets.get(preset);
        String a = arch != null ? arch : row != null ? row.net() : null;
        if (a == null) throw new InvalidInputException("--arch is required (or a --preset)");
        if (method == null && row == null) throw new InvalidInputException("--method is required (or a --preset)");
        TrainMethod m = method != null ? TrainMethod.parse(method) : row.method();
        Double e = eps != null ? eps : row != null ? Double.valueOf(row.epsTest()) : null;
        if (e == null) throw new InvalidInputException("--eps is required (or a --preset)");
        if (!(e > 0)) throw new InvalidInputException("--eps must be > 0, got " + e);
        int n = epochs != null ? epochs : row != null ? Presets.EPOCHS : 10;
        if (n < 1) throw new InvalidInputException("--epochs must be >= 1");
        double[] norm = parseNormalize(normalization());
        Schedule base = row != null ? Presets.schedule(row, n)
                : new Schedule(n, n / 20, Math.max(1, (int) Math.round(n * 0.5)), e, 0, 0, 5e-4, Schedule.LrSchedule.MILESTONES);
        Schedule.LrSchedule lrs = lrSchedule == null ? base.lrSchedule() : switch (lrSchedule.toLowerCase(Locale.ROOT)) {
            case "milestones" -> Schedule.LrSchedule.MILESTONES;
            case "steps" -> Schedule.LrSchedule.STEPS;
            case "constant" -> Schedule.LrSchedule.CONSTANT;
            default -> throw new InvalidInputException("unknown --lr-schedule '" + lrSchedule + "'; one of: milestones, steps, constant");
        };
        double et = epsTrain != null ? epsTrain : base.epsTrain();
        Schedule s;
        try {
            s = new Schedule(n, warmup != null ? warmup : base.warmup(), rampup != null ? rampup : base.rampup(), et,
                    epsStart != null ? epsStart : base.epsStart(), kappaEnd != null ? kappaEnd : base.kappaEnd(), lr != null ? lr : base.learningRate(), lrs);
        } catch (IllegalArgumentException ex) {
            throw new InvalidInputException("bad schedule: " + ex.getMessage());
        }
        return new TrainConfig(a, m, e, s, l1 != null ? l1 : row != null ? row.l1() : 0, elision != null ? elision : row == null || row.elision(),
                batch != null ? batch : Presets.BATCH, seed, validation, pgdSteps, row == null ? null : row.name(),
                norm[0], norm[1]);
    }

    /**
     * --normalize as given, else {@code data} with a preset (003's runs certify 10+ points more at FC Box 0.3 with it:
     * docs/results/training.md) and {@code none} without.
     */
    private String normalization() {
        return normalize != null ? normalize.trim() : preset != null ? "data" : "none";
    }

    /** MEAN,STD as given; none and data (resolved once the data is read) as 0, 1. */
    static double[] parseNormalize(String s) {
        if (s == null) return new double[] {0, 1};
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("none") || t.equals("data")) return new double[] {0, 1};
        String[] parts = t.split(",");
        try {
            if (parts.length == 2) return new double[] {Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim())};
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException("--normalize takes MEAN,STD (e.g. 0.1307,0.3081), data or none; got '" + s + "'");
    }

    /** A progress bar with ETA on stderr (redrawn in place on a terminal, a line per quarter epoch otherwise), and a line per epoch. */
    static final class Progress implements Trainer.Listener {
        private final PrintWriter err;
        private final int epochs;
        private final boolean terminal = System.console() != null;
        private long epochStart = System.nanoTime(), lastDraw;
        private int lastQuarter = -1;

        Progress(PrintWriter err, int epochs) {
            this.err = err;
            this.epochs = epochs;
        }

        @Override public void resumed(int epoch, int step) {
            err.printf("resuming at epoch %d, step %d%n", epoch + 1, step);
            err.flush();
            epochStart = System.nanoTime();
        }

        @Override public void step(int epoch, int step, int steps, double loss, double eps) {
            long now = System.nanoTime();
            if (step == 1) epochStart = now;
            double frac = step / (double) steps, elapsed = (now - epochStart) / 1e9;
            double eta = step > 1 ? elapsed / (step - 1) * (steps - step) : Double.NaN;
            int quarter = (int) (frac * 4);
            if (terminal ? now - lastDraw > 250_000_000L || step == steps : quarter != lastQuarter) {
                lastDraw = now;
                lastQuarter = quarter;
                int width = 30, filled = (int) Math.round(frac * width);
                String bar = "=".repeat(filled) + " ".repeat(width - filled);
                err.printf(Locale.ROOT, "%sepoch %d/%d [%s] %3.0f%%  loss %.4f  eps %.4f  ETA %s%s", terminal ? "\r" : "", epoch + 1, epochs, bar,
                        100 * frac, loss, eps, Double.isFinite(eta) ? duration(eta) : "?", terminal ? "" : "\n");
                err.flush();
            }
        }

        @Override public void epoch(EpochRecord r) {
            err.printf(Locale.ROOT, "%sepoch %d/%d  loss %.4f  robust %s  eps %.4f  kappa %.2f  train %.2f%%  val %.2f%%  certified (%s) %.2f%%  %.1f s%n",
                    terminal ? "\r" : "", r.epoch(), epochs, r.loss(), Double.isFinite(r.robustLoss()) ? String.format(Locale.ROOT, "%.4f", r.robustLoss()) : "-",
                    r.eps(), r.kappa(), 100 * r.trainAccuracy(), 100 * r.validationAccuracy(), r.certifier(), 100 * r.certifiedAccuracy(), r.seconds());
            err.flush();
        }

        private static String duration(double s) {
            long t = Math.round(s);
            return t >= 3600 ? String.format("%dh%02dm", t / 3600, t % 3600 / 60) : t >= 60 ? String.format("%dm%02ds", t / 60, t % 60) : t + "s";
        }
    }
}
