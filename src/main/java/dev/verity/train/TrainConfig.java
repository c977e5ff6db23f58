package dev.verity.train;

/**
 * Everything that determines a training run (a checkpoint is only resumed under the same configuration).
 *
 * @param arch       the architecture spec ({@link Architecture#parse})
 * @param method     what is minimised
 * @param epsTest    the radius the network is meant to be certified at (validation certifies at it)
 * @param schedule   epochs, ε/κ ramps, learning rate (paper 003 App. G)
 * @param l1         L1 weight λ on the weights (not the biases)
 * @param elision    fold the specification into the last layer (Gowal et al.)
 * @param batchSize  samples per step (003: 100)
 * @param seed       initialisation, shuffling and PGD draws
 * @param validation training samples held back (the last ones of the training split) for per-epoch validation
 * @param pgdSteps   PGD steps per training batch (method pgd)
 * @param preset     the paper-003 Table 6 row this came from, or null
 * @param mean       input normalisation put in front of the network, (x − mean) / std; 0 and 1: none
 * @param std        see mean; ε stays in pixel units
 */
public record TrainConfig(String arch, TrainMethod method, double epsTest, Schedule schedule, double l1, boolean elision,
                          int batchSize, long seed, int validation, int pgdSteps, String preset, double mean, double std) {

    /** Without input normalisation. */
    public TrainConfig(String arch, TrainMethod method, double epsTest, Schedule schedule, double l1, boolean elision,
                       int batchSize, long seed, int validation, int pgdSteps, String preset) {
        this(arch, method, epsTest, schedule, l1, elision, batchSize, seed, validation, pgdSteps, preset, 0, 1);
    }

    public boolean normalised() { return mean != 0 || std != 1; }

    /** The same run with the input normalisation (x − mean) / std. */
    public TrainConfig withNormalization(double mean, double std) {
        return new TrainConfig(arch, method, epsTest, schedule, l1, elision, batchSize, seed, validation, pgdSteps, preset, mean, std);
    }

    public TrainConfig {
        Architecture.parse(arch); // validates
        if (!(epsTest > 0)) throw new dev.verity.InvalidInputException("--eps must be > 0, got " + epsTest);
        if (!(l1 >= 0)) throw new dev.verity.InvalidInputException("--l1 must be >= 0");
        if (batchSize < 1) throw new dev.verity.InvalidInputException("--batch must be >= 1");
        if (validation < 0) throw new dev.verity.InvalidInputException("--validation must be >= 0");
        if (pgdSteps < 1) throw new dev.verity.InvalidInputException("--pgd-steps must be >= 1");
        if (!(std > 0) || !Double.isFinite(mean)) throw new dev.verity.InvalidInputException("--normalize needs a finite mean and a std > 0");
    }

    /** A one-line description of the run for logs and checkpoints. */
    public String describe() {
        Schedule s = schedule;
        return String.format(java.util.Locale.ROOT,
                "arch=%s method=%s eps=%s eps_train=%s epochs=%d warmup=%d rampup=%d kappa_end=%s l1=%s lr=%s lr_schedule=%s elision=%s batch=%d seed=%d validation=%d pgd_steps=%d eps_start=%s",
                arch, method, epsTest, s.epsTrain(), s.epochs(), s.warmup(), s.rampup(), s.kappaEnd(), l1, s.learningRate(),
                s.lrSchedule().name().toLowerCase(java.util.Locale.ROOT), elision, batchSize, seed, validation, pgdSteps, s.epsStart())
                + (normalised() ? " normalize=" + mean + "," + std : "");
    }
}
