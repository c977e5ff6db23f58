package dev.verity.train;

import dev.verity.data.Dataset;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Seconds per training epoch per method and architecture (the {@code bench --train} entry): each method trains at its
 * full cost — ε at its final value from the first step and the schedule held at the start of a long ramp, so every
 * step computes the certified loss, and CROWN-IBP mixes both of its bounds (β just below 1: the CROWN-IBP bound and
 * IBP's, its costliest phase; a finished ramp, β = 0, is IBP alone, which is what an earlier version of this bench
 * timed for it) — on the first samples of the training split after a few untimed warm-up steps (the JIT compiles the
 * kernels), and the time is scaled to an epoch of {@code epochSize} samples.
 */
public final class TrainBench {
    private TrainBench() {}

    /** Ramp-up epochs of the timed schedule: its first epoch stays at the ramp's start (κ and β just below 1). */
    static final int LONG_RAMP = 1000;

    /** The schedule every method is timed with: ε fixed at {@code eps}, κ and β just below 1 at every step of epoch 1. */
    static Schedule timedSchedule(double eps) {
        return new Schedule(1, 0, LONG_RAMP, eps, eps, 0, 5e-4, Schedule.LrSchedule.CONSTANT);
    }

    public record Row(String arch, TrainMethod method, int samples, double seconds, double secondsPerEpoch) {}

    public static List<Row> run(Dataset train, List<String> archs, List<TrainMethod> methods, double eps, int samples, int warmupSteps,
                                int epochSize, PrintWriter out) {
        Dataset data = train.limit(samples);
        List<Row> rows = new java.util.ArrayList<>();
        out.printf("%-8s %-12s %8s %10s %14s%n", "arch", "method", "samples", "seconds", "s/epoch (" + epochSize + ")");
        for (String arch : archs) {
            for (TrainMethod m : methods) {
                TrainConfig cfg = new TrainConfig(arch, m, eps, timedSchedule(eps), 0, true,
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
