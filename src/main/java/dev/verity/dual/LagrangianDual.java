package dev.verity.dual;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.relax.Lines;
import dev.verity.relax.Relaxations;
import dev.verity.relax.ReluRelaxation;
import dev.verity.spec.Objective;
import dev.verity.tensor.Adam;
import dev.verity.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

/**
 * The Lagrangian relaxation of paper 001 (Sec. 3, eq. 4–8) for a chain network
 * {@code x₀ → z₁ = A₁(x₀) → x₁ = σ₁(z₁) → … → z_{K−1} → x_{K−1} → y = A_K(x_{K−1})}, where each A_k is the
 * affine map of the linear layers between two nonlinearities (dense, conv, affine, flatten/reshape —
 * applied and transposed as operators, a convolution never expanded to a matrix) and σ_k an element-wise
 * activation (ReLU, leaky ReLU, sigmoid, tanh).
 *
 * <p>For a lower bound of {@code c·y + d} over {@code x₀ ∈ box}, with pre-activation bounds
 * {@code z_k ∈ [l_k, u_k]}, the constraints {@code z_k = A_k(x_{k−1})} are dualised with multipliers λ_k
 * (eq. 4, in minimisation form, x_k = σ_k(z_k) substituted):
 *
 * <pre>
 *   g(λ) = min  c·A_K(x_{K−1}) + d + Σ_k λ_k·(z_k − A_k(x_{k−1}))   over x₀ ∈ box, z_k ∈ [l_k, u_k]
 *        = d − Σ_{k=1..K} λ_k·b_k + min_{x₀∈box} (−μ₀·x₀) + Σ_{k=1..K−1} Σ_j min_{z∈[l,u]} (λ_kj·z − μ_kj·σ(z))
 * </pre>
 *
 * with λ_K = −c (paper 001: "λ_K = −c"), b_k = A_k(0) and μ_{k−1} = A_kᵀλ_k (the transposed linear part).
 * The problem separates (eq. 5): the input term is the affine case eq. 6, each neuron a 1-D problem
 * eq. 7 solved exactly by {@link ScalarActivation}. Any feasible point of the network makes every
 * λ-term vanish, so g(λ) ≤ the true minimum for every λ (weak duality): every iterate is a valid bound,
 * and the optimiser keeps the best one per row ("anytime").
 *
 * <p>g is concave (a minimum of functions affine in λ); at a minimiser (x₀*, z*) the constraint residual
 * {@code z_k* − A_k(σ(z_{k−1}*))} is a supergradient, which Adam follows (eq. 8). CROWN's back-substitution
 * coefficients are one choice of λ: with λ_k = μ_k ⊙ s_k (s_k CROWN's lower slope where μ_kj ≤ 0, its
 * upper chord slope where μ_kj > 0) each 1-D minimum equals the line's intercept term, so g(λ_CROWN) is
 * exactly CROWN's bound on ReLU nets — the start {@link DualOptions.Init#CROWN} uses.
 *
 * <p>The sums are plain double arithmetic, rounded like the bound engine's (the verifier's margin
 * tolerance covers both); the sigmoid/tanh minima are moved down by a relative 1e-12 for the ulp error of
 * exp/tanh.
 */
public final class LagrangianDual {
    private final Network net;
    private final List<Segment> segments = new ArrayList<>();
    private final List<Stage> stages = new ArrayList<>();
    private final double[][] segmentBias;
    /** Wᵀ {@code [in, out]} of every dense node, so that {@code a.linear(Wᵀ)} is {@code a·W}. */
    private final Map<Integer, Tensor> transposed = new java.util.HashMap<>();

    /** The linear layers between two nonlinearities: x (shape {@code in}) ↦ node {@code outId} (shape {@code out}). */
    private record Segment(List<Node> layers, Shape in, Shape out, int outId) {}

    /** A hidden activation: pre-activation node {@code preId} of {@code size} neurons. */
    private record Stage(int preId, ScalarActivation activation, Layer layer, int size, Shape shape) {}

