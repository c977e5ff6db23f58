package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.tensor.GemmBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code verity bench}: the GEMM throughput benchmark (the hot path of every bound method). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measures double-precision GEMM throughput (GFLOP/s) on an N x N x N product.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--size", defaultValue = "1024", paramLabel = "N", description = "Matrix size (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--reps", defaultValue = "10", paramLabel = "R", description = "Timed repetitions (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--warmup", defaultValue = "5", paramLabel = "W", description = "Untimed warm-up runs (default ${DEFAULT-VALUE}).")
    int warmup;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
        if (size < 1 || reps < 1 || warmup < 0) throw new InvalidInputException("--size and --reps must be >= 1, --warmup >= 0");
        var result = GemmBenchmark.run(size, size, size, warmup, reps, System.err);
        spec.commandLine().getOut().println(result);
        spec.commandLine().getOut().flush();
        return Main.EXIT_OK;
    }
}
