package dev.verity.train;

import dev.verity.bounds.Method;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.relax.ReluRelaxation;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Certified bounds of a minibatch, differentiable in the weights: what certified training minimises (paper 003
 * Sec. 2, App. A and G). Every sample has its own box, so every intermediate bound, relaxation slope and
 * back-substituted coefficient row is per sample; the rows of all samples go through each layer in one GEMM
 * (rows grouped by sample). Everything is recorded on a {@link Tape}, so gradients flow through the relaxation:
 * through the slopes u/(u−l) and intercepts, through the bounds they are computed from, and through the
 * back-substitution itself.
 *
 * <p>The presets are the bound engine's ({@link Method}): {@code ibp} (Box), {@code hbox}, {@code deepz},
 * {@code crown}, {@code crown-0} and {@code crown-ibp}, with the same relaxation lines ({@link ReluRelaxation})
 * and the same choice of intermediate bounds, so for the same weights and box they give the bound engine's
 * numbers (a test checks this). Like the engine's PURE mode, back-substituted intermediate bounds are not
 * intersected with intervals. The first affine layer's bounds are exact by intervals for every preset.
 *
 * <p>Specification rows: with elision (Gowal et al.; 003 App. G) the rows are {@code c = e_y − e_j} for every
 * class j (the row j = y is zero), folded into the last layer, and the result is the lower bound of each margin
 * {@code z_y − z_j}; without it, lower and upper bounds of every logit.
 */
final class BatchBounds {
    private final Network net;
    private final Tape tape;
    private final Model.Weights weights;

    BatchBounds(Model model, Tape tape, Model.Weights weights) {
        this.net = model.network();
        this.tape = tape;
        this.weights = weights;
    }

    /** Interval bounds of a node for every sample: {@code lo, hi [B, ...shape]}. */
    record Box(Var lo, Var hi) {}

    /** The concrete forward pass (logits {@code [B, K]}) with the bound weights. */
    Var forward(Var x) {
        Var v = x;
        for (Node node : net.nodes()) v = apply(node, v);
        return v;
    }

    private Var apply(Node node, Var v) {
        int id = node.id();
        return switch (node.layer()) {
            case Layer.Input i -> v;
            case Layer.Dense d -> tape.linear(v, weights.weight(id), weights.bias(id));
            case Layer.Conv2d c -> tape.conv2d(v, weights.weight(id), weights.bias(id), c.geometry());
            case Layer.Relu r -> tape.relu(v);
            case Layer.Flatten f -> tape.flatten(v);
            case Layer.Reshape r -> tape.reshape(v, r.target().withBatch(-1));
            case Layer.Affine a -> tape.add(tape.mul(v, tape.constant(a.scale())), tape.constant(a.shift()));
            case Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Transpose _, Layer.Pad _,
                    Layer.Add _ -> throw unsupported(node);
        };
    }

    private static IllegalStateException unsupported(Node node) {
        return new IllegalStateException("not trainable: " + node.layer().describe()); // Model's constructor rejects these
    }

    // ---- Interval bound propagation (Box / IBP) ---------------------------------------------------------

    /** Interval bounds of every node (index = node id) for the input box: IBP, paper 003 Sec. 2 "Box". */
    List<Box> intervals(Box input) {
        List<Box> out = new ArrayList<>();
        Box cur = input;
        for (Node node : net.nodes()) {
            int id = node.id();
            cur = switch (node.layer()) {
                case Layer.Input i -> cur;
                case Layer.Dense d -> affine(cur, c -> tape.linear(c, weights.weight(id), weights.bias(id)),
                        r -> tape.linear(r, weights.absWeight(id), null));
                case Layer.Conv2d cv -> affine(cur, c -> tape.conv2d(c, weights.weight(id), weights.bias(id), cv.geometry()),
                        r -> tape.conv2d(r, weights.absWeight(id), null, cv.geometry()));
                case Layer.Relu r -> new Box(tape.relu(cur.lo()), tape.relu(cur.hi()));
                case Layer.Flatten f -> new Box(tape.flatten(cur.lo()), tape.flatten(cur.hi()));
                case Layer.Reshape r -> new Box(tape.reshape(cur.lo(), r.target().withBatch(-1)), tape.reshape(cur.hi(), r.target().withBatch(-1)));
                case Layer.Affine a -> affine(cur, c -> tape.add(tape.mul(c, tape.constant(a.scale())), tape.constant(a.shift())),
                        r -> tape.mul(r, tape.constant(a.scale().map(Math::abs))));
                case Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Transpose _, Layer.Pad _,
                        Layer.Add _ -> throw unsupported(node);
            };
            out.add(cur);
        }
        return out;
    }

