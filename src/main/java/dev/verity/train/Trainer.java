package dev.verity.train;

import dev.verity.bounds.Method;
import dev.verity.data.Dataset;
import dev.verity.tensor.Adam;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Certified (and standard, adversarial) training of paper 003 App. G: minibatches of a shuffled training set, the
 * loss {@code κ·CE(z, y) + (1 − κ)·CE(ẑ, y)} with ẑ the robust logits of the method's relaxation at the scheduled
 * ε, Adam with the scheduled learning rate, and L1 on the weights. After every epoch the held-back validation
 * samples are classified and certified at ε_test. A run is deterministic given its configuration (seeded
 * initialisation, per-epoch shuffles and PGD draws), and resumable from a {@link Checkpoint} at any step.
 */
public final class Trainer {

    /** Hears about progress (a progress bar) and finished epochs. */
    public interface Listener {
        default void step(int epoch, int step, int steps, double loss, double eps) {}

        default void epoch(EpochRecord record) {}

        default void resumed(int epoch, int step) {}
    }

    private final TrainConfig config;
    private final Model model;
    private final Dataset train, validation;
    private final List<Adam> optimisers = new ArrayList<>();
    /** PVT's verifier network (null for every other method). */
    private final Verifier verifier;
    private final List<EpochRecord> log = new ArrayList<>();
    private int epoch, step;
    private double seconds;
    /** Running sums of the current epoch: loss, clean loss, robust loss, robust steps, correct, seen, steps. */
    private double[] partial = new double[7];

    public Trainer(TrainConfig config, Dataset train, Dataset validation) {
        this.config = config;
        this.train = train;
        this.validation = validation;
        int classes = 0;
        for (int y : train.labels()) classes = Math.max(classes, y + 1);
        this.model = new Model(Architecture.parse(config.arch()).build(train.sampleShape(), classes, config.seed(), config.mean(), config.std()));
        if (config.method() == TrainMethod.HBOX_FORWARD)
            BatchBounds.hybridUncovered(model.network()).ifPresent(why -> { throw new dev.verity.InvalidInputException(why); });
        this.verifier = config.method() == TrainMethod.PVT ? new Verifier(model.network()) : null;
        for (Tensor p : allParameters()) optimisers.add(new Adam(p.size(), config.schedule().learningRate()));
    }

    /** The predictor's parameters, then (PVT) the verifier's: what the optimisers and checkpoints cover. */
    private List<Tensor> allParameters() {
        if (verifier == null) return model.parameters();
        List<Tensor> all = new ArrayList<>(model.parameters());
        all.addAll(verifier.parameters());
        return all;
    }

    public Model model() { return model; }

    /** PVT's verifier network, or null. */
    Verifier verifier() { return verifier; }

    public TrainConfig config() { return config; }

    public List<EpochRecord> log() { return List.copyOf(log); }

    /** Whether every epoch has run. */
    public boolean finished() { return epoch >= config.schedule().epochs(); }

    public int stepsPerEpoch() { return Math.max(1, (train.size() + config.batchSize() - 1) / config.batchSize()); }

    // ---- checkpoints --------------------------------------------------------------------------------------

    Checkpoint checkpoint() {
        return new Checkpoint(config.describe(), epoch, step, seconds, partial.clone(),
                allParameters().stream().map(Tensor::copy).toList(), optimisers.stream().map(Adam::state).toList(), List.copyOf(log));
    }

    /** Continues where {@code c} stopped; it must come from a run with the same configuration. */
    void restore(Checkpoint c) {
        if (!c.config().equals(config.describe()))
            throw new dev.verity.InvalidInputException("the checkpoint is from another run (" + c.config() + "); this run is " + config.describe());
        Model.copyInto(c.parameters(), allParameters());
        for (int i = 0; i < optimisers.size(); i++) optimisers.get(i).restore(c.optimiser().get(i));
        log.clear();
        log.addAll(c.log());
        epoch = c.epoch();
        step = c.step();
        seconds = c.seconds();
        partial = c.partial().clone();
    }

    // ---- the loop -------------------------------------------------------------------------------------------

