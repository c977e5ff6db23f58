package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Interval;
import dev.verity.bounds.Method;
import dev.verity.bounds.Objective;
import dev.verity.model.Network;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
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

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
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