    /** Centre/radius form W·c + b ± |W|·r: exact for one affine map of a box. */
    private Box affine(Box in, java.util.function.UnaryOperator<Var> centreMap, java.util.function.UnaryOperator<Var> radiusMap) {
        Var c = tape.scale(tape.add(in.lo(), in.hi()), 0.5), r = tape.scale(tape.sub(in.hi(), in.lo()), 0.5);
        Var cy = centreMap.apply(c), ry = radiusMap.apply(r);
        return new Box(tape.sub(cy, ry), tape.add(cy, ry));
    }

    // ---- The relaxation lines of a ReLU ------------------------------------------------------------------

    /**
     * Lines {@code ls·z <= relu(z) <= us·z + ui} per sample and neuron ({@code [B, n]} each). Lower lines of every
     * ReLU relaxation pass through the origin. {@code symmetric}: ls = us (hBox, DeepZ), so one set of coefficient
     * rows gives lower and upper bounds.
     */
    record Lines(Var lowerSlope, Var upperSlope, Var upperIntercept, boolean symmetric) {}

    /** Paper 003 Sec. 2 / App. K.2, as {@link dev.verity.relax.Relaxations#relu}, from bounds that carry gradients. */
    Lines lines(Box pre, ReluRelaxation kind) {
        Var lo = flat(pre.lo()), hi = flat(pre.hi());
        double[] l = lo.value().data(), u = hi.value().data();
        int size = l.length;
        double[] active = new double[size], unstable = new double[size], stableOne = new double[size], adaptive = new double[size];
        for (int i = 0; i < size; i++) {
            boolean on = l[i] >= 0, open = l[i] < 0 && u[i] > 0;
            active[i] = on ? 1 : 0;
            unstable[i] = open ? 1 : 0;
            stableOne[i] = open ? 0 : 1;
            adaptive[i] = on || (open && u[i] > -l[i]) ? 1 : 0;
        }
        int[] shape = lo.value().shape();
        Var activeV = tape.constant(new Tensor(active, shape)), unstableV = tape.constant(new Tensor(unstable, shape));
        Var up = tape.relu(hi), lowNeg = tape.relu(tape.neg(lo));
        // Chord slope u/(u − l) of an unstable neuron, written over u⁺ and (−l)⁺ so that stable ones (masked out)
        // never divide by zero; 1 for active neurons, 0 for inactive ones.
        Var den = tape.add(tape.add(up, lowNeg), tape.constant(new Tensor(stableOne, shape)));
        Var chord = tape.add(tape.mul(tape.div(up, den), unstableV), activeV);
        Var chordIntercept = tape.mul(lowNeg, chord); // −l·u/(u − l); zero where l >= 0 (lowNeg = 0) or u <= 0 (chord = 0)
        return switch (kind) {
            case BOX -> new Lines(activeV, activeV, tape.mul(hi, unstableV), true);
            case PARALLEL -> new Lines(chord, chord, chordIntercept, true);
            case ADAPTIVE -> new Lines(tape.constant(new Tensor(adaptive, shape)), chord, chordIntercept, false);
            // 003 App. K.4: y >= 0 for every neuron, stable active ones included.
            case ZERO -> new Lines(tape.constant(new Tensor(new double[size], shape)), chord, chordIntercept, false);
            case OPTIMIZED -> throw new IllegalArgumentException("alpha-CROWN slopes are not a training relaxation");
        };
    }

    private Var flat(Var v) {
        int b = v.shape()[0];
        return tape.reshape(v, b, v.value().size() / Math.max(1, b));
    }

    // ---- Pre-activation bounds of a preset ---------------------------------------------------------------

