package dev.verity.train;

import dev.verity.InvalidInputException;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The hyperparameters of paper 003 Table 6 (the best choice per MNIST model, 200 epochs, batch 100, Adam), one
 * named preset per row: {@code <net>-<method>-<ε_test>}, e.g. {@code fc-box-0.1}, {@code conv-crown-ibp-r-0.3}.
 * With fewer {@code epochs} a preset keeps its shape: warm-up and ramp-up scale with the epochs (a reduced
 * schedule, reported as such).
 */
public final class Presets {
    private Presets() {}

    /** One row of Table 6. */
    public record Row(String net, double epsTest, TrainMethod method, double epsTrain, int warmup, int rampup, double kappaEnd,
                      double l1, double lr, Schedule.LrSchedule lrSchedule, boolean elision) {
        public String name() {
            return net + "-" + method.cliName() + "-" + epsTest;
        }
    }

    public static final int EPOCHS = 200, BATCH = 100;

    private static final Map<String, Row> ROWS = new LinkedHashMap<>();

    private static void row(String net, double eps, TrainMethod m, double epsTrain, int nw, int nr, double kappa, double l1, double lr,
                            String schedule, boolean elision) {
        Row r = new Row(net, eps, m, epsTrain, nw, nr, kappa, l1, lr,
                schedule.equals("steps") ? Schedule.LrSchedule.STEPS : Schedule.LrSchedule.MILESTONES, elision);
        ROWS.put(r.name(), r);
    }

    static {
        TrainMethod box = TrainMethod.BOX, hbox = TrainMethod.HBOX, cir = TrainMethod.CROWN_IBP_R, dz = TrainMethod.DEEPZ,
                crown = TrainMethod.CROWN, ci = TrainMethod.CROWN_IBP;
        String ms = "milestones";
        row("fc", 0.1, box, 0.2, 10, 100, 0.5, 5e-6, 5e-4, ms, true);
        row("fc", 0.2, box, 0.2, 10, 100, 0, 5e-6, 5e-4, ms, true);
        row("fc", 0.3, box, 0.3, 10, 100, 0, 5e-6, 5e-4, ms, true);
        row("fc", 0.1, hbox, 0.1, 0, 50, 0, 5e-5, 5e-4, ms, true);
        row("fc", 0.2, hbox, 0.2, 10, 50, 0.5, 5e-5, 5e-4, ms, true);
        row("fc", 0.3, hbox, 0.3, 0, 50, 0.5, 5e-5, 5e-4, ms, true);
        row("fc", 0.1, cir, 0.2, 0, 50, 0.5, 5e-6, 5e-4, ms, true);
        row("fc", 0.2, cir, 0.3, 0, 50, 0.5, 5e-6, 5e-4, ms, true);
        row("fc", 0.3, cir, 0.3, 0, 50, 0.5, 5e-6, 5e-4, ms, true);
        row("fc", 0.1, dz, 0.1, 10, 50, 0, 5e-6, 5e-4, ms, true);
        row("fc", 0.2, dz, 0.2, 0, 50, 0, 5e-6, 1e-3, "steps", false);
        row("fc", 0.3, dz, 0.3, 0, 50, 0, 5e-6, 1e-3, "steps", false);
        row("fc", 0.1, crown, 0.1, 0, 100, 0, 0, 5e-4, ms, true);
        row("fc", 0.2, crown, 0.2, 10, 50, 0, 0, 5e-4, ms, true);
        row("fc", 0.3, crown, 0.3, 10, 100, 0, 0, 5e-4, ms, true);
        row("fc", 0.1, ci, 0.2, 10, 50, 0.5, 0, 5e-4, ms, true);
        row("fc", 0.2, ci, 0.2, 10, 50, 0, 0, 5e-4, ms, true);
        row("fc", 0.3, ci, 0.3, 10, 100, 0, 0, 5e-4, ms, true);
        row("conv", 0.1, box, 0.2, 0, 50, 0.5, 5e-6, 5e-4, ms, true);
        row("conv", 0.2, box, 0.3, 0, 50, 0.5, 5e-6, 5e-4, ms, true);
        row("conv", 0.3, box, 0.3, 0, 50, 0.5, 5e-6, 5e-4, ms, true);
        row("conv", 0.1, hbox, 0.3, 0, 50, 0.5, 5e-5, 5e-4, ms, true);
        row("conv", 0.2, hbox, 0.3, 0, 50, 0.5, 5e-5, 5e-4, ms, true);
        row("conv", 0.3, hbox, 0.3, 0, 50, 0.5, 5e-5, 5e-4, ms, true);
        row("conv", 0.1, cir, 0.1, 10, 50, 0, 0, 5e-4, ms, true);
        row("conv", 0.2, cir, 0.2, 10, 50, 0, 0, 5e-4, ms, true);
        row("conv", 0.3, cir, 0.3, 10, 50, 0.5, 5e-6, 5e-4, ms, true);
        row("conv", 0.1, dz, 0.2, 0, 50, 0, 5e-6, 5e-4, ms, true);
        row("conv", 0.2, dz, 0.2, 0, 50, 0, 5e-6, 5e-4, ms, true);
        row("conv", 0.3, dz, 0.3, 0, 50, 0, 5e-5, 5e-4, ms, true);
        row("conv", 0.1, crown, 0.2, 10, 100, 0, 0, 5e-4, ms, true);
        row("conv", 0.2, crown, 0.2, 10, 100, 0, 0, 5e-4, ms, true);
        row("conv", 0.3, crown, 0.3, 10, 100, 0, 0, 5e-4, ms, true);
        row("conv", 0.1, ci, 0.2, 10, 100, 0.5, 5e-6, 5e-4, ms, true);
        row("conv", 0.2, ci, 0.3, 10, 50, 0.5, 5e-6, 5e-4, ms, true);
        row("conv", 0.3, ci, 0.3, 10, 50, 0, 5e-6, 5e-4, ms, true);
        // 003's hBox rows were trained with its code's hBox, the forward hybrid zonotope: the same hyperparameters under
        // that method's name (MLPs only: fc-hbox-forward-0.1 … 0.3).
        for (Row r : java.util.List.copyOf(ROWS.values()))
            if (r.method() == hbox && r.net().equals("fc"))
                row(r.net(), r.epsTest(), TrainMethod.HBOX_FORWARD, r.epsTrain(), r.warmup(), r.rampup(), r.kappaEnd(), r.l1(), r.lr(),
                        r.lrSchedule() == Schedule.LrSchedule.STEPS ? "steps" : ms, r.elision());
    }

    public static Map<String, Row> rows() { return java.util.Collections.unmodifiableMap(ROWS); }

    public static Row get(String name) {
        Row r = ROWS.get(name.trim().toLowerCase(Locale.ROOT));
        if (r == null) throw new InvalidInputException("unknown preset '" + name + "'; paper 003 Table 6 has: " + String.join(", ", ROWS.keySet()));
        return r;
    }

    /**
     * The preset's schedule over {@code epochs} (200 = the paper's): warm-up and ramp-up scaled by epochs/200,
     * rounded, the ramp-up at least one epoch.
     */
    public static Schedule schedule(Row r, int epochs) {
        double f = epochs / (double) EPOCHS;
        int nw = (int) Math.round(r.warmup() * f), nr = r.rampup() == 0 ? 0 : Math.max(1, (int) Math.round(r.rampup() * f));
        return new Schedule(epochs, nw, nr, r.epsTrain(), 0, r.kappaEnd(), r.lr(), r.lrSchedule());
    }
}
