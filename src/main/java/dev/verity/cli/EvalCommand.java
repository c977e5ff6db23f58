package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundOptions;
import dev.verity.data.Dataset;
import dev.verity.data.Datasets;
import dev.verity.eval.EvalMethod;
import dev.verity.eval.EvalSettings;
import dev.verity.eval.Evaluation;
import dev.verity.eval.Indices;
import dev.verity.eval.Normalization;
import dev.verity.eval.OutputFolder;
import dev.verity.eval.Plots;
import dev.verity.eval.RadiusEvaluation;
import dev.verity.eval.RadiusReports;
import dev.verity.eval.RadiusSettings;
import dev.verity.eval.RadiusSummary;
import dev.verity.eval.Reports;
import dev.verity.eval.ResultLine;
import dev.verity.eval.ResultsFile;
import dev.verity.eval.Summary;
import dev.verity.model.Network;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code verity eval MODEL --data PATH --eps E[,E2,...] --methods ...}: bounds on the robust error of a classifier over a
 * test set, as in paper 000 Table 1, with CR curves and CR-AUC (paper 003 App. B). See docs/eval.md.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Evaluates a classifier on a test set: for every image its clean prediction, then for every ε and method whether "
                        + "L∞ robustness is certified (bound methods, milp: an upper bound on the robust error) or refuted (pgd, milp: "
                        + "a counterexample confirmed in double and float32, a lower bound). Misclassified images count as non-robust.",
                "Writes into --out: results.jsonl (every per-image result, appended as it is known), table.md and table.csv (per ε: "
                        + "test error, lower and upper bounds, mean and median time per image), cr-curve.csv, summary.json, and the "
                        + "plots cr-curve.png (certified accuracy vs ε, CR-AUC) and time.png. The table is also printed.",
                "With --radius: every image's radius per method by bisection on ε (radii.csv), the CR curves as real step curves "
                        + "(cr-curve-exact.csv, cr-curve-exact.png) and their exact CR-AUC (paper 003 App. B), also in table.md and summary.json.",
                "Ctrl-C keeps every finished result; --resume continues from them without computing anything twice.",
                "Exit status: 0 done, 2 bad input, 1 internal error."})
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX classifier (.onnx or .onnx.gz)")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "A directory with IDX files (MNIST, Fashion-MNIST: t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) "
                    + "or an ERAN CSV file (label,p0,p1,... with pixels 0..255). Pixels are scaled to [0, 1].")
    Path data;

    @Option(names = "--eps", split = ",", paramLabel = "E",
            description = "L∞ radii in pixel units ([0, 1] scale), comma-separated, each > 0 (e.g. 0.01,0.03,0.05). Required unless --radius is given.")
    List<String> eps;

    @Option(names = "--radius",
            description = {"Also find every image's radius for every method by bisection on ε over [0, --eps-max]: the largest ε a bound "
                    + "method certifies (the same certificate as per ε), the smallest ε at which pgd finds a confirmed counterexample "
                    + "(milp: none, see `verity distortion`). Writes radii.csv, cr-curve-exact.csv and cr-curve-exact.png: the CR curves "
                    + "as real step curves and their exact CR-AUC (paper 003 App. B). With --radius, --eps may be left out."})
    boolean radius;

    @Option(names = "--eps-max", paramLabel = "E", defaultValue = "0.07",
            description = "With --radius: the top of the search and the end of the CR curve and of CR-AUC's integral (default ${DEFAULT-VALUE}, "
                    + "paper 003's range for normally trained networks; use more for robustly trained ones).")
    double epsMax;

    @Option(names = "--radius-tolerance", paramLabel = "T", defaultValue = "1e-4",
            description = "With --radius: bisection stops when the bracket is narrower than T (default ${DEFAULT-VALUE}); each radius is at most "
                    + "T below the method's largest certified ε.")
    double radiusTolerance;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate the first N images (default: all).")
    Integer limit;

    @Option(names = "--indices", split = ",", paramLabel = "I",
            description = "Evaluate these images (0-based indices and inclusive ranges A-B, e.g. 0,7,100-199); not with --limit.")
    List<String> indices;

    @Option(names = "--methods", split = ",", paramLabel = "M", defaultValue = "pgd,ibp,lp-greedy,crown,alpha-crown",
            description = {"Methods, comma-separated (default ${DEFAULT-VALUE}): pgd (attack: lower bound), milp (the complete verify "
                    + "pipeline: both bounds), and bound presets (upper bounds): lp-greedy (= deepz, paper 000's name), "
                    + "ibp, hbox, deepz, crown, crown-0, crown-ibp, alpha-crown, lagrangian, lp-last, lp-last-crown, lp-all, parallelogram, sdp (paper 002; --sdp-time, --sdp-tolerance)."})
    List<String> methods;

    @Option(names = "--timeout-per-image", paramLabel = "S", defaultValue = "60",
            description = "Each method's wall-clock budget per image and ε, in seconds (default ${DEFAULT-VALUE}); past it the method's "
                    + "result is timeout (not certified, not refuted).")
    double timeoutPerImage;

    @Option(names = "--jobs", paramLabel = "N", description = "Images evaluated at once (default: the number of cores).")
    Integer jobs;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default eval-<model name>).")
    Path out;

    @Option(names = "--resume", description = "Continue the results in --out (same settings; new ε, methods or images are added).")
    boolean resume;

    @Option(names = "--scale", paramLabel = "F", defaultValue = "1",
            description = "The network expects pixels times F (e.g. 255 for raw bytes); default ${DEFAULT-VALUE}.")
    double scale;

    @Option(names = "--mean", split = ",", paramLabel = "M", defaultValue = "0",
            description = "Per-channel mean the network expects subtracted (after --scale), one value or one per channel; default ${DEFAULT-VALUE}.")
    List<Double> mean;

    @Option(names = "--std", split = ",", paramLabel = "S", defaultValue = "1",
            description = "Per-channel standard deviation to divide by (after subtracting --mean); default ${DEFAULT-VALUE}. ε stays in [0, 1] "
                    + "pixel units: the normalisation is a layer put in front of the network. Leave these out for networks that normalise "
                    + "inside (ERAN's, VNN-COMP's).")
    List<Double> std;

    @Option(names = "--pgd-restarts", paramLabel = "N", defaultValue = "20", description = "PGD starting points per image (default ${DEFAULT-VALUE}).")
    int pgdRestarts;

    @Option(names = "--pgd-steps", paramLabel = "N", defaultValue = "100", description = "PGD steps per starting point (default ${DEFAULT-VALUE}).")
    int pgdSteps;

    @Option(names = "--skip-refuted", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Do not run a certifying method on an image pgd refuted: it cannot certify it, and is recorded as refuted, "
                    + "time 0 (default: on; --no-skip-refuted runs it anyway, e.g. to time it on every image).")
    boolean skipRefuted;

    @picocli.CommandLine.Mixin BoundOptionsMixin engineOptions = new BoundOptionsMixin();

    @picocli.CommandLine.Mixin ClusterOptions cluster = new ClusterOptions();

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /**
     * {@code --cluster}: the (image, ε) pairs as tasks of the cluster's workers, each result appended as it arrives; a
     * progress line per 1 % with the workers alive.
     */
    private int runOnCluster(Evaluation evaluation, Normalization norm, List<ResultLine> existing, ResultsFile file, PrintWriter stderr) {
        dev.verity.cluster.ClusterTaskRunner tr = cluster.connect();
        try (tr) {
            stderr.printf("cluster %s: %d workers%n", cluster.name, tr.membersAlive());
            stderr.flush();
            long[] shown = {-1};
            return evaluation.runOn(tr, model, norm, existing, file, (done, total) -> {
                long pct = 100 * done / total;
                if (pct != shown[0] || done == total) {
                    shown[0] = pct;
                    stderr.printf(java.util.Locale.ROOT, "eval (image, ε) %d/%d (%d %%) [%d members alive]%n", done, total, pct, tr.membersAlive());
                    stderr.flush();
                }
            });
        } catch (dev.verity.cluster.ClusterTaskRunner.ClusterException e) {
            throw new InvalidInputException(e.getMessage() + " (every finished result is in the results file; --resume runs the rest)");
        }
    }

    @Override public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), stderr = spec.commandLine().getErr();
        // Every flag is checked before anything is loaded or computed.
        cluster.enabled();
        if (eps == null && !radius) throw new InvalidInputException("--eps is required (the radii to evaluate), unless --radius is given");
        var parsed = spec.commandLine().getParseResult();
        if (!radius && (parsed.hasMatchedOption("--eps-max") || parsed.hasMatchedOption("--radius-tolerance")))
            throw new InvalidInputException("--eps-max and --radius-tolerance set the radius search: add --radius");
        if (limit != null && indices != null) throw new InvalidInputException("--limit and --indices cannot be used together: pick one");
        if (limit != null && limit < 1) throw new InvalidInputException("--limit must be at least 1, got " + limit);
        if (!(timeoutPerImage > 0) || Double.isInfinite(timeoutPerImage))
            throw new InvalidInputException("--timeout-per-image must be a number of seconds > 0, got " + timeoutPerImage);
        if (pgdRestarts < 1 || pgdSteps < 1) throw new InvalidInputException("--pgd-restarts and --pgd-steps must be >= 1");
        int workers = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        PgdOptions pgd = PgdOptions.defaults().withRestarts(pgdRestarts).withSteps(pgdSteps).withBatchSize(Math.min(pgdRestarts, 100));
        List<EvalMethod> parsedMethods = EvalMethod.parseAll(methods);
        Duration budget = Duration.ofNanos((long) Math.min(timeoutPerImage * 1e9, (double) Long.MAX_VALUE));
        BoundOptions bounds = engineOptions.toOptions(true);
        EvalSettings settings = eps == null ? null : new EvalSettings(EvalSettings.parseEps(eps), parsedMethods, budget, pgd, bounds, skipRefuted, workers);
        RadiusSettings radiusSettings = radius ? new RadiusSettings(parsedMethods, epsMax, radiusTolerance, budget, pgd, bounds, workers) : null;
        if (radiusSettings != null && cluster.enabled())
            throw new InvalidInputException("--radius does not run on a cluster yet: use --eps with --cluster, or --radius without it");
        if (radiusSettings != null && radiusSettings.searched().isEmpty())
            throw new InvalidInputException("--radius needs a bound method or pgd in --methods (milp's radius is the minimum distortion: `verity distortion`)");
        if (radiusSettings != null && radiusSettings.searched().size() < parsedMethods.size())
            stderr.println("verity: note: --radius searches no radius for milp (its radius is the minimum distortion: `verity distortion`)");
        Normalization norm = new Normalization(scale, mean.stream().mapToDouble(Double::doubleValue).toArray(),
                std.stream().mapToDouble(Double::doubleValue).toArray());
        int[] selected = indices != null ? Indices.parse(indices) : null;

        Network raw = Models.load(model);
        Dataset ds = Datasets.open(data, selected != null ? Indices.needed(selected) : limit != null ? limit : Integer.MAX_VALUE);
        if (selected == null) selected = Indices.first(ds.size());
        Network net = norm.prependTo(raw, ds.sampleShape());
        Evaluation evaluation = settings == null ? null : new Evaluation(net, ds, selected, settings);
        RadiusEvaluation radii = radiusSettings == null ? null : new RadiusEvaluation(net, ds, selected, radiusSettings);

        OutputFolder folder = new OutputFolder(out != null ? out : Path.of("eval-" + stem(model)));
        Map<String, String> identity = new LinkedHashMap<>();
        identity.put("model_sha256", dev.verity.io.Digests.sha256(model));
        identity.put("data", ds.name());
        identity.put("normalization", norm.toString());
        // The same keys with or without an ε list, so a folder can go on with --radius, --eps or both.
        identity.putAll(EvalSettings.resultSettings(budget, pgd, bounds, skipRefuted));
        List<ResultLine> existing = folder.prepare(resume, identity);
        if (resume && !existing.isEmpty())
            stderr.printf("resuming: %d results in %s%n", existing.size(), folder.results());

        Thread onInterrupt = new Thread(() -> {
            stderr.printf("%ninterrupted: every finished result is in %s; run the same command with --resume to continue%n", folder.results());
            stderr.flush();
        });
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        int computed = 0, computedRadii = 0;
        double wall = 0, wallRadii = 0;
        try (ResultsFile file = ResultsFile.openForAppend(folder.results())) {
            if (evaluation != null) {
                long t0 = System.nanoTime();
                if (cluster.enabled()) {
                    computed = runOnCluster(evaluation, norm, existing, file, stderr);
                } else {
                    try (Bar bar = new Bar("eval (image, ε)")) {
                        computed = evaluation.run(existing, file, bar::update);
                    }
                }
                wall = (System.nanoTime() - t0) / 1e9;
            }
            if (radii != null) {
                long t0 = System.nanoTime();
                try (Bar bar = new Bar("radius (image, method)")) {
                    // Read again: the clean predictions the ε phase just appended are not computed twice.
                    computedRadii = radii.run(ResultsFile.read(folder.results()), file, bar::update);
                }
                wallRadii = (System.nanoTime() - t0) / 1e9;
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook runs
            }
        }

        List<ResultLine> lines = ResultsFile.read(folder.results());
        Summary summary = settings == null ? null : Summary.of(selected, settings.eps(), settings.methods(), lines);
        RadiusSummary radiusSummary = radiusSettings == null ? null
                : RadiusSummary.of(selected, parsedMethods, radiusSettings.epsMax(), radiusSettings.tolerance(), lines);
        Map<String, String> about = new LinkedHashMap<>();
        about.put("model", model.getFileName().toString());
        about.put("data", data.toString() + " (" + ds.name() + ")");
        if (!norm.isIdentity()) about.put("normalization", norm.toString());
        if (settings != null) about.put("eps", settings.eps().stream().map(String::valueOf).collect(Collectors.joining(", ")));
        if (radiusSettings != null)
            about.put("radius search", String.format(Locale.ROOT, "bisection on ε over [0, %s] to within %s", epsMax, radiusTolerance));
        about.put("methods", parsedMethods.stream().map(EvalMethod::name).collect(Collectors.joining(", ")));
        about.put("timeout per image and method", String.format(Locale.ROOT, "%s s", timeoutPerImage) + (radius ? " (radius: per check)" : ""));
        about.put("jobs", Integer.toString(workers));
        Reports.write(folder.dir(), summary, radiusSummary, about);
        List<String> plots = new ArrayList<>();
        try {
            if (summary != null) {
                Plots.write(folder.dir(), summary);
                plots.add("cr-curve.png, time.png");
            }
            if (radiusSummary != null) {
                Plots.writeExact(folder.dir(), radiusSummary);
                plots.add("cr-curve-exact.png");
            }
        } catch (RuntimeException | LinkageError e) {
            // A machine without fonts or AWT libraries still gets every table; the figures are a convenience.
            plots = List.of("no plots (" + e + ")");
            stderr.println("verity: warning: could not draw the plots: " + e);
        }

        if (summary != null) {
            stdout.print(Reports.mainTable(summary));
            stdout.println();
            summary.crAuc().forEach((m, a) -> stdout.printf(Locale.ROOT, "CR-AUC %-14s %.4f%n", m, a));
            if (summary.errors() > 0) stdout.printf("errors: %d results are errors (see the detail field in results.jsonl)%n", summary.errors());
            if (summary.missing() > 0) stdout.printf("missing: %d results are missing%n", summary.missing());
        }
        if (radiusSummary != null) {
            if (summary != null) stdout.println();
            stdout.printf(Locale.ROOT, "Certified radii by bisection on ε over [0, %s] (tolerance %s); CR-AUC in percent × ε (paper 003 App. B):%n",
                    epsMax, radiusTolerance);
            stdout.print(RadiusReports.table(radiusSummary));
            if (radiusSummary.errors() > 0) stdout.printf("errors: %d radii are errors (see the error field in results.jsonl)%n", radiusSummary.errors());
            if (radiusSummary.missing() > 0) stdout.printf("missing: %d radii are missing%n", radiusSummary.missing());
        }
        List<String> files = new ArrayList<>(List.of("results.jsonl", "table.md"));
        if (summary != null) files.addAll(List.of("table.csv", "cr-curve.csv"));
        if (radiusSummary != null) files.addAll(List.of("radii.csv", "cr-curve-exact.csv"));
        files.add("summary.json");
        files.addAll(plots);
        if (evaluation != null) stdout.printf(Locale.ROOT, "computed %d (image, ε) pairs in %.1f s; ", computed, wall);
        if (radii != null) stdout.printf(Locale.ROOT, "computed %d (image, method) radii in %.1f s; ", computedRadii, wallRadii);
        stdout.printf("wrote %s: %s%n", folder.dir(), String.join(", ", files));
        stdout.flush();
        return Main.EXIT_OK;
    }

    /** A progress line made on the first report, when the number of units to compute is known. */
    private static final class Bar implements AutoCloseable {
        private final String label;
        private Progress progress;

        Bar(String label) { this.label = label; }

        void update(long done, long total) {
            if (progress == null) progress = new Progress(label, total);
            progress.update(done);
        }

        @Override public void close() {
            if (progress != null) progress.close();
        }
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        if (n.endsWith(".gz")) n = n.substring(0, n.length() - 3);
        if (n.endsWith(".onnx")) n = n.substring(0, n.length() - 5);
        return n;
    }
}