    /** Bounds of every node that feeds a ReLU, by the preset's rule, keyed by node id (topological order). */
    Map<Integer, Box> preActivations(Method method, Box input, List<Box> ibp) {
        Map<Integer, Box> pre = new HashMap<>();
        Map<Integer, Lines> relus = new HashMap<>();
        for (Node node : net.nodes()) {
            if (!(node.layer() instanceof Layer.Relu)) continue;
            int src = node.inputs().getFirst();
            Box b;
            if (method == Method.IBP || method.intervalIntermediate() || firstAffine(src)) {
                b = ibp.get(src);
            } else {
                b = backSubstituteNode(src, input, relus);
            }
            pre.put(src, b);
            if (method != Method.IBP) relus.put(node.id(), lines(b, method.relaxation()));
        }
        linesCache = relus;
        return pre;
    }

    /** The lines of the last {@link #preActivations} call, by ReLU node id. */
    private Map<Integer, Lines> linesCache = Map.of();

    /** Whether the node is the first dense/conv layer's output (over the input box, intervals are exact there). */
    private boolean firstAffine(int id) {
        for (int k = id - 1; k >= 0; k--) {
            Layer l = net.node(k).layer();
            if (l instanceof Layer.Relu) return false;
        }
        return true;
    }

    /** Lower and upper bounds of every element of node {@code id} by back-substitution of ±e_j rows to the input. */
    private Box backSubstituteNode(int id, Box input, Map<Integer, Lines> relus) {
        Shape shape = net.node(id).shape();
        int n = shape.numel();
        Var rows = tape.constant(eye(n).reshape(shape.withBatch(n)));
        Var[] lu = backSubstitute(id, rows, true, null, true, 0, input, relus);
        int b = input.lo().shape()[0];
        return new Box(tape.reshape(lu[0], shape.withBatch(b)), tape.reshape(lu[1], shape.withBatch(b)));
    }

    // ---- Specification bounds ----------------------------------------------------------------------------

    /**
     * Robust logits {@code [B, K]} whose cross-entropy is the certified loss (003 Sec. 2 "Certified training"):
     * with elision −lower(z_y − z_j) per class (0 at y), else the worst-case logits (lower bound at y, upper
     * bound elsewhere). A sample is certified when every robust logit but y's is negative (elided form).
     */
    Var robustLogits(Method method, Box input, int[] labels, boolean elision) {
        int k = net.outputShape().numel(), b = labels.length;
        if (elision) {
            Tensor c = Tensor.zeros(b * k, k);
            for (int s = 0; s < b; s++)
                for (int j = 0; j < k; j++) {
                    if (j == labels[s]) continue;
                    c.data()[(s * k + j) * k + labels[s]] = 1;
                    c.data()[(s * k + j) * k + j] = -1;
                }
            return tape.neg(objective(method, input, c, false, false)[0]);
        }
        Var[] lu = objective(method, input, eye(k), true, true);
        Tensor onehot = Tensor.zeros(b, k);
        for (int s = 0; s < b; s++) onehot.data()[s * k + labels[s]] = 1;
        return tape.add(lu[1], tape.mul(tape.sub(lu[0], lu[1]), tape.constant(onehot)));
    }

    /**
     * Bounds of linear functions {@code c·y} of the output over each sample's box by {@code method}: {@code rows} holds
     * m rows of K coefficients shared by all samples ({@code shared}) or m per sample, samples' rows together. Returns
     * the lower bounds {@code [B, m]} and, with {@code upper}, the upper bounds. The output layer's weights are folded
     * into the rows (for IBP: the rows are bounded over the interval of the last layer's input, as the bound engine does).
     */
    Var[] objective(Method method, Box input, Tensor rows, boolean shared, boolean upper) {
        if (method == Method.HBOX_FORWARD) return hybridObjective(input, rows, shared, upper);
        List<Box> ibp = intervals(input);
        preActivations(method, input, ibp);
        int out = net.output().id();
        boolean denseOut = net.output().layer() instanceof Layer.Dense;
        int stop = method == Method.IBP ? (denseOut ? out - 1 : out) : 0;
        Box stopBox = method == Method.IBP ? ibp.get(stop) : input;
        return backSubstitute(out, tape.constant(rows), shared, null, upper, stop, stopBox, linesCache);
    }

    // ---- hBox as a forward hybrid zonotope (003's code base; bounds.HybridZonotope) ---------------------------

