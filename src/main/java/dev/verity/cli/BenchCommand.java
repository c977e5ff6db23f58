package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;
import dev.verity.tensor.GemmBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code verity bench}: speed benchmarks. Without a model, the GEMM throughput (the hot path of every
 * bound method); with {@code --model} and {@code --vnnlib}, the time of each bound method on that
 * property (median over repetitions after warm-up, one engine reused as a verifier would).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Speed benchmarks.",
                "Without --model: double-precision GEMM throughput (GFLOP/s) on an N x N x N product.",
                "With --model and --vnnlib: milliseconds per bound computation for each --method."})
final class BenchCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin BoundOptionsMixin engineOptions = new BoundOptionsMixin();

    @Option(names = "--size", defaultValue = "1024", paramLabel = "N", description = "GEMM matrix size (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--reps", paramLabel = "R", description = "Timed repetitions (default: 10 for GEMM; for bounds, as many as fit in about 2 s, at least 3).")
    Integer reps;

    @Option(names = "--warmup", defaultValue = "5", paramLabel = "W", description = "Untimed warm-up runs (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--model", paramLabel = "MODEL", description = "ONNX model whose bound computation to time.")
    Path model;

    @Option(names = "--vnnlib", paramLabel = "FILE", description = "VNN-LIB property (its first input box and all its output rows).")
    Path vnnlib;

    @Option(names = "--method", split = ",", paramLabel = "M",
            description = "Bound methods to time (default: ibp,crown,crown-ibp,alpha-crown); any of: ${COMPLETION-CANDIDATES}")
    List<String> methods;

    @Option(names = "--milp-ablation", description = "Paper 004 Table 1: MILP bounds time, main MILP time and nodes with each ingredient removed "
            + "(needs --model, --data, --eps).")
    boolean milpAblation;

    @Option(names = "--data", paramLabel = "PATH", description = "--milp-ablation: IDX directory or ERAN CSV (pixels in [0, 1]).")
    java.nio.file.Path data;

    @Option(names = "--eps", paramLabel = "E", description = "--milp-ablation: L∞ radius.")
    Double eps;

    @Option(names = "--limit", defaultValue = "5", paramLabel = "N", description = "--milp-ablation: first N correctly classified images (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "S", description = "--milp-ablation: main MILP limit per image (default ${DEFAULT-VALUE}).")
    double timeout;

    @picocli.CommandLine.Mixin MilpOptionsMixin milpOptions = new MilpOptionsMixin();

    @Option(names = "--train", description = "Seconds per training epoch (60,000 samples) per --train-methods and --arch, at full "
            + "certified cost, on --data's training split (after warm-up steps).")
    boolean train;

    @Option(names = "--arch", split = ",", paramLabel = "A", description = "--train: architectures (default fc,conv).")
    List<String> archs;

    @Option(names = "--train-methods", split = ",", paramLabel = "M",
            description = "--train: training methods (default standard,pgd,box,crown-ibp,hbox,deepz,crown,pvt).")
    List<String> trainMethods;

    @Option(names = "--samples", defaultValue = "2000", paramLabel = "N", description = "--train: samples timed per method (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--train-warmup", defaultValue = "30", paramLabel = "S", description = "--train: untimed steps first, per method (default ${DEFAULT-VALUE}).")
    int trainWarmup;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
        if (milpAblation) {
            if (model == null || data == null || eps == null) throw new InvalidInputException("--milp-ablation needs --model, --data and --eps");
            if (!(eps > 0) || limit < 1 || !(timeout > 0)) throw new InvalidInputException("--eps and --timeout must be > 0, --limit >= 1");
            milpAblation(spec.commandLine().getOut());
            return Main.EXIT_OK;
        }
        if (train) {
            if (data == null) throw new InvalidInputException("--train needs --data (an IDX directory with a training split)");
            if (samples < 100) throw new InvalidInputException("--samples must be >= 100");
            var ds = dev.verity.data.IdxReader.readSplit(data, "train", samples);
            List<dev.verity.train.TrainMethod> ms = (trainMethods == null ? List.of("standard", "pgd", "box", "crown-ibp", "hbox", "deepz", "crown", "pvt")
                    : trainMethods).stream().map(dev.verity.train.TrainMethod::parse).toList();
            dev.verity.train.TrainBench.run(ds, archs == null ? List.of("fc", "conv") : archs, ms, eps == null ? 0.1 : eps, samples, trainWarmup,
                    60_000, spec.commandLine().getOut());
            return Main.EXIT_OK;
        }
        if (warmup < 0 || (reps != null && reps < 1)) throw new InvalidInputException("--reps must be >= 1 and --warmup >= 0");
        PrintWriter out = spec.commandLine().getOut();
        if (model == null && vnnlib == null) {
            if (size < 1) throw new InvalidInputException("--size must be >= 1");
            var result = GemmBenchmark.run(size, size, size, warmup, reps == null ? 10 : reps, System.err);
            out.println(result);
        } else {
            if (model == null || vnnlib == null) throw new InvalidInputException("bound benchmarks need both --model and --vnnlib");
            benchBounds(out);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /** Paper 004 Table 1's shape: per variant, mean bounds time, mean main-MILP time, mean and median nodes. */
    private void milpAblation(PrintWriter out) {
        Network net = Models.load(model);
        var ds = dev.verity.data.Datasets.open(data, Integer.MAX_VALUE);
        var engine = new dev.verity.bounds.BoundEngine(net, engineOptions.toOptions());
        var milp = milpOptions.toOptions().orElseThrow(() -> new InvalidInputException("--milp-ablation needs the MILP (drop --no-milp)"));
        int n = net.inputShape().numel(), classes = net.outputShape().numel();
        double[] zeros = new double[n], ones = new double[n];
        java.util.Arrays.fill(ones, 1);
        var domain = new dev.verity.relax.Interval(zeros, ones);
        var variants = dev.verity.milp.TighteningAblation.Variant.values();
        java.util.Map<dev.verity.milp.TighteningAblation.Variant, java.util.List<dev.verity.milp.TighteningAblation.Run>> runs = new java.util.EnumMap<>(
                dev.verity.milp.TighteningAblation.Variant.class);
        int used = 0;
        for (int i = 0; i < ds.size() && used < limit; i++) {
            double[] x = ds.pixels(i);
            int predicted = dev.verity.model.Forward.run(net, dev.verity.tensor.TensorOps.INSTANCE,
                    new dev.verity.tensor.Tensor(x.clone(), net.inputShape().withBatch(1))).argmax(1)[0];
            if (predicted != ds.label(i)) continue;
            used++;
            var p = dev.verity.verify.RobustnessProperty.of(x, eps, ds.label(i), classes, new double[]{0, 1});
            for (var v : variants) {
                var r = dev.verity.milp.TighteningAblation.run(engine, p, domain, v, milp, java.time.Duration.ofNanos((long) (timeout * 1e9)));
                runs.computeIfAbsent(v, k -> new java.util.ArrayList<>()).add(r);
                out.printf(java.util.Locale.ROOT, "image %d %-55s bounds %7.2f s  main %7.2f s  nodes %6d  unstable %4d  %s%n", i, v.label(),
                        r.boundsSeconds(), r.mainSeconds(), r.nodes(), r.unstable(), r.answer());
                out.flush();
            }
        }
        out.printf("%n| variant (%d images, eps %s) | bounds (s) | main MILP (s) | total (s) | nodes mean | nodes median |%n| --- | --- | --- | --- | --- | --- |%n",
                used, eps);
        for (var v : variants) {
            var rs = runs.getOrDefault(v, java.util.List.of());
            double b = rs.stream().mapToDouble(dev.verity.milp.TighteningAblation.Run::boundsSeconds).average().orElse(Double.NaN);
            double m = rs.stream().mapToDouble(dev.verity.milp.TighteningAblation.Run::mainSeconds).average().orElse(Double.NaN);
            long[] nodes = rs.stream().mapToLong(dev.verity.milp.TighteningAblation.Run::nodes).sorted().toArray();
            double median = nodes.length == 0 ? Double.NaN : nodes.length % 2 == 1 ? nodes[nodes.length / 2] : 0.5 * (nodes[nodes.length / 2 - 1] + nodes[nodes.length / 2]);
            out.printf(java.util.Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.1f | %.1f |%n", v.label(), b, m, b + m,
                    java.util.Arrays.stream(nodes).average().orElse(Double.NaN), median);
        }
    }

    private void benchBounds(PrintWriter out) {
        Network net = Models.load(model);
        VnnlibProperty property = VnnlibReader.read(vnnlib);
        Case c = property.cases().getFirst();
        List<LinearConstraint> rows = new ArrayList<>();
        for (Disjunct d : c.unsafe()) rows.addAll(d.rows());
        if (rows.isEmpty()) throw new InvalidInputException(vnnlib + ": the property has no output constraints to bound");
        Objective objective = Objective.of(rows, net.outputShape().numel());
        Interval box = new Interval(c.input().lower(), c.input().upper());
        BoundEngine engine = new BoundEngine(net, engineOptions.toOptions());
        List<String> names = methods == null ? List.of("ibp", "crown", "crown-ibp", "alpha-crown") : methods;
        out.printf("%-12s %12s %12s %8s%n", "method", "median ms", "min margin", "reps");
        for (String name : names) {
            Method method = Method.parse(name);
            for (int i = 0; i < warmup; i++) engine.bound(method, box, objective);
            List<Double> times = new ArrayList<>();
            BoundResult last = null;
            long budgetEnd = System.nanoTime() + 2_000_000_000L;
            int wanted = reps == null ? Integer.MAX_VALUE : reps;
            while (times.size() < wanted && (reps != null || times.size() < 3 || System.nanoTime() < budgetEnd)) {
                long t = System.nanoTime();
                last = engine.bound(method, box, objective);
                times.add((System.nanoTime() - t) / 1e6);
            }
            double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.printf("%-12s %12.3f %12.6f %8d%n", method.cliName(), sorted[sorted.length / 2], last.minLower(), sorted.length);
            out.flush();
        }
        out.println("model " + model + ", property " + vnnlib + ", " + rows.size() + " objective rows, "
                + Runtime.getRuntime().availableProcessors() + " cores");
    }
}
