package dev.verity.train;

import dev.verity.data.Dataset;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Seconds per training epoch per method and architecture (the {@code bench --train} entry): each method trains at its
 * full cost (ε at its final value and κ = 0 from the first step, so every step computes the certified loss) on the
 * first samples of the training split after a few untimed warm-up steps (the JIT compiles the kernels), and the
 * time is scaled to an epoch of {@code epochSize} samples.
 */
public final class TrainBench {
    private TrainBench() {}

    public record Row(String arch, TrainMethod method, int samples, double seconds, double secondsPerEpoch) {}

    public static List<Row> run(Dataset train, List<String> archs, List<TrainMethod> methods, double eps, int samples, int warmupSteps,
                                int epochSize, PrintWriter out) {
        Dataset data = train.limit(samples);
        List<Row> rows = new java.util.ArrayList<>();
        out.printf("%-8s %-12s %8s %10s %14s%n", "arch", "method", "samples", "seconds", "s/epoch (" + epochSize + ")");
        for (String arch : archs) {
            for (TrainMethod m : methods) {
                TrainConfig cfg = new TrainConfig(arch, m, eps, new Schedule(1, 0, 0, eps, 0, 0, 5e-4, Schedule.LrSchedule.CONSTANT), 0, true,
                        Presets.BATCH, 0, 0, 10, null);
                Trainer warm = new Trainer(cfg, data, data.limit(0));
                int[] calls = {0};
                warm.run(new Trainer.Listener() {}, () -> ++calls[0] > warmupSteps, () -> {});
                Trainer t = new Trainer(cfg, data, data.limit(0));
                long start = System.nanoTime();
                t.run(new Trainer.Listener() {}, () -> false, () -> {});
                double s = (System.nanoTime() - start) / 1e9;
                Row r = new Row(arch, m, data.size(), s, s * epochSize / data.size());
                rows.add(r);
                out.printf(Locale.ROOT, "%-8s %-12s %8d %10.2f %14.1f%n", arch, m.cliName(), r.samples(), r.seconds(), r.secondsPerEpoch());
                out.flush();
            }
        }
        return rows;
    }
}