    /** Why the forward hybrid zonotope cannot train {@code net} here (a convolution: its generators would be images), or empty. */
    static java.util.Optional<String> hybridUncovered(Network net) {
        for (Node node : net.nodes()) {
            boolean covered = switch (node.layer()) {
                case Layer.Input _, Layer.Dense _, Layer.Relu _, Layer.Flatten _, Layer.Reshape _, Layer.Affine _ -> true;
                case Layer.Conv2d _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _,
                        Layer.Transpose _, Layer.Pad _, Layer.Add _ -> false;
            };
            if (!covered) return java.util.Optional.of("hbox-forward training covers multilayer perceptrons only, not " + node.layer().describe());
        }
        return java.util.Optional.empty();
    }

    /**
     * The rows' bounds by the forward hybrid zonotope, per sample: centre c {@code [B, n]}, generators G
     * {@code [B, g, n]} (one per input; diagonal until the first dense layer, which turns them into {@code r ⊙ Wᵀ}
     * without forming the diagonal), box radii β {@code [B, n]}; a ReLU keeps stable neurons and turns an unstable
     * one into the box [0, u]; the dense output layer is folded into the rows' box term ({@code |rows·W|·β}), as the
     * bound engine's {@code HybridZonotope} does, so both give the same numbers (a test checks this).
     */
    private Var[] hybridObjective(Box input, Tensor rows, boolean shared, boolean upper) {
        hybridUncovered(net).ifPresent(why -> { throw new dev.verity.InvalidInputException(why); });
        int b = input.lo().shape()[0];
        Var lo = flat(input.lo()), hi = flat(input.hi());
        Var c = tape.scale(tape.add(lo, hi), 0.5), radius = tape.scale(tape.sub(hi, lo), 0.5);
        int g = radius.shape()[1];
        Var gen = null, beta = null; // gen null: the generators are still diag(radius), or (lazyW) diag(radius)·W₁ᵀ·diag(mask)
        int lazyW = -1; // the first dense layer while its generators are kept as a product (never formed: [B, g, n₁] is the largest tensor)
        Tensor lazyMask = null;
        Node out = net.output();
        if (!(out.layer() instanceof Layer.Dense last)) throw new IllegalStateException("the output layer must be dense");
        for (Node node : net.nodes()) {
            int id = node.id();
            if (id == out.id()) break;
            switch (node.layer()) {
                case Layer.Input _, Layer.Flatten _, Layer.Reshape _ -> { }
                case Layer.Affine a -> {
                    c = tape.add(tape.mul(c, tape.constant(flatRow(a.scale()))), tape.constant(flatRow(a.shift())));
                    Tensor absScale = flatRow(a.scale().map(Math::abs));
                    if (gen == null) radius = tape.mul(radius, tape.constant(absScale));
                    else gen = tape.mul(gen, tape.constant(absScale.reshape(1, 1, absScale.size())));
                    if (beta != null) beta = tape.mul(beta, tape.constant(absScale));
                }
                case Layer.Dense d -> {
                    int n = d.out();
                    if (gen == null && lazyW < 0) lazyW = id; // diag(r)·W₁ᵀ, formed only after the next layer
                    else if (gen == null) {
                        gen = lazyProduct(radius.value(), lazyW, lazyMask, id);
                        lazyW = -1;
                    } else
                        gen = tape.reshape(tape.linear(tape.reshape(gen, b * g, d.in()), weights.weight(id), null), b, g, n);
                    if (beta != null) beta = tape.linear(beta, weights.absWeight(id), null);
                    c = tape.linear(c, weights.weight(id), weights.bias(id));
                }
                case Layer.Relu _ -> {
                    if (gen == null && lazyW < 0) gen = tape.mul(tape.reshape(radius, b, g, 1), tape.constant(eye(g).reshape(1, g, g)));
                    int n = c.shape()[1];
                    // Σ_k |r_k·W₁[i, k]|·mask_i = (|W₁|·r)_i·mask_i while the generators are the lazy product
                    Var rad = gen != null ? tape.sumAbsMiddle(gen) : tape.linear(radius, weights.absWeight(lazyW), null);
                    if (gen == null && lazyMask != null) rad = tape.mul(rad, tape.constant(lazyMask));
                    if (beta != null) rad = tape.add(rad, beta);
                    Var u = tape.add(c, rad);
                    double[] cv = c.value().data(), rv = rad.value().data(), active = new double[cv.length], open = new double[cv.length];
                    for (int i = 0; i < cv.length; i++) {
                        active[i] = cv[i] - rv[i] >= 0 ? 1 : 0;
                        open[i] = cv[i] - rv[i] < 0 && cv[i] + rv[i] > 0 ? 1 : 0;
                    }
                    Tensor activeMask = new Tensor(active, b, n);
                    Var act = tape.constant(activeMask), halfOpen = tape.constant(new Tensor(open, b, n).scale(0.5));
                    Var half = tape.mul(u, halfOpen); // u/2 where unstable
                    c = tape.add(tape.mul(c, act), half);
                    beta = beta == null ? half : tape.add(tape.mul(beta, act), half);
                    if (gen != null) gen = tape.scaleMiddle(gen, activeMask);
                    else lazyMask = lazyMask == null ? activeMask : lazyMask.mul(activeMask);
                }
                case Layer.Conv2d _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _,
                        Layer.Transpose _, Layer.Pad _, Layer.Add _ -> throw unsupported(node);
            }
        }
        // The rows [B or 1, m, K] through the output layer: centre, generators and (folded) box part.
        int k = last.out(), n = last.in(), m = shared ? rows.dim(0) : rows.dim(0) / b, rb = shared ? 1 : b;
        Var r = tape.constant(rows.reshape(rb, m, k));
        Var cOut = tape.linear(c, weights.weight(out.id()), weights.bias(out.id())); // [B, K]
        Var centre = tape.sum(tape.mul(r, tape.reshape(cOut, b, 1, k)), 2, false); // [B, m]
        Var genOut;
        if (gen == null && lazyW >= 0) genOut = tape.reshape(lazyProduct(radius.value(), lazyW, lazyMask, out.id()), b, g, 1, k);
        else {
            if (gen == null) gen = tape.mul(tape.reshape(radius, b, g, 1), tape.constant(eye(g).reshape(1, g, g)));
            genOut = tape.reshape(tape.linear(tape.reshape(gen, b * g, n), weights.weight(out.id()), null), b, g, 1, k);
        }
        Var spread = tape.sum(tape.abs(tape.sum(tape.mul(genOut, tape.reshape(r, rb, 1, m, k)), 3, false)), 1, false); // [B, m]
        if (beta != null) {
            Var folded = tape.sum(tape.mul(tape.reshape(r, rb, m, k, 1), tape.reshape(weights.weight(out.id()), 1, 1, k, n)), 2, false); // [rb, m, n]
            spread = tape.add(spread, tape.sum(tape.mul(tape.abs(folded), tape.reshape(beta, b, 1, n)), 2, false));
        }
        Var lower = tape.sub(centre, spread);
        return upper ? new Var[] {lower, tape.add(centre, spread)} : new Var[] {lower};
    }

