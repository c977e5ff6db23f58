package dev.verity.train;

/**
 * The schedules of paper 003 App. G, per optimisation step: {@code warmup} epochs of natural training (ε = 0,
 * κ = 1), then {@code rampup} epochs in which ε grows linearly from {@code epsStart} to ε_train, κ falls
 * linearly from 1 to κ_end and (CROWN-IBP) β from 1 to 0; then all stay. The learning rate follows
 * {@link LrSchedule}.
 */
public record Schedule(int epochs, int warmup, int rampup, double epsTrain, double epsStart, double kappaEnd,
                       double learningRate, LrSchedule lrSchedule) {

    /** 003 App. G: "milestones" reduce the rate 10× at 65 % and 95 % of the epochs (130 and 190 of 200); "steps" halve it every 10 % (20 of 200). */
    public enum LrSchedule {
        MILESTONES, STEPS, CONSTANT;

        double factor(int epoch, int epochs) {
            return switch (this) {
                case MILESTONES -> {
                    double f = 1;
                    if (epoch >= Math.round(0.65 * epochs)) f *= 0.1;
                    if (epoch >= Math.round(0.95 * epochs)) f *= 0.1;
                    yield f;
                }
                case STEPS -> Math.pow(0.5, epoch / Math.max(1, (int) Math.round(0.1 * epochs)));
                case CONSTANT -> 1;
            };
        }
    }

    public Schedule {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1");
        if (warmup < 0 || rampup < 0) throw new IllegalArgumentException("warm-up and ramp-up must be >= 0");
        if (!(epsTrain >= 0) || !(epsStart >= 0) || epsStart > epsTrain) throw new IllegalArgumentException("need 0 <= eps start <= eps train");
        if (!(kappaEnd >= 0 && kappaEnd <= 1)) throw new IllegalArgumentException("kappa end must be in [0, 1]");
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be > 0");
    }

    /** Progress through the ramp-up in [0, 1] at step {@code step} of {@code stepsPerEpoch} in {@code epoch} (0-based). */
    public double ramp(int epoch, int step, int stepsPerEpoch) {
        if (epoch < warmup) return -1;
        if (rampup == 0) return 1;
        double done = (epoch - warmup) + (step + 1.0) / stepsPerEpoch;
        return Math.min(1, done / rampup);
    }

    public double eps(int epoch, int step, int stepsPerEpoch) {
        double t = ramp(epoch, step, stepsPerEpoch);
        return t < 0 ? 0 : epsStart + t * (epsTrain - epsStart);
    }

    public double kappa(int epoch, int step, int stepsPerEpoch) {
        double t = ramp(epoch, step, stepsPerEpoch);
        return t < 0 ? 1 : 1 + t * (kappaEnd - 1);
    }

    /** CROWN-IBP's mixing weight of the CROWN-IBP bound (1 − β on IBP's). */
    public double beta(int epoch, int step, int stepsPerEpoch) {
        double t = ramp(epoch, step, stepsPerEpoch);
        return t < 0 ? 1 : 1 - t;
    }

    public double learningRate(int epoch) {
        return learningRate * lrSchedule.factor(epoch, epochs);
    }
}