    /**
     * @throws UnsupportedOperationException naming the layer when the network is not a chain of the
     *                                       supported layers
     */
    public LagrangianDual(Network net) {
        this.net = net;
        List<Node> current = new ArrayList<>();
        Shape in = net.inputShape();
        for (Node node : net.nodes()) {
            if (node.id() == 0) continue;
            if (node.inputs().size() != 1 || node.inputs().getFirst() != node.id() - 1)
                throw new UnsupportedOperationException("the lagrangian method supports chain networks only; node " + node.name()
                        + " (" + node.layer().describe() + ") does not read just the node before it");
            ScalarActivation act = switch (node.layer()) {
                case Layer.Relu r -> ScalarActivation.relu();
                case Layer.LeakyRelu l -> new ScalarActivation.LeakyRelu(l.alpha());
                case Layer.Sigmoid s -> ScalarActivation.sigmoid();
                case Layer.Tanh t -> ScalarActivation.tanh();
                case Layer.Dense d -> null;
                case Layer.Conv2d c -> null;
                case Layer.Affine a -> null;
                case Layer.Flatten f -> null;
                case Layer.Reshape r -> null;
                case Layer.Input _, Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Transpose _, Layer.Pad _, Layer.Add _ ->
                        throw new UnsupportedOperationException("the lagrangian method does not support layer "
                        + node.layer().describe() + " (node " + node.name() + ") yet");
            };
            if (act == null) {
                if (node.layer() instanceof Layer.Dense d) transposed.put(node.id(), d.weight().transpose(1, 0));
                current.add(node);
                continue;
            }
            Node pre = net.node(node.id() - 1);
            segments.add(new Segment(List.copyOf(current), in, pre.shape(), pre.id()));
            stages.add(new Stage(pre.id(), act, node.layer(), pre.shape().numel(), pre.shape()));
            current.clear();
            in = node.shape();
        }
        segments.add(new Segment(List.copyOf(current), in, net.outputShape(), net.output().id()));
        segmentBias = new double[segments.size()][];
        for (int k = 0; k < segments.size(); k++) {
            Segment s = segments.get(k);
            segmentBias[k] = forward(s, Tensor.zeros(s.in().withBatch(1))).data().clone();
        }
    }

    public Network network() { return net; }

    /** Ids of the pre-activation nodes whose bounds the dual needs, in order. */
    public List<Integer> preActivationIds() {
        return stages.stream().map(Stage::preId).toList();
    }

    /**
     * The dual problem of {@code objective}'s rows over {@code box}, with the given bounds for every
     * pre-activation node (e.g. CROWN's, {@code BoundResult.intermediate()}).
     */
    public Problem problem(Interval box, Map<Integer, Interval> intermediate, Objective objective) {
        return new Problem(box, intermediate, objective, false);
    }

    /**
     * As above; {@code sound}: every value g(λ) is lowered by a rigorous bound of its rounding error (sound mode, issue
     * 17), so that it is a lower bound in exact arithmetic: the computed μ = Aᵀλ differs from the exact one by at most
     * γ_T·|A|ᵀ|λ| (Higham), which multiplies x with |x| ≤ its interval magnitude, so each stage charges
     * {@code |λ_k|·γ_T·(|A_k|·|x_{k−1}|max + |b_k|)}; the sums over neurons and the input term charge γ_n of their terms
     * (the per-neuron minima are rounded down already, {@link ScalarActivation#soundValue}).
     */
    public Problem problem(Interval box, Map<Integer, Interval> intermediate, Objective objective, boolean sound) {
        return new Problem(box, intermediate, objective, sound);
    }

    /** Called after every evaluation of g (iteration 0: the initial multipliers). */
    @FunctionalInterface
    public interface Observer {
        /**
         * @param g     this iterate's dual value per row (each a valid lower bound)
         * @param best  the best value per row so far
         */
        void iteration(int iteration, double[] g, double[] best, long elapsedNanos);
    }

    /** g and a supergradient (constraint residuals per stage, flattened {@code [rows, neurons]}). */
    public record Evaluation(double[] value, double[][] supergradient) {}