    /**
     * The generators after two dense layers, {@code diag(r)·W₁ᵀ·diag(mask)·W₂ᵀ} per sample ({@code [B, g, n₂]}), as one
     * GEMM {@code W₁ᵀ·[Z_1 … Z_B]} with {@code Z_b = diag(mask_b)·W₂ᵀ}: the first layer's generators {@code [B, g, n₁]}
     * (on MNIST's FC 100 × 784 × 400) are never formed, and the product runs at GEMM speed.
     */
    private Var lazyProduct(Tensor r, int first, Tensor mask, int second) {
        int b = r.dim(0), g = r.dim(1);
        Var w1 = weights.weight(first), w2t = tape.transpose(weights.weight(second), 1, 0); // [n₁, g], [n₁, n₂]
        int n1 = w2t.shape()[0], n2 = w2t.shape()[1];
        Var p;
        if (mask == null) {
            p = tape.reshape(tape.matmul(tape.transpose(w1, 1, 0), w2t), 1, g, n2); // shared by the samples
        } else {
            Var z = tape.mul(tape.reshape(w2t, 1, n1, n2), tape.constant(mask.reshape(b, n1, 1))); // [B, n₁, n₂]
            Var zs = tape.reshape(tape.transpose(z, 1, 0, 2), n1, b * n2);
            p = tape.transpose(tape.reshape(tape.matmul(tape.transpose(w1, 1, 0), zs), g, b, n2), 1, 0, 2); // [B, g, n₂]
        }
        return tape.mul(p, tape.constant(r.reshape(b, g, 1)));
    }