    /**
     * Runs optimisation steps until the epochs are done or {@code pause} says so before a step (then it returns at
     * that step boundary, so the caller can checkpoint); {@code onEpoch} runs after each epoch (exports, log files).
     */
    public void run(Listener listener, java.util.function.BooleanSupplier pause, Runnable onEpoch) {
        int steps = stepsPerEpoch();
        while (epoch < config.schedule().epochs()) {
            int[] order = shuffle(epoch);
            long epochStart = System.nanoTime();
            while (step < steps) {
                if (pause.getAsBoolean()) {
                    seconds += (System.nanoTime() - epochStart) / 1e9;
                    return;
                }
                int from = step * config.batchSize(), to = Math.min(train.size(), from + config.batchSize());
                int[] idx = java.util.Arrays.copyOfRange(order, from, to);
                trainStep(batchImages(train, idx), batchLabels(train, idx), steps);
                step++;
                listener.step(epoch, step, steps, partial[0] / partial[6], config.schedule().eps(epoch, step - 1, steps));
            }
            double[] val = evaluate(validation, config.epsTest(), validationCertifier());
            seconds += (System.nanoTime() - epochStart) / 1e9;
            Schedule s = config.schedule();
            EpochRecord r = new EpochRecord(epoch + 1, partial[0] / partial[6], partial[1] / partial[6],
                    partial[3] > 0 ? partial[2] / partial[3] : Double.NaN, s.eps(epoch, steps - 1, steps), s.kappa(epoch, steps - 1, steps),
                    config.method() == TrainMethod.CROWN_IBP ? s.beta(epoch, steps - 1, steps) : Double.NaN, s.learningRate(epoch),
                    partial[4] / partial[5], val[0], val[1], validationCertifier() == null ? "pvt-dual" : validationCertifier().cliName(), validation.size(), seconds);
            log.add(r);
            epoch++;
            step = 0;
            seconds = 0;
            partial = new double[7];
            listener.epoch(r);
            onEpoch.run();
        }
    }