    /** One objective over one box with fixed intermediate bounds. Not thread-safe. */
    public final class Problem {
        private final int rows;
        private final double[] boxLower, boxUpper;
        private final double[][] lower, upper;
        private final double[] base;
        /** μ_{K−1} = A_Kᵀ(−c), constant: the last multiplier λ_K = −c is fixed. */
        private final double[] lastMu;
        /** Sound mode: per segment k, γ_T·(|A_k|·|x_{k−1}|max + |b_k|) over its outputs; null otherwise. */
        private final double[][] charges;
        /** Sound mode: the rounding error of {@link #base} and of the constant last multiplier, per row. */
        private final double[] baseError;

        private Problem(Interval box, Map<Integer, Interval> intermediate, Objective objective, boolean sound) {
            if (box.size() != net.inputShape().numel())
                throw new IllegalArgumentException("input box has " + box.size() + " dimensions, the network " + net.inputShape().numel());
            if (objective.outputs() != net.outputShape().numel())
                throw new IllegalArgumentException("objective over " + objective.outputs() + " outputs, the network has " + net.outputShape().numel());
            checkFinite(box, "input box");
            rows = objective.rows();
            boxLower = box.lower().clone();
            boxUpper = box.upper().clone();
            lower = new double[stages.size()][];
            upper = new double[stages.size()][];
            for (int k = 0; k < stages.size(); k++) {
                Stage st = stages.get(k);
                Interval iv = intermediate.get(st.preId());
                if (iv == null) throw new IllegalArgumentException("no intermediate bounds for node " + net.node(st.preId()).name());
                if (iv.size() != st.size())
                    throw new IllegalArgumentException("intermediate bounds of node " + net.node(st.preId()).name() + " have " + iv.size() + " entries, expected " + st.size());
                checkFinite(iv, "bounds of node " + net.node(st.preId()).name());
                lower[k] = iv.lower().clone();
                upper[k] = iv.upper().clone();
            }
            // Constant part d + c·b_K (the −λ_K·b_K term with λ_K = −c).
            double[] c = objective.c().data(), d = objective.d(), bK = segmentBias[segments.size() - 1];
            int outs = objective.outputs();
            base = new double[rows];
            for (int r = 0; r < rows; r++) {
                double s = d[r];
                for (int j = 0; j < outs; j++) s += c[r * outs + j] * bK[j];
                base[r] = s;
            }
            Segment last = segments.getLast();
            lastMu = adjoint(last, objective.c().neg().reshape(last.out().withBatch(rows))).data();
            charges = sound ? segmentCharges() : null;
            baseError = sound ? new double[rows] : null;
            if (sound) {
                double[] w = charges[segments.size() - 1];
                double g = dev.verity.tensor.RoundingBounds.gamma(outs + 2);
                for (int r = 0; r < rows; r++) {
                    double e = g * Math.abs(d[r]) + 2 * dev.verity.tensor.RoundingBounds.U * Math.abs(base[r]);
                    for (int j = 0; j < outs; j++) e += Math.abs(c[r * outs + j]) * w[j];
                    baseError[r] = e;
                }
            }
        }

        /** Sound mode's charge vector of every segment (see {@link LagrangianDual#problem(Interval, Map, Objective, boolean)}). */
        private double[][] segmentCharges() {
            double[][] out = new double[segments.size()][];
            double[] mag = new double[boxLower.length];
            for (int i = 0; i < mag.length; i++) mag[i] = Math.max(Math.abs(boxLower[i]), Math.abs(boxUpper[i]));
            for (int k = 0; k < segments.size(); k++) {
                Segment seg = segments.get(k);
                double[] w = forward(seg, tensor(mag, seg.in()), t -> t.map(Math::abs)).data();
                double g = dev.verity.tensor.RoundingBounds.gamma(terms(seg) + 2);
                double[] charge = new double[w.length];
                for (int j = 0; j < w.length; j++) charge[j] = g * w[j];
                out[k] = charge;
                if (k < stages.size()) { // the activation's output magnitudes: σ is monotone
                    ScalarActivation act = stages.get(k).activation();
                    mag = new double[lower[k].length];
                    for (int j = 0; j < mag.length; j++)
                        mag[j] = Math.max(Math.abs(act.value(lower[k][j])), Math.abs(act.value(upper[k][j]))) * (1 + 1e-12) + 1e-300;
                }
            }
            return out;
        }