    /** A sample-shaped constant as one row {@code [1, size]}. */
    private static Tensor flatRow(Tensor t) {
        return t.reshape(1, t.size());
    }

    private static Tensor eye(int n) {
        Tensor e = Tensor.zeros(n, n);
        for (int j = 0; j < n; j++) e.data()[j * n + j] = 1;
        return e;
    }

    // ---- Paper 001: the Lagrangian dual with predicted multipliers (predictor–verifier training) -----------

    /**
     * The multipliers' gates: for ReLU node {@code reluId} (whose input has clean value {@code pre} and interval
     * bounds {@code box}, both {@code [B, n]}), the fraction g ∈ [0, 1] per sample and neuron with which the
     * multiplier of the ReLU's output passes to its input.
     */
    interface Gates {
        Var gate(int reluId, Var pre, Box box);
    }

    /**
     * Paper 001's dual bound (eq. 5–8) of every margin violation {@code z_j − z_y}, per sample, with interval bounds
     * for the intermediate layers: as robust logits {@code [B, K]} (0 at y), like {@link #robustLogits}. The
     * multipliers are chosen layer by layer from the output: through an affine layer λ_k = Wᵀλ_{k+1}, which
     * cancels the affine term (eq. 6), so only −bᵀλ_{k+1} remains; through a ReLU λ_k = g ⊙ λ_{k+1} with the
     * verifier's gates g, and the ReLU term max over [l, u] of λ_k·x − λ_{k+1}·relu(x) is taken exactly per neuron
     * (at l, u, or 0 when l < 0 < u: eq. 7's closed form for a piecewise-linear activation). The input term is the
     * maximum of a linear function over the box. By weak duality every choice of g gives a valid bound (001: "any
     * choice of λ provides a valid upper bound"), which is why a learned verifier may produce them; with g = 0 the
     * bound is IBP's (001: IBP "is equivalent to setting λ to zero").
     */
    Var dualRobustLogits(Box input, int[] labels, Gates gates, List<Var> cleanValues) {
        List<Box> ibp = intervals(input);
        int out = net.output().id(), k = net.outputShape().numel(), b = labels.length;
        Tensor c = Tensor.zeros(b * k, k);
        for (int s = 0; s < b; s++)
            for (int j = 0; j < k; j++) {
                if (j == labels[s]) continue;
                c.data()[(s * k + j) * k + j] = 1;
                c.data()[(s * k + j) * k + labels[s]] = -1;
            }
        // mu = −λ: the coefficients of what is left to bound, as in back-substitution.
        Coefficients co = new Coefficients(tape.constant(c), false, null, null, false);
        for (int id = out; id > 0; id--) {
            Node node = net.node(id);
            if (!(node.layer() instanceof Layer.Relu)) {
                co = step(node, co, b, Map.of());
                continue;
            }
            int pre = node.inputs().getFirst(), n = node.shape().numel();
            Box box = new Box(flat(ibp.get(pre).lo()), flat(ibp.get(pre).hi()));
            Var g = gates.gate(id, flat(cleanValues.get(pre)), box);
            Var mu = flat(co.a);
            Var muIn = tape.groupedMulBySign(mu, g, g, false);
            // Per neuron: max over x in {l, u, and 0 if l < 0 < u} of mu·relu(x) − muIn·x.
            Var mu3 = tape.reshape(mu, b, k, n), muIn3 = tape.reshape(muIn, b, k, n);
            Var l3 = tape.reshape(box.lo(), b, 1, n), u3 = tape.reshape(box.hi(), b, 1, n);
            Var atL = tape.sub(tape.mul(mu3, tape.relu(l3)), tape.mul(muIn3, l3));
            Var atU = tape.sub(tape.mul(mu3, tape.relu(u3)), tape.mul(muIn3, u3));
            double[] lv = box.lo().value().data(), uv = box.hi().value().data(), zero = new double[lv.length];
            for (int i = 0; i < lv.length; i++) zero[i] = lv[i] < 0 && uv[i] > 0 ? 0 : Double.NEGATIVE_INFINITY;
            Var term = tape.max(tape.max(atL, atU), tape.constant(new Tensor(zero, b, 1, n)));
            co = new Coefficients(tape.reshape(muIn, node.shape().withBatch(b * k)), false, add(co.biasLo, tape.sum(term, 2, false)), null, false);
        }
        // The input term: the maximum of mu·x over the box, minus… i.e. −(minimum of −mu·x): Σ mu⁺·u + mu⁻·l.
        Var a = flat(co.a);
        Var top = tape.reshape(tape.groupedBoxMin(a, flat(input.hi()), flat(input.lo())), b, k);
        return add(top, co.biasLo);
    }

