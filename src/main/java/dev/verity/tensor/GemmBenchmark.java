package dev.verity.tensor;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times {@link Gemm#gemm} on random m x k times k x n doubles (no transposes, alpha = 1, beta = 0) and
 * reports GFLOP/s, counting 2*m*n*k flops per call. Used by {@code verity bench}; also runnable directly:
 * {@code java --add-modules jdk.incubator.vector -cp CLASSES dev.verity.tensor.GemmBenchmark [M [N K]]
 * [--threads T] [--warmup W] [--reps R]}.
 */
public final class GemmBenchmark {
    private GemmBenchmark() {}

    /**
     * One benchmark outcome.
     *
     * @param threads      threads the GEMM ran on (problems below the parallel threshold use one)
     * @param bestGflops   GFLOP/s of the fastest repetition
     * @param medianGflops GFLOP/s of the median repetition
     */
    public record Result(int m, int n, int k, int threads, int reps,
                         double bestGflops, double medianGflops, double bestSeconds, double medianSeconds) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "gemm %dx%dx%d threads=%d reps=%d: best %.2f GFLOP/s (%.3f ms), median %.2f GFLOP/s (%.3f ms)",
                    m, n, k, threads, reps, bestGflops, bestSeconds * 1e3, medianGflops, medianSeconds * 1e3);
        }
    }

    /** Benchmarks on the default number of threads ({@link Gemm#defaultThreads()}). */
    public static Result run(int m, int n, int k, int warmup, int reps, PrintStream progress) {
        return run(m, n, k, warmup, reps, Gemm.defaultThreads(), progress);
    }

    /**
     * Runs {@code warmup} untimed and {@code reps} timed calls on at most {@code threads} threads.
     *
     * @param progress where to print one line per repetition, or null for none
     */
    public static Result run(int m, int n, int k, int warmup, int reps, int threads, PrintStream progress) {
        if (m <= 0 || n <= 0 || k <= 0 || reps <= 0 || warmup < 0 || threads <= 0) {
            throw new IllegalArgumentException("need m, n, k, reps, threads > 0 and warmup >= 0");
        }
        SplittableRandom rnd = new SplittableRandom(42);
        double[] a = new double[m * k], b = new double[k * n], c = new double[m * n];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextDouble(-1, 1);
        double flops = 2.0 * m * n * k;
        for (int w = 0; w < warmup; w++) {
            long t0 = System.nanoTime();
            Gemm.gemm(threads, false, false, m, n, k, 1.0, a, 0, k, b, 0, n, 0.0, c, 0, n);
            if (progress != null) {
                progress.printf(Locale.ROOT, "warmup %d/%d: %.2f GFLOP/s%n", w + 1, warmup,
                        flops / (System.nanoTime() - t0));
            }
        }
        double[] secs = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            Gemm.gemm(threads, false, false, m, n, k, 1.0, a, 0, k, b, 0, n, 0.0, c, 0, n);
            secs[r] = (System.nanoTime() - t0) * 1e-9;
            if (progress != null) {
                progress.printf(Locale.ROOT, "rep %d/%d: %.2f GFLOP/s%n", r + 1, reps, flops / secs[r] * 1e-9);
            }
        }
        double[] sorted = secs.clone();
        Arrays.sort(sorted);
        double best = sorted[0];
        double median = reps % 2 == 1 ? sorted[reps / 2] : 0.5 * (sorted[reps / 2 - 1] + sorted[reps / 2]);
        return new Result(m, n, k, Gemm.threadsUsed(m, n, k, threads), reps, flops / best * 1e-9, flops / median * 1e-9, best, median);
    }

    public static void main(String[] args) {
        int[] dims = new int[3];
        int nd = 0, threads = Gemm.defaultThreads(), warmup = 5, reps = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> {
                    if (nd == 3) throw new IllegalArgumentException("usage: [M [N K]] [--threads T] [--warmup W] [--reps R]");
                    dims[nd++] = Integer.parseInt(args[i]);
                }
            }
        }
        int m = nd == 0 ? 1024 : dims[0];
        int n = nd >= 2 ? dims[1] : m;
        int k = nd >= 3 ? dims[2] : m;
        System.out.println(run(m, n, k, warmup, reps, threads, System.out));
    }
}