        public int rows() { return rows; }

        /** Number of hidden activation layers K−1 (multiplier blocks). */
        public int stageCount() { return stages.size(); }

        /** Neurons of stage k (0-based): the length of a multiplier row. */
        public int stageSize(int k) { return stages.get(k).size(); }

        /** λ = 0 for every row and stage, flattened {@code [rows, neurons]} per stage. */
        public double[][] zeroMultipliers() {
            double[][] lam = new double[stages.size()][];
            for (int k = 0; k < lam.length; k++) lam[k] = new double[rows * stages.get(k).size()];
            return lam;
        }

        /**
         * CROWN's back-substitution coefficients as multipliers: top-down, λ_k = μ_k ⊙ s_k with s_kj the
         * upper (chord) slope where μ_kj > 0 and CROWN's adaptive lower slope elsewhere — the coefficient
         * CROWN puts on z_k, negated (its coefficient on x_k is −μ_k).
         */
        public double[][] crownMultipliers() {
            return crownMultipliers(new double[stages.size()][]);
        }

        /** As {@link #crownMultipliers()}; also stores the μ_k they are built from in {@code muOut}. */
        private double[][] crownMultipliers(double[][] muOut) {
            double[][] lam = new double[stages.size()][];
            double[] mu = lastMu;
            for (int k = stages.size() - 1; k >= 0; k--) {
                Stage st = stages.get(k);
                Lines lines = crownLines(st, new Interval(lower[k], upper[k]));
                int n = st.size();
                double[] l = new double[rows * n];
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < n; j++) {
                        double m = mu[r * n + j];
                        l[r * n + j] = m > 0 ? m * lines.upperSlope()[j] : m * lines.lowerSlope()[j];
                    }
                }
                lam[k] = l;
                muOut[k] = mu;
                mu = adjoint(segments.get(k), tensor(l, st.shape())).data();
            }
            return lam;
        }

        /** g(λ) per row (each a valid lower bound of its row). */
        public double[] value(double[][] lambda) {
            return evaluate(lambda, false).value();
        }

        /** g(λ) per row and, optionally, a supergradient with respect to every λ_k. */
        public Evaluation evaluate(double[][] lambda, boolean withSupergradient) {
            if (lambda.length != stages.size()) throw new IllegalArgumentException("expected " + stages.size() + " multiplier blocks, got " + lambda.length);
            int stageCount = stages.size();
            double[] g = base.clone();
            double[] err = charges == null ? null : baseError.clone();
            double[] mu = lastMu;
            double[][] zStar = new double[stageCount][];
            for (int k = stageCount - 1; k >= 0; k--) {
                Stage st = stages.get(k);
                int n = st.size();
                double[] lam = lambda[k], lo = lower[k], hi = upper[k], b = segmentBias[k];
                if (lam.length != rows * n) throw new IllegalArgumentException("multiplier block " + k + " has " + lam.length + " entries, expected " + rows * n);
                double[] z = new double[rows * n];
                ScalarActivation act = st.activation();
                for (int r = 0; r < rows; r++) {
                    double s = 0, abs = 0, charged = 0;
                    for (int j = 0; j < n; j++) {
                        int i = r * n + j;
                        double zi = act.argmin(lam[i], mu[i], lo[j], hi[j]);
                        z[i] = zi;
                        // eq. 7 per neuron, minus the λ_k·b_k share of eq. 6's bias term.
                        double term = act.soundValue(lam[i], mu[i], zi) - lam[i] * b[j];
                        s += term;
                        if (err != null) {
                            abs += Math.abs(term) + Math.abs(lam[i] * b[j]);
                            charged += Math.abs(lam[i]) * charges[k][j];
                        }
                    }
                    g[r] += s;
                    if (err != null) err[r] += dev.verity.tensor.RoundingBounds.gamma(n + 3) * abs + 2 * dev.verity.tensor.RoundingBounds.U * Math.abs(g[r]) + charged;
                }
                zStar[k] = z;
                mu = adjoint(segments.get(k), tensor(lam, st.shape())).data();
            }
            // Input term (eq. 6 with the box): min over x₀ of −μ₀·x₀.
            int n0 = boxLower.length;
            double[] x0 = new double[rows * n0];
            for (int r = 0; r < rows; r++) {
                double s = 0;
                double abs = 0;
                for (int i = 0; i < n0; i++) {
                    double v = mu[r * n0 + i];
                    double x = v > 0 ? boxUpper[i] : boxLower[i];
                    x0[r * n0 + i] = x;
                    s -= v * x;
                    abs += Math.abs(v * x);
                }
                g[r] += s;
                if (err != null) // the input sum, the last addition, and the subtraction of the error itself
                    g[r] = Math.nextDown(g[r] - ((err[r] + dev.verity.tensor.RoundingBounds.gamma(n0 + 2) * abs + 4 * dev.verity.tensor.RoundingBounds.U * Math.abs(g[r]))
                            * (1 + 1e-6) + Double.MIN_NORMAL));
            }
            if (!withSupergradient) return new Evaluation(g, null);
            // ∂g/∂λ_k = z_k* − A_k(x_{k−1}*): the residual of the dualised constraint at the minimiser.
            double[][] grad = new double[stageCount][];
            Tensor x = tensor(x0, net.inputShape());
            for (int k = 0; k < stageCount; k++) {
                Stage st = stages.get(k);
                double[] pre = forward(segments.get(k), x).data();
                double[] z = zStar[k], gk = new double[z.length];
                for (int i = 0; i < z.length; i++) gk[i] = z[i] - pre[i];
                grad[k] = gk;
                double[] next = new double[z.length];
                for (int i = 0; i < z.length; i++) next[i] = st.activation().value(z[i]);
                x = tensor(next, st.shape());
            }
            return new Evaluation(g, grad);
        }

        /**
         * Maximises g by Adam on the supergradient (paper 001 eq. 8), keeping the best value per row
         * (every iterate is a valid bound). Rows are independent: their multipliers never mix, and Adam's
         * per-coordinate steps are scaled per multiplier (see {@link #stepScales}).
         */
        public DualResult maximise(DualOptions options, Observer observer) {
            long start = System.nanoTime();
            long deadline = start + options.timeBudget().toNanos();
            double[][] crownMu = new double[stages.size()][];
            double[][] crown = crownMultipliers(crownMu);
            double[][] scale = stepScales(crownMu);
            double[][] lambda = switch (options.init()) {
                case CROWN -> crown;
                case ZERO -> zeroMultipliers();
                case RANDOM -> random(scale, options.seed());
            };
            int total = 0;
            for (double[] l : lambda) total += l.length;
            Evaluation e = evaluate(lambda, true);
            double[] initial = e.value().clone(), best = e.value().clone();
            if (observer != null) observer.iteration(0, e.value(), best, System.nanoTime() - start);
            Adam adam = new Adam(total, options.learningRate());
            double[] params = flatten(lambda, scale, total), grad = new double[total];
            int it = 0;
            while (it < options.maxIterations() && System.nanoTime() < deadline) {
                if (Thread.currentThread().isInterrupted()) throw new CancellationException("dual optimisation interrupted");
                // Adam descends: ascend g with the negated supergradient, preconditioned per stage and row.
                int at = 0;
                for (int k = 0; k < lambda.length; k++) {
                    double[] gk = e.supergradient()[k], sk = scale[k];
                    // dg/dν = dg/dλ · scale
                    for (int i = 0; i < gk.length; i++) grad[at + i] = -gk[i] * sk[i];
                    at += gk.length;
                }
                adam.setLearningRate(options.learningRate() * Math.pow(options.decay(), it));
                adam.step(params, grad);
                unflatten(params, lambda, scale);
                it++;
                e = evaluate(lambda, true);
                double[] g = e.value();
                for (int r = 0; r < rows; r++) if (g[r] > best[r]) best[r] = g[r];
                if (observer != null) observer.iteration(it, g, best, System.nanoTime() - start);
            }
            return new DualResult(best, initial, it, System.nanoTime() - start);
        }

        /**
         * The step scale of every multiplier: |μ_kj| at CROWN's multipliers plus 5% of that row's RMS of μ_k
         * (so that a multiplier with μ = 0 can still move). Adam works on ν = λ / scale, so its step — about
         * the learning rate in every coordinate — is relative to the size λ_kj naturally has: every CROWN
         * multiplier is μ_kj times a slope in [0, 1], and layers (and rows) differ by orders of magnitude.
         */
        private double[][] stepScales(double[][] crownMu) {
            double[][] s = new double[crownMu.length][];
            for (int k = 0; k < crownMu.length; k++) {
                int n = stages.get(k).size();
                double[] mu = crownMu[k];
                s[k] = new double[rows * n];
                for (int r = 0; r < rows; r++) {
                    double sum = 0;
                    for (int j = 0; j < n; j++) sum += mu[r * n + j] * mu[r * n + j];
                    double rms = Math.sqrt(sum / n);
                    rms = rms > 0 && Double.isFinite(rms) ? rms : 1;
                    for (int j = 0; j < n; j++) s[k][r * n + j] = Math.abs(mu[r * n + j]) + 0.05 * rms;
                }
            }
            return s;
        }

        private double[] flatten(double[][] lambda, double[][] scale, int total) {
            double[] p = new double[total];
            int at = 0;
            for (int k = 0; k < lambda.length; k++) {
                for (int i = 0; i < lambda[k].length; i++) p[at + i] = lambda[k][i] / scale[k][i];
                at += lambda[k].length;
            }
            return p;
        }

        private void unflatten(double[] p, double[][] lambda, double[][] scale) {
            int at = 0;
            for (int k = 0; k < lambda.length; k++) {
                for (int i = 0; i < lambda[k].length; i++) lambda[k][i] = p[at + i] * scale[k][i];
                at += lambda[k].length;
            }
        }

        /** Gaussian multipliers, each at its step scale (the size of |μ| at CROWN's multipliers). */
        private double[][] random(double[][] scale, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            double[][] lam = new double[scale.length][];
            for (int k = 0; k < scale.length; k++) {
                lam[k] = new double[scale[k].length];
                for (int i = 0; i < lam[k].length; i++) lam[k][i] = scale[k][i] * gaussian(rnd);
            }
            return lam;
        }
    }

    // ---- the linear segments, as operators ------------------------------------------------------

    /** A_k(x) for a batch {@code [m, ...in]}, biases included. */
    private static Tensor forward(Segment s, Tensor x) {
        return forward(s, x, t -> t);
    }

    /**
     * A_k(x) with every weight, bias, scale and shift passed through {@code map} first: the identity for A_k itself,
     * the absolute value for |A_k|·x + |b_k| (sound mode's charges).
     */
    private static Tensor forward(Segment s, Tensor x, java.util.function.UnaryOperator<Tensor> map) {
        int m = x.dim(0);
        for (Node node : s.layers()) {
            x = switch (node.layer()) {
                case Layer.Dense d -> x.linear(map.apply(d.weight()), map.apply(d.bias()));
                case Layer.Conv2d c -> x.conv2d(map.apply(c.weight()), map.apply(c.bias()), c.geometry());
                case Layer.Affine a -> x.mul(map.apply(a.scale())).add(map.apply(a.shift()));
                case Layer.Flatten f -> x.reshape(node.shape().withBatch(m));
                case Layer.Reshape r -> x.reshape(node.shape().withBatch(m));
                case Layer.Input _, Layer.Relu _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _,
                        Layer.AvgPool2d _, Layer.Transpose _, Layer.Pad _, Layer.Add _ ->
                        throw new IllegalStateException("not a linear layer of a segment: " + node.layer().describe());
            };
        }
        return x.reshape(s.out().withBatch(m));
    }

    /**
     * The length of the longest sum in A_kᵀ (and A_k) over all its layers together: the sum of each layer's, plus one per
     * layer (the standard bound for a product of matrices computed one after the other).
     */
    private static long terms(Segment s) {
        long t = 0;
        for (Node node : s.layers()) {
            t += 1 + switch (node.layer()) {
                case Layer.Dense d -> Math.max(d.in(), d.out());
                case Layer.Conv2d c -> (long) Math.max(c.weight().dim(0), c.weight().dim(1)) * c.weight().dim(2) * c.weight().dim(3);
                case Layer.Affine a -> 1;
                case Layer.Flatten f -> 0;
                case Layer.Reshape r -> 0;
                case Layer.Input _, Layer.Relu _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _,
                        Layer.AvgPool2d _, Layer.Transpose _, Layer.Pad _, Layer.Add _ -> 0;
            };
        }
        return t;
    }

    /** The transpose of A_k's linear part applied to {@code a [m, ...out]}: {@code [m, ...in]}. */
    private Tensor adjoint(Segment s, Tensor a) {
        int m = a.dim(0);
        List<Node> layers = s.layers();
        for (int i = layers.size() - 1; i >= 0; i--) {
            Node node = layers.get(i);
            Shape in = i == 0 ? s.in() : layers.get(i - 1).shape();
            a = a.reshape(node.shape().withBatch(m));
            a = switch (node.layer()) {
                case Layer.Dense d -> a.linear(transposed.get(node.id()), null);
                case Layer.Conv2d c -> a.conv2dAdjoint(c.weight(), in.dim(1), in.dim(2), c.geometry());
                case Layer.Affine af -> a.mul(af.scale());
                case Layer.Flatten f -> a.reshape(in.withBatch(m));
                case Layer.Reshape r -> a.reshape(in.withBatch(m));
                case Layer.Input _, Layer.Relu _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _,
                        Layer.AvgPool2d _, Layer.Transpose _, Layer.Pad _, Layer.Add _ ->
                        throw new IllegalStateException("not a linear layer of a segment: " + node.layer().describe());
            };
        }
        return a.reshape(s.in().withBatch(m));
    }

    private static Tensor tensor(double[] flat, Shape shape) {
        return new Tensor(flat, shape.withBatch(flat.length / Math.max(1, shape.numel())));
    }

    static Lines crownLines(Stage st, Interval iv) {
        return switch (st.layer()) {
            case Layer.Relu r -> Relaxations.relu(iv, ReluRelaxation.ADAPTIVE);
            case Layer.LeakyRelu l -> Relaxations.leakyRelu(iv, l.alpha(), ReluRelaxation.ADAPTIVE);
            case Layer.Sigmoid s -> Relaxations.sigmoid(iv, ReluRelaxation.ADAPTIVE);
            case Layer.Tanh t -> Relaxations.tanh(iv, ReluRelaxation.ADAPTIVE);
            case Layer.Input _, Layer.Dense _, Layer.Conv2d _, Layer.Affine _, Layer.MaxPool2d _, Layer.AvgPool2d _,
                    Layer.Flatten _, Layer.Reshape _, Layer.Transpose _, Layer.Pad _, Layer.Add _ ->
                    throw new IllegalStateException("not an activation: " + st.layer().describe());
        };
    }

    private static void checkFinite(Interval iv, String what) {
        for (int i = 0; i < iv.size(); i++)
            if (!(Double.isFinite(iv.lower(i)) && Double.isFinite(iv.upper(i)) && iv.lower(i) <= iv.upper(i)))
                throw new IllegalArgumentException(what + ": entry " + i + " is [" + iv.lower(i) + ", " + iv.upper(i) + "], need finite l <= u");
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