    /** The value of every node for the batch (the verifier reads the predictor's activations). */
    List<Var> forwardAll(Var x) {
        List<Var> values = new ArrayList<>();
        Var v = x;
        for (Node node : net.nodes()) {
            v = apply(node, v);
            values.add(v);
        }
        return values;
    }

    // ---- Back-substitution ---------------------------------------------------------------------------------

    /**
     * Bounds of {@code rows·z_start + bias} over the box of node {@code stop} (003 App. A), per sample: the rows
     * go back layer by layer to {@code stop} (linear layers exactly, ReLUs by their lines), then the linear
     * function is minimised (and maximised) over the box.
     *
     * @param rows   {@code [R, ...shape(start)]}: m rows per sample, samples' rows together, or (shared) m rows for all
     * @param bias   {@code [B or 1, m]} or null
     * @param upper  whether upper bounds are wanted too
     * @return lower {@code [B, m]} and, if wanted, upper {@code [B, m]}
     */
    private Var[] backSubstitute(int start, Var rows, boolean shared, Var bias, boolean upper, int stop, Box box, Map<Integer, Lines> relus) {
        int groups = box.lo().shape()[0];
        int m = shared ? rows.shape()[0] : rows.shape()[0] / groups;
        boolean symmetric = symmetricUpTo(start, stop, relus);
        boolean doubled = upper && !symmetric;
        if (doubled) {
            // Without parallel lines an upper bound is minus the lower bound of the negated row: append −rows.
            if (!shared || rows.requiresGrad() || bias != null) throw new IllegalArgumentException("two-sided bounds need constant shared rows");
            Tensor r = rows.value();
            double[] both = new double[2 * r.size()];
            System.arraycopy(r.data(), 0, both, 0, r.size());
            for (int i = 0; i < r.size(); i++) both[r.size() + i] = -r.data()[i];
            int[] shape = r.shape();
            shape[0] *= 2;
            rows = tape.constant(new Tensor(both, shape));
        }
        Coefficients co = new Coefficients(rows, shared, bias, bias, upper && !doubled);
        for (int id = start; id > stop; id--) co = step(net.node(id), co, groups, relus);
        if (co.shared) co = co.expand(groups);
        Var a = flat(co.a);
        int rowsPer = co.a.shape()[0] / groups;
        if (upper && !doubled) {
            // Parallel lines: one set of rows, bounded from both sides in one pass over them.
            Var[] both = tape.groupedBoxMinPair(a, flat(box.lo()), flat(box.hi()));
            Var lower = add(tape.reshape(both[0], groups, rowsPer), co.biasLo);
            return new Var[] {lower, add(tape.reshape(both[1], groups, rowsPer), co.biasHi)};
        }
        Var lower = add(tape.reshape(tape.groupedBoxMin(a, flat(box.lo()), flat(box.hi())), groups, rowsPer), co.biasLo);
        if (!upper) return new Var[] {lower};
        return new Var[] {tape.gatherColumns(lower, range(0, m)), tape.neg(tape.gatherColumns(lower, range(m, 2 * m)))};
    }

    /**
     * Coefficient rows on the way back with their constant terms: {@code biasLo} for the lower bound and, when
     * {@code twoSided} (parallel lines: one set of rows bounds both sides), {@code biasHi} for the upper bound.
     * Constant terms are {@code [B, m]}, or {@code [1, m]} while the rows are still shared by all samples.
     */
    private final class Coefficients {
        final Var a, biasLo, biasHi;
        final boolean shared, twoSided;