    private int[] shuffle(int e) {
        int n = train.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        SplittableRandom r = new SplittableRandom(config.seed() * 1_000_003L + e);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** One Adam step on one minibatch; returns the loss. */
    double trainStep(Tensor x, int[] labels, int steps) {
        Schedule s = config.schedule();
        double eps = s.eps(epoch, step, steps), kappa = s.kappa(epoch, step, steps);
        Tape tape = new Tape();
        Model.Weights w = model.bind(tape, true);
        List<Var> vars = new ArrayList<>(w.vars());
        if (verifier != null) vars.addAll(verifier.bind(tape, true));
        BatchBounds bb = new BatchBounds(model, tape, w);
        List<Var> values = bb.forwardAll(tape.constant(x));
        Var logits = values.getLast();
        Var clean = tape.crossEntropy(logits, labels), loss = clean;
        Var robust = robustLoss(tape, bb, x, labels, eps, kappa, s.beta(epoch, step, steps), values);
        if (robust != null) loss = tape.add(tape.scale(clean, kappa), tape.scale(robust, 1 - kappa));
        tape.backward(loss);
        double lr = s.learningRate(epoch);
        for (int i = 0; i < optimisers.size(); i++) {
            Tensor p = allParameters().get(i);
            double[] g = vars.get(i).requiresGrad() ? vars.get(i).grad().data() : new double[p.size()];
            if (config.l1() > 0 && i < model.parameters().size() && model.isWeight(i)) {
                g = g.clone();
                double[] pd = p.data();
                for (int k = 0; k < g.length; k++) g[k] += config.l1() * Math.signum(pd[k]);
            }
            Adam adam = optimisers.get(i);
            adam.setLearningRate(lr);
            adam.step(p.data(), g);
        }
        int[] pred = logits.value().argmax(1);
        int correct = 0;
        for (int i = 0; i < labels.length; i++) if (pred[i] == labels[i]) correct++;
        partial[0] += loss.item();
        partial[1] += clean.item();
        if (robust != null) {
            partial[2] += robust.item();
            partial[3]++;
        }
        partial[4] += correct;
        partial[5] += labels.length;
        partial[6]++;
        return loss.item();
    }

    /** The adversarial or certified part of the loss, or null when the schedule does not ask for it yet. */
    private Var robustLoss(Tape tape, BatchBounds bb, Tensor x, int[] labels, double eps, double kappa, double beta, List<Var> values) {
        if (!(eps > 0) || !(kappa < 1)) return null;
        return switch (config.method()) {
            case STANDARD -> null;
            case PGD -> {
                SplittableRandom rng = new SplittableRandom(config.seed() ^ ((long) epoch << 32) ^ step);
                Tensor adv = AdversarialBatch.attack(model, x, labels, eps, config.pgdSteps(), rng);
                yield tape.crossEntropy(bb.forward(tape.constant(adv)), labels);
            }
            case BOX, HBOX, HBOX_FORWARD, DEEPZ, CROWN, CROWN_0, CROWN_IBP_R ->
                    tape.crossEntropy(bb.robustLogits(config.method().bounds(), box(tape, x, eps), labels, config.elision()), labels);
            case PVT -> tape.crossEntropy(bb.dualRobustLogits(box(tape, x, eps), labels, verifier, values), labels);
            case CROWN_IBP -> {
                // Zhang et al.'s mixture of the two bounds, β·CROWN-IBP + (1 − β)·IBP (003 App. G: "gradually shift from
                // CROWN-IBP (R) to IBP loss").
                BatchBounds.Box box = box(tape, x, eps);
                Var z = null;
                if (beta > 0) z = tape.scale(bb.robustLogits(Method.CROWN_IBP, box, labels, config.elision()), beta);
                if (beta < 1) {
                    Var ibp = tape.scale(bb.robustLogits(Method.IBP, box, labels, config.elision()), 1 - beta);
                    z = z == null ? ibp : tape.add(z, ibp);
                }
                yield tape.crossEntropy(z, labels);
            }
        };
    }

    static BatchBounds.Box box(Tape tape, Tensor x, double eps) {
        return new BatchBounds.Box(tape.constant(x.map(v -> Math.max(0, v - eps))), tape.constant(x.map(v -> Math.min(1, v + eps))));
    }

    /** What validates each epoch: the method's certifier, or (null) PVT's own dual bound with the current verifier. */
    private Method validationCertifier() {
        return config.method() == TrainMethod.PVT ? null : config.method().certifier();
    }

    /**
     * Clean accuracy and certified accuracy (every margin z_y − z_j provably positive over the ε-ball clipped to
     * [0, 1], by {@code certifier} with elision; null: PVT's dual bound with its verifier) on {@code data}, in minibatches.
     */
    public double[] evaluate(Dataset data, double eps, Method certifier) {
        if (data.size() == 0) return new double[] {Double.NaN, Double.NaN};
        int correct = 0, certified = 0, n = data.size(), bs = Math.max(config.batchSize(), 100);
        for (int from = 0; from < n; from += bs) {
            int[] idx = new int[Math.min(bs, n - from)];
            for (int i = 0; i < idx.length; i++) idx[i] = from + i;
            Tensor x = batchImages(data, idx);
            int[] y = batchLabels(data, idx);
            Tape tape = new Tape();
            BatchBounds bb = new BatchBounds(model, tape, model.bind(tape, false));
            List<Var> values = bb.forwardAll(tape.constant(x));
            int[] pred = values.getLast().value().argmax(1);
            Tensor robust;
            if (certifier == null) {
                verifier.bind(tape, false);
                robust = bb.dualRobustLogits(box(tape, x, eps), y, verifier, values).value();
            } else {
                robust = bb.robustLogits(certifier, box(tape, x, eps), y, true).value();
            }
            int k = robust.dim(1);
            for (int i = 0; i < idx.length; i++) {
                if (pred[i] == y[i]) correct++;
                boolean ok = true;
                for (int j = 0; j < k; j++) if (j != y[i] && !(robust.get(i, j) < 0)) ok = false;
                if (ok) certified++;
            }
        }
        return new double[] {correct / (double) n, certified / (double) n};
    }

    static Tensor batchImages(Dataset data, int[] idx) {
        int per = data.sampleShape().numel();
        double[] src = data.images().data(), out = new double[idx.length * per];
        for (int i = 0; i < idx.length; i++) System.arraycopy(src, idx[i] * per, out, i * per, per);
        return new Tensor(out, data.sampleShape().withBatch(idx.length));
    }

    static int[] batchLabels(Dataset data, int[] idx) {
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) y[i] = data.label(idx[i]);
        return y;
    }

    /** Where the run stands (for progress and resume messages). */
    public int epoch() { return epoch; }

    public int step() { return step; }
}