        Coefficients(Var a, boolean shared, Var biasLo, Var biasHi, boolean twoSided) {
            this.a = a;
            this.shared = shared;
            this.biasLo = biasLo;
            this.biasHi = twoSided ? biasHi : null;
            this.twoSided = twoSided;
        }

        /** New rows and a constant term that both bounds share (a linear layer's bias). */
        Coefficients with(Var a2, Var term) {
            return new Coefficients(a2, shared, add(biasLo, term), twoSided ? add(biasHi, term) : null, twoSided);
        }

        Coefficients expand(int groups) {
            return new Coefficients(tape.repeatRows(a, groups), false, biasLo, biasHi, twoSided);
        }
    }

    private Coefficients step(Node node, Coefficients co, int groups, Map<Integer, Lines> relus) {
        int id = node.id();
        Shape in = net.node(node.inputs().getFirst()).shape();
        int rowsNow = co.a.shape()[0], m = co.shared ? rowsNow : rowsNow / groups;
        int biasRows = co.shared ? 1 : groups;
        return switch (node.layer()) {
            case Layer.Dense d -> {
                // One flat view for both products, so their gradients meet in one var (added in place).
                Var flatA = flat(co.a);
                Var a2 = tape.reshape(tape.matmul(flatA, weights.weight(id)), in.withBatch(rowsNow));
                Var term = tape.reshape(tape.matmul(flatA, tape.reshape(weights.bias(id), d.out(), 1)), biasRows, m);
                yield co.with(a2, term);
            }
            case Layer.Conv2d c -> {
                Shape outShape = node.shape();
                Var perChannel = tape.sum(tape.reshape(co.a, rowsNow, outShape.dim(0), outShape.dim(1) * outShape.dim(2)), 2, false);
                Var term = tape.reshape(tape.matmul(perChannel, tape.reshape(weights.bias(id), outShape.dim(0), 1)), biasRows, m);
                Var a2 = tape.conv2dAdjoint(co.a, weights.weight(id), c.geometry(), in.dim(1), in.dim(2));
                yield co.with(a2, term);
            }
            case Layer.Relu r -> {
                // Rows shared by all samples (the first step of an intermediate layer) are read in place, never
                // repeated per sample; rows, lower and upper intercept terms come from one pass over them.
                Lines lines = relus.get(id);
                Var[] step = tape.groupedRelaxStep(flat(co.a), lines.lowerSlope(), lines.upperSlope(), lines.upperIntercept(), co.shared, co.twoSided);
                int rowsOut = step[0].shape()[0];
                Var lowTerm = tape.reshape(step[1], groups, m);
                Var hiTerm = co.twoSided ? tape.reshape(step[2], groups, m) : null;
                Var a2 = tape.reshape(step[0], node.shape().withBatch(rowsOut));
                yield new Coefficients(a2, false, add(co.biasLo, lowTerm), add(co.biasHi, hiTerm), co.twoSided);
            }
            case Layer.Flatten f -> co.with(tape.reshape(co.a, in.withBatch(rowsNow)), null);
            case Layer.Reshape r -> co.with(tape.reshape(co.a, in.withBatch(rowsNow)), null);
            case Layer.Affine af -> {
                // An element-wise affine map (input normalisation): the rows scale, the shift becomes a constant term.
                Var term = tape.reshape(tape.matmul(flat(co.a), tape.constant(af.shift().reshape(af.shift().size(), 1))), biasRows, m);
                yield co.with(tape.mul(co.a, tape.constant(af.scale())), term);
            }
            case Layer.Input i -> co;
            case Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Transpose _, Layer.Pad _,
                    Layer.Add _ -> throw unsupported(node);
        };
    }

    /** Whether every ReLU between start and stop is relaxed by parallel lines. */
    private boolean symmetricUpTo(int start, int stop, Map<Integer, Lines> relus) {
        for (int id = start; id > stop; id--) {
            Lines l = relus.get(id);
            if (net.node(id).layer() instanceof Layer.Relu && l != null && !l.symmetric()) return false;
        }
        return true;
    }

    /** a + b where either may be null (a missing constant term), broadcasting [1, m] over [B, m]. */
    private Var add(Var a, Var b) {
        if (a == null) return b;
        if (b == null) return a;
        return tape.add(a, b);
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }
}
