package dev.verity.bounds;

import dev.verity.InvalidInputException;
import dev.verity.dual.DualOptions;
import dev.verity.dual.LagrangianDual;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.relax.Interval;
import dev.verity.relax.Lines;
import dev.verity.relax.Relaxations;
import dev.verity.relax.ReluRelaxation;
import dev.verity.sdp.SdpProblem;
import dev.verity.spec.Objective;
import dev.verity.tensor.AdjointOps;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Bounds of linear objectives of a network's output over an input box, by any {@link Method}. One engine
 * per network (it caches per-layer constants); thread-safe for concurrent calls.
 */
public final class BoundEngine {
    private final Network net;
    private final BoundOptions options;
    private final LayerConstants constants;
    private final IntervalOps intervals;
    /** Sound mode: the rounding-error charges of the last box bounded (branch and bound asks for one box many times). */
    /** Intersections of two sound bounds that crossed (rounding-level) and were resolved here; see {@link #crossingsResolved}. */
    private final java.util.concurrent.atomic.LongAdder crossings = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.AtomicReference<BoxRounding> lastRounding = new java.util.concurrent.atomic.AtomicReference<>();

    private record BoxRounding(Interval box, RoundingErrors rounding) {}

    /**
     * The last box's interval pass: ReLU splitting bounds every domain over the same input box, and each child's
     * recomputed bounds start from it (on ERAN's 9×200 net the repeated passes, one matrix-vector product per layer
     * and child, were 13 % of `bab-relu`'s time). Read-only once made.
     */
    private final java.util.concurrent.atomic.AtomicReference<BoxIntervals> lastIntervals = new java.util.concurrent.atomic.AtomicReference<>();

    private record BoxIntervals(Interval box, List<IntervalTensor> intervals) {}
    /** Built on first use (the dual's layer structure is fixed per network). */
    private volatile LagrangianDual lagrangianDual;
    /** The SDP preset's multipliers between calls; null: none kept ({@link #withWarmStarts}). */
    private final SdpPreset.Memory sdpMemory;
    /** The most time alpha-CROWN's intermediate optimisation may take per call, in ns; 0: no limit ({@link #withAlphaIntermediateBudget}). */
    private final long intermediateBudgetNanos;

    public BoundEngine(Network net) {
        this(net, BoundOptions.defaults());
    }

    public BoundEngine(Network net, BoundOptions options) {
        this(net, options, new LayerConstants(), null, null, 0);
    }

    private BoundEngine(Network net, BoundOptions options, LayerConstants constants, BoundEngine parent, SdpPreset.Memory sdpMemory,
                        long intermediateBudgetNanos) {
        this.net = net;
        this.intermediateBudgetNanos = intermediateBudgetNanos;
        this.options = options;
        this.constants = constants;
        this.intervals = new IntervalOps(options.sound());
        this.lagrangianDual = parent == null ? null : parent.lagrangianDual;
        this.sdpMemory = sdpMemory;
    }

    public Network network() { return net; }

    BoundOptions options() { return options; }

    LayerConstants constants() { return constants; }

    /** Bounds of every row of {@code objective} over {@code box} (flattened input, row-major). */
    public BoundResult bound(Method method, Interval box, Objective objective) {
        return bound(method, box, objective, true);
    }

    /**
     * Whether the preset applies to this network. All bound-propagation and LP presets handle every layer
     * type; the Lagrangian dual needs a chain of linear layers and element-wise activations. Using a preset
     * that does not apply is an {@link InvalidInputException} naming the layer, never an approximation.
     */
    public boolean supports(Method method) {
        try {
            requireSupported(method);
            return true;
        } catch (InvalidInputException e) {
            return false;
        }
    }

    /** @throws InvalidInputException saying why {@code method} does not apply to this network (never a silent fallback) */
    public void requireSupported(Method method) {
        switch (method) {
            case LAGRANGIAN -> lagrangian();
            case SDP -> SdpProblem.uncovered(net).ifPresent(why -> {
                throw new InvalidInputException("method sdp does not apply to this network: " + why);
            });
            case HBOX_FORWARD -> HybridZonotope.uncovered(net).ifPresent(why -> {
                throw new InvalidInputException("method hbox-forward does not apply to this network: " + why);
            });
            case IBP, HBOX, DEEPZ, CROWN, CROWN_0, CROWN_IBP, ALPHA_CROWN, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN -> { }
        }
    }

    /**
     * A view of this engine (same network, options and caches) that remembers the SDP preset's multipliers per
     * objective row between calls, so that a sequence of related problems — a bisection over ε for one image —
     * warm-starts each SDP from the last. Use one view per such sequence; the plain engine remembers nothing.
     */
    public BoundEngine withWarmStarts() {
        return new BoundEngine(net, options, constants, this, new SdpPreset.Memory(), intermediateBudgetNanos);
    }

    /**
     * A view of this engine (same network and per-layer caches) whose alpha-CROWN optimises the objective's slopes only,
     * over CROWN's intermediate bounds ({@link BoundOptions#alphaIntermediate()} off): the cheap half of alpha-CROWN.
     */
    public BoundEngine withoutAlphaIntermediate() {
        return new BoundEngine(net, options.withAlphaIntermediate(false), constants, this, sdpMemory, intermediateBudgetNanos);
    }

    /**
     * A view of this engine whose alpha-CROWN spends at most {@code budget} per call on the intermediate layers' slopes:
     * each node's ascent stops at its share of the budget (by rows times depth, what its back-substitutions cost) and
     * keeps its best iterate, sound at any step. On ResNet-4B (cifar10_resnet, 14,436 ReLUs) the full 100 steps per node
     * did not finish in 136 s of a 150 s budget; 20 steps per node took 34 s and gave a margin of −0.59 (CROWN: −0.76),
     * as much as the full optimisation gives there, and ReLU splitting proves prop_0 from it in the time left.
     */
    public BoundEngine withAlphaIntermediateBudget(java.time.Duration budget) {
        return new BoundEngine(net, options, constants, this, sdpMemory, Math.max(1, budget.toNanos()));
    }

    private LagrangianDual lagrangian() {
        LagrangianDual dual = lagrangianDual;
        if (dual == null) {
            try {
                dual = new LagrangianDual(net);
            } catch (UnsupportedOperationException e) {
                throw new InvalidInputException("method lagrangian does not apply to this network: " + e.getMessage(), e);
            }
            lagrangianDual = dual;
        }
        return dual;
    }

    /**
     * As {@link #bound}, for callers that need tight lower bounds only (a verifier): alpha-CROWN
     * optimises the lower bounds alone and reports CROWN's upper bounds (sound, not optimised), which
     * halves its cost. Other methods are unaffected.
     */
    public BoundResult boundLower(Method method, Interval box, Objective objective) {
        return bound(method, box, objective, false);
    }

    /**
     * The computation checks the thread's interrupt flag between layers and optimisation steps and
     * stops with a {@link java.util.concurrent.CancellationException} when it is set, so a caller with a
     * deadline can abandon it without leaving it running.
     */
    private BoundResult bound(Method method, Interval box, Objective objective, boolean optimiseUpper) {
        if (box.size() != net.inputShape().numel())
            throw new IllegalArgumentException("input box has " + box.size() + " dimensions, the network " + net.inputShape().numel());
        if (objective.outputs() != net.outputShape().numel())
            throw new IllegalArgumentException("objective over " + objective.outputs() + " outputs, the network has " + net.outputShape().numel());
        long start = System.nanoTime();
        List<IntervalTensor> ibp = intervalPass(box);
        return switch (method) {
            case IBP -> new BoundResult(method, intervalObjective(ibp, objective), negate(intervalObjective(ibp, objective.negate())),
                    preActivations(id -> ibp.get(id).sample0()), System.nanoTime() - start);
            case LAGRANGIAN -> {
                Map<Integer, Interval> pre = intermediateBounds(Method.CROWN, box, ibp);
                LagrangianDual dual = lagrangian();
                double[] lower = dual.problem(box, pre, objective, options.sound()).maximise(DualOptions.defaults(), null).lower();
                double[] upper = optimiseUpper ? negate(dual.problem(box, pre, objective.negate(), options.sound()).maximise(DualOptions.defaults(), null).lower())
                        : negate(backSubstitute(box, pre, ReluRelaxation.ADAPTIVE, objective.negate()));
                yield new BoundResult(method, lower, upper, pre, System.nanoTime() - start);
            }
            case SDP -> {
                requireSupported(Method.SDP);
                yield new SdpPreset(this, sdpMemory).bound(box, intermediateBounds(Method.CROWN, box, ibp), objective, optimiseUpper, start);
            }
            case LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN -> {
                LpPresets.Result r = new LpPresets(this).bound(method, box, ibp, objective, optimiseUpper);
                yield new BoundResult(method, r.lower(), r.upper(), r.intermediate(), System.nanoTime() - start);
            }
            case ALPHA_CROWN -> alphaCrown(box, ibp, objective, optimiseUpper, start);
            case HBOX_FORWARD -> {
                requireSupported(Method.HBOX_FORWARD);
                yield new HybridZonotope(net, options.sound()).bound(box, objective, start);
            }
            case HBOX, DEEPZ, CROWN, CROWN_0, CROWN_IBP -> {
                Map<Integer, Interval> pre = intermediateBounds(method, box, ibp);
                yield new BoundResult(method, backSubstitute(box, pre, method.relaxation(), objective),
                        negate(backSubstitute(box, pre, method.relaxation(), objective.negate())), pre, System.nanoTime() - start);
            }
        };
    }

    private BoundResult alphaCrown(Interval box, List<IntervalTensor> ibp, Objective objective, boolean optimiseUpper, long start) {
        Map<Integer, Interval> pre = intermediateBounds(Method.ALPHA_CROWN, box, ibp);
        Map<Integer, Interval> crownPre = pre;
        if (options.alphaIntermediate()) pre = optimiseIntermediate(box, pre);
        AlphaCrown optimizer = new AlphaCrown(this, box, pre);
        double[] lower = optimizer.maximise(objective);
        double[] upper = optimiseUpper ? negate(optimizer.maximise(objective.negate()))
                : negate(backSubstitute(box, pre, ReluRelaxation.ADAPTIVE, objective.negate()));
        if (crownPre != pre) {
            // With re-optimised intermediate bounds the slopes start from the adaptive choice at those
            // bounds, not from CROWN's result; keep CROWN's where it is tighter, so alpha-crown ⊆ crown.
            lower = max(lower, backSubstitute(box, crownPre, ReluRelaxation.ADAPTIVE, objective));
            upper = min(upper, negate(backSubstitute(box, crownPre, ReluRelaxation.ADAPTIVE, objective.negate())));
        }
        return new BoundResult(Method.ALPHA_CROWN, lower, upper, pre, System.nanoTime() - start);
    }

    /**
     * The slopes α behind one tightened intermediate bound: neuron {@code neuron} of pre-activation node {@code node},
     * its {@code upper} or lower bound, with per earlier ReLU (keyed by the ReLU's input node) one slope per neuron.
     */
    public record NeuronSlopes(int node, int neuron, boolean upper, Map<Integer, double[]> alpha) {}

    /** Intermediate bounds and the slopes of every bound alpha-CROWN tightened ({@link #intermediateWithSlopes}). */
    public record SlopedBounds(Map<Integer, Interval> pre, List<NeuronSlopes> slopes) {}

    /**
     * Intermediate bounds tightened by alpha-CROWN layer by layer, in the form a certificate carries and {@code verity
     * check} re-derives: each ReLU input node gets CROWN's bounds over the layers before it as already tightened, then
     * its unstable neurons' alpha-CROWN bounds (the better of the two per side), with the slopes that gave them. ReLU
     * networks only (the slopes of S-shaped nodes are not recorded).
     */
    public SlopedBounds intermediateWithSlopes(Interval box) {
        List<IntervalTensor> ibp = intervalPass(box);
        // Every node has bounds from the start (alpha-CROWN reads the lines of all ReLUs, then drops those after its
        // target); each is replaced, in order, by its tightened bounds.
        for (Node node : net.nodes())
            if (node.layer().isNonlinear() && !(node.layer() instanceof Layer.Relu))
                throw new IllegalArgumentException("slopes are recorded for ReLU networks only, not " + node.layer().describe());
        Map<Integer, Interval> pre = new LinkedHashMap<>(intermediateBounds(Method.CROWN, box, ibp, Map.of(), -1));
        List<NeuronSlopes> slopes = new java.util.ArrayList<>();
        for (int id : List.copyOf(pre.keySet())) {
            checkInterrupted();
            Interval interval = ibp.get(id).sample0();
            if (exactByIntervals(id)) {
                pre.put(id, interval);
                continue;
            }
            Interval back = backSubstituteNode(box, pre, ReluRelaxation.ADAPTIVE, id, null, interval);
            Interval current = options.intermediate() == BoundOptions.Intermediate.INTERSECT_IBP ? back.intersect(interval) : back;
            int[] rows = java.util.stream.IntStream.range(0, current.size()).filter(j -> current.lower(j) < 0 && current.upper(j) > 0).toArray();
            pre.put(id, rows.length == 0 ? current : alphaTightened(box, pre, id, current, rows, slopes, BoundAscent.NO_TIME_LIMIT));
        }
        return new SlopedBounds(pre, slopes);
    }

    /**
     * {@code current}, the bounds of node {@code id}, with its neurons {@code rows} tightened by alpha-CROWN over the
     * bounds {@code pre} of the nodes before it (per side the better of the two); where alpha-CROWN's is the better and
     * {@code slopes} is not null, the slopes behind it are added to {@code slopes}. The lower bounds' ascent stops halfway
     * to {@code stopAtNanos}, the upper bounds' at it ({@link BoundAscent#NO_TIME_LIMIT}: no limit).
     */
    private Interval alphaTightened(Interval box, Map<Integer, Interval> pre, int id, Interval current, int[] rows, List<NeuronSlopes> slopes,
                                    long stopAtNanos) {
        int n = current.size();
        Tensor c = Tensor.zeros(rows.length, n);
        for (int i = 0; i < rows.length; i++) c.data()[i * n + rows[i]] = 1;
        AlphaCrown opt = new AlphaCrown(this, box, pre);
        long now = System.nanoTime();
        long half = stopAtNanos == BoundAscent.NO_TIME_LIMIT ? stopAtNanos : now + (stopAtNanos - now) / 2;
        AlphaCrown.SlopedRows lo = opt.maximiseWithSlopes(id, new Objective(c, new double[rows.length]), half);
        AlphaCrown.SlopedRows up = opt.maximiseWithSlopes(id, new Objective(c.neg(), new double[rows.length]), stopAtNanos);
        double[] lower = current.lower().clone(), upper = current.upper().clone();
        for (int i = 0; i < rows.length; i++) {
            int j = rows[i];
            if (lo.lower()[i] > lower[j]) {
                lower[j] = lo.lower()[i];
                if (slopes != null) slopes.add(new NeuronSlopes(id, j, false, rowOf(lo.alpha(), i, rows.length)));
            }
            if (-up.lower()[i] < upper[j]) {
                upper[j] = -up.lower()[i];
                if (slopes != null) slopes.add(new NeuronSlopes(id, j, true, rowOf(up.alpha(), i, rows.length)));
            }
        }
        return new Interval(lower, upper);
    }

    /** Row i of per-ReLU slopes {@code [rows × n]}, keyed by the ReLU's input node. */
    private Map<Integer, double[]> rowOf(Map<Integer, double[]> alpha, int i, int rows) {
        Map<Integer, double[]> out = new LinkedHashMap<>();
        for (var e : alpha.entrySet()) {
            int n = e.getValue().length / rows;
            out.put(net.node(e.getKey()).inputs().getFirst(), Arrays.copyOfRange(e.getValue(), i * n, (i + 1) * n));
        }
        return out;
    }

    /**
     * How many elements of two sound bounds of the same values have crossed where this engine intersected them (the
     * recomputed bounds with known ones, LP-ALL's cheap bounds with each other) since it was made: a rounding-level
     * disagreement (or a bug), resolved conservatively there and counted here so that callers report it.
     */
    public long crossingsResolved() {
        return crossings.sum();
    }

    void countCrossings(int n) {
        if (n > 0) crossings.add(n);
    }

    /**
     * Tightens intermediate bounds (in topological order) by optimising the slopes of the layers before
     * each. For a node read only by (leaky) ReLUs just the unstable neurons are optimised: a stable
     * neuron's relaxation is exact whatever its bounds, so tightening them cannot change any later bound.
     */
    private Map<Integer, Interval> optimiseIntermediate(Interval box, Map<Integer, Interval> crown) {
        Map<Integer, Interval> pre = new LinkedHashMap<>(crown);
        Map<Integer, int[]> rowsOf = new LinkedHashMap<>();
        for (int id : crown.keySet()) {
            if (exactByIntervals(id)) continue;
            Interval current = crown.get(id);
            boolean onlyRelus = net.consumers(id).stream().allMatch(c -> net.node(c).layer() instanceof Layer.Relu
                    || net.node(c).layer() instanceof Layer.LeakyRelu);
            int[] rows = java.util.stream.IntStream.range(0, current.size())
                    .filter(j -> !onlyRelus || (current.lower(j) < 0 && current.upper(j) > 0)).toArray();
            if (rows.length > 0) rowsOf.put(id, rows);
        }
        // With a budget, each node's share of the time left is its cost's share of the cost left: rows × (depth + 1), the
        // size of its back-substitution; time a node leaves unused passes to the next.
        double costLeft = 0;
        for (var e : rowsOf.entrySet()) costLeft += cost(e.getKey(), e.getValue());
        long end = System.nanoTime() + intermediateBudgetNanos;
        for (var e : rowsOf.entrySet()) {
            int id = e.getKey();
            double cost = cost(id, e.getValue());
            long stopAt = intermediateBudgetNanos == 0 ? BoundAscent.NO_TIME_LIMIT
                    : System.nanoTime() + (long) (Math.max(0, end - System.nanoTime()) * Math.min(1, cost / costLeft));
            costLeft -= cost;
            pre.put(id, alphaTightened(box, pre, id, crown.get(id), e.getValue(), null, stopAt));
        }
        return pre;
    }

    /** The relative cost of back-substituting {@code rows} from node {@code id}: rows × its position in the network + 1. */
    private static double cost(int id, int[] rows) {
        return (double) rows.length * (id + 1);
    }

    /**
     * Sound mode's rounding-error charges over {@code box} (magnitudes from outward interval bounds), null when sound mode
     * is off. The last box's are kept: branch and bound bounds many domains of one box.
     */
    RoundingErrors roundingFor(Interval box) {
        if (!options.sound()) return null;
        BoxRounding last = lastRounding.get();
        if (last != null && sameBox(last.box(), box)) return last.rounding();
        RoundingErrors r = new RoundingErrors(net, intervals, intervalPass(box));
        // keyed by a copy: a caller that changes its box's arrays in place must not get the old box's charges
        lastRounding.set(new BoxRounding(new Interval(box.lower().clone(), box.upper().clone()), r));
        return r;
    }

    // ---- interval propagation ---------------------------------------------------------------------

    private List<IntervalTensor> intervalPass(Interval box) {
        BoxIntervals last = lastIntervals.get();
        if (last != null && sameBox(last.box(), box)) return last.intervals();
        int[] shape = net.inputShape().withBatch(1);
        var in = new IntervalTensor(new Tensor(box.lower().clone(), shape), new Tensor(box.upper().clone(), shape));
        List<IntervalTensor> result = List.copyOf(Forward.runAll(net, intervals, in));
        lastIntervals.set(new BoxIntervals(new Interval(box.lower().clone(), box.upper().clone()), result));
        return result;
    }

    private static boolean sameBox(Interval a, Interval b) {
        return a == b || (Arrays.equals(a.lower(), b.lower()) && Arrays.equals(a.upper(), b.upper()));
    }

    /**
     * The objective's lower bounds from intervals. When the output node is dense, {@code C} is folded into
     * it ({@code (C·W) h + C·b + d} with the interval of h) — tighter than applying C to the output
     * interval, and what IBP-based verifiers do.
     */
    private double[] intervalObjective(List<IntervalTensor> ibp, Objective obj) {
        Node out = net.output();
        Tensor c = obj.c();
        double[] d = obj.d();
        Interval h;
        Tensor cw;
        double[] offset = d.clone();
        if (out.layer() instanceof Layer.Dense dense && out.shape().rank() == 1) {
            h = ibp.get(out.inputs().getFirst()).sample0();
            cw = c.matmul(dense.weight());
            double[] cb = c.matmul(dense.bias().reshape(dense.out(), 1)).data();
            for (int i = 0; i < offset.length; i++) offset[i] += cb[i];
        } else {
            h = ibp.get(out.id()).sample0();
            cw = c;
        }
        int n = h.size(), m = obj.rows();
        double[] lower = new double[m], w = cw.data();
        for (int i = 0; i < m; i++) {
            double s = offset[i];
            for (int j = 0; j < n; j++) {
                double a = w[i * n + j];
                s += a >= 0 ? a * h.lower(j) : a * h.upper(j);
            }
            lower[i] = s;
        }
        if (options.sound()) lowerByRoundingError(lower, obj, out, h, cw, offset);
        return lower;
    }

    /**
     * Sound mode: lowers {@link #intervalObjective}'s bounds by their rounding error (Higham's γ_n bounds, as in
     * {@link RoundingErrors}): the folded {@code C·W} and {@code C·b} (dot products over the output layer's rows) and the
     * final sum over h's interval.
     */
    private void lowerByRoundingError(double[] lower, Objective obj, Node out, Interval h, Tensor cw, double[] offset) {
        int n = h.size(), m = obj.rows(), k = obj.outputs();
        double[] mag = new double[n], c = obj.c().data(), w = cw.data();
        for (int j = 0; j < n; j++) mag[j] = Math.max(Math.abs(h.lower(j)), Math.abs(h.upper(j)));
        double[] folded = null; // |W|·|h| + |b| per output, when C was folded into a dense output layer
        if (cw != obj.c() && out.layer() instanceof Layer.Dense dense) {
            Tensor magT = new Tensor(mag, 1, n);
            folded = magT.linear(intervals.abs(dense.weight()), intervals.abs(dense.bias())).data();
        }
        double g = RoundingErrors.gamma(Math.max(n, k) + 2);
        for (int i = 0; i < m; i++) {
            double e = Math.abs(offset[i]);
            for (int j = 0; j < n; j++) e += Math.abs(w[i * n + j]) * mag[j];
            if (folded != null) for (int o = 0; o < k; o++) e += Math.abs(c[i * k + o]) * folded[o];
            e = (g * e + 4 * RoundingErrors.U * Math.abs(lower[i]) + Double.MIN_NORMAL) * (1 + 1e-6);
            lower[i] = Math.nextDown(lower[i] - e);
        }
    }

    // ---- intermediate bounds ----------------------------------------------------------------------

    /** Ids of the nodes whose value feeds a nonlinearity, in topological order, with their bounds. */
    private Map<Integer, Interval> preActivations(IntFunction<Interval> boundsOf) {
        Map<Integer, Interval> pre = new LinkedHashMap<>();
        for (Node node : net.nodes()) {
            if (node.layer().isNonlinear()) {
                int src = node.inputs().getFirst();
                if (!pre.containsKey(src)) pre.put(src, boundsOf.apply(src));
            }
        }
        return pre;
    }

    Map<Integer, Interval> intermediateBounds(Method method, Interval box, List<IntervalTensor> ibp) {
        return intermediateBounds(method, box, ibp, Map.of());
    }

    /**
     * As above, each node's bounds intersected with {@code known} ones (valid over a box containing this one) before
     * the next node is bounded, so the tightening carries forward. An element where the two cross (rounding-level
     * disagreement) keeps the method's own bounds.
     */
    private Map<Integer, Interval> intermediateBounds(Method method, Interval box, List<IntervalTensor> ibp, Map<Integer, Interval> known) {
        return intermediateBounds(method, box, ibp, known, -1);
    }

    /**
     * The pre-activation bounds of a ReLU-split branch-and-bound domain over {@code box}: the nodes up to
     * {@code unchangedThrough} keep {@code known}'s bounds (the parent's, the new split's neuron clamped to its side:
     * nothing before or at the split changes), the later ones are recomputed by {@code method} with them and
     * intersected with {@code known}'s.
     */
    public Map<Integer, Interval> intermediateBounds(Method method, Interval box, Map<Integer, Interval> known, int unchangedThrough) {
        return intermediateBounds(method, box, intervalPass(box), known, unchangedThrough);
    }

    private Map<Integer, Interval> intermediateBounds(Method method, Interval box, List<IntervalTensor> ibp, Map<Integer, Interval> known,
                                                      int unchangedThrough) {
        Map<Integer, Interval> pre = new LinkedHashMap<>();
        for (Node node : net.nodes()) {
            if (!node.layer().isNonlinear()) continue;
            int src = node.inputs().getFirst();
            if (pre.containsKey(src)) continue;
            if (src <= unchangedThrough && known.containsKey(src)) {
                pre.put(src, known.get(src));
                continue;
            }
            checkInterrupted();
            Interval interval = ibp.get(src).sample0();
            Interval k = known.get(src);
            if (!method.intervalIntermediate() && !exactByIntervals(src)) {
                int[] rows = k == null ? null : undecidedRelus(src, k);
                Interval back = backSubstituteNode(box, pre, method.relaxation(), src, rows, interval);
                interval = options.intermediate() == BoundOptions.Intermediate.INTERSECT_IBP ? back.intersect(interval) : back;
            }
            if (k != null) countCrossings(interval.crossings(k));
            pre.put(src, k == null ? interval : interval.tightenedBy(k));
        }
        return pre;
    }

    /**
     * Whether interval propagation is exact for this node: it is an affine function of the input box
     * through at most one layer that mixes coordinates (a box maps to a box under element-wise and
     * reshaping layers, and the interval image of a box under one affine map is exact). Back-substitution
     * would give the same bounds at a much higher cost (CROWN bounds the first layer this way too).
     */
    boolean exactByIntervals(int id) {
        return mixingDepth(id) <= 1;
    }

    private int mixingDepth(int id) {
        Node node = net.node(id);
        return switch (node.layer()) {
            case Layer.Input in -> 0;
            case Layer.Affine a -> mixingDepth(node.inputs().getFirst());
            case Layer.Flatten f -> mixingDepth(node.inputs().getFirst());
            case Layer.Reshape r -> mixingDepth(node.inputs().getFirst());
            case Layer.Transpose t -> mixingDepth(node.inputs().getFirst());
            case Layer.Pad p -> mixingDepth(node.inputs().getFirst());
            case Layer.Dense d -> 1 + mixingDepth(node.inputs().getFirst());
            case Layer.Conv2d c -> 1 + mixingDepth(node.inputs().getFirst());
            case Layer.AvgPool2d a -> 1 + mixingDepth(node.inputs().getFirst());
            case Layer.Relu r -> Integer.MAX_VALUE / 2;
            case Layer.LeakyRelu r -> Integer.MAX_VALUE / 2;
            case Layer.Sigmoid s -> Integer.MAX_VALUE / 2;
            case Layer.Tanh t -> Integer.MAX_VALUE / 2;
            case Layer.MaxPool2d m -> Integer.MAX_VALUE / 2;
            case Layer.Add a -> Integer.MAX_VALUE / 2;
        };
    }

    /**
     * The neurons of pre-activation node {@code id} whose bounds can still change a relaxation, given bounds
     * {@code known} that will be intersected in: all of them, unless every consumer is a (leaky) ReLU, whose lines for a
     * neuron that {@code known} already makes stable are the same for any tighter bounds (identity or slope a, no
     * intercept). Branch and bound's children skip their parents' stable neurons this way, at no loss of tightness.
     */
    private int[] undecidedRelus(int id, Interval known) {
        int n = known.size();
        for (int c : net.consumers(id)) {
            Layer layer = net.node(c).layer();
            if (!(layer instanceof Layer.Relu || layer instanceof Layer.LeakyRelu)) return null;
        }
        int count = 0;
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) if (known.lower(i) < 0 && known.upper(i) > 0) rows[count++] = i;
        return count == n ? null : Arrays.copyOf(rows, count);
    }

    /** Bounds of every element of node {@code id} by back-substitution of ±e_j rows, in chunks. */
    Interval backSubstituteNode(Interval box, Map<Integer, Interval> pre, ReluRelaxation relaxation, int id) {
        return backSubstituteNode(box, pre, relaxation, id, null, null);
    }

    /**
     * As above for the elements listed in {@code rows} only (null: all); the others get their bounds from
     * {@code others} (e.g. the interval pass's, which are sound).
     */
    private Interval backSubstituteNode(Interval box, Map<Integer, Interval> pre, ReluRelaxation relaxation, int id,
                                        int[] rows, Interval others) {
        int n = net.node(id).shape().numel();
        double[] lower = rows == null ? new double[n] : others.lower().clone();
        double[] upper = rows == null ? new double[n] : others.upper().clone();
        int count = rows == null ? n : rows.length;
        if (count == 0) return new Interval(lower, upper);
        ConstantSolvers solver = constantSolvers(box, pre, relaxation);
        WindowedBackSubstitution windowed = WindowedBackSubstitution.applies(net, id) ? solver.windowed() : null;
        int chunk = Math.max(1, options.rowChunk() / 2);
        int[] chosen = new int[Math.min(chunk, count)];
        for (int s = 0; s < count; s += chunk) {
            checkInterrupted();
            int k = Math.min(chunk, count - s);
            if (chosen.length != k) chosen = new int[k];
            for (int j = 0; j < k; j++) chosen[j] = rows == null ? s + j : rows[s + j];
            double[] res = windowed != null ? windowed.lowerOfNeurons(id, chosen)
                    : startsAtDense(id) ? throughDense(solver.dense(), id, chosen) : throughIdentity(solver.dense(), id, chosen);
            for (int j = 0; j < k; j++) {
                lower[chosen[j]] = res[j];
                upper[chosen[j]] = -res[k + j];
            }
        }
        return new Interval(lower, upper);
    }

    private double[] throughIdentity(BackSubstitution<Tensor> solver, int id, int[] chosen) {
        int n = net.node(id).shape().numel(), k = chosen.length;
        Tensor a = Tensor.zeros(2 * k, n);
        double[] ad = a.data();
        for (int j = 0; j < k; j++) {
            ad[j * n + chosen[j]] = 1;
            ad[(k + j) * n + chosen[j]] = -1;
        }
        return solver.lower(id, a.reshape(net.node(id).shape().withBatch(2 * k)), Tensor.zeros(2 * k, 1)).data();
    }

    /** A dense node over a vector: the rows ±e_j pass through it as ±W_j (and bias ±b_j) without a product. */
    private boolean startsAtDense(int id) {
        Node node = net.node(id);
        return node.layer() instanceof Layer.Dense && node.shape().rank() == 1;
    }

    private double[] throughDense(BackSubstitution<Tensor> solver, int id, int[] chosen) {
        Node node = net.node(id);
        Layer.Dense d = (Layer.Dense) node.layer();
        int in = d.in(), k = chosen.length;
        double[] w = d.weight().data(), b = d.bias().data();
        double[] a = new double[2 * k * in], bias = new double[2 * k];
        for (int j = 0; j < k; j++) {
            int row = chosen[j];
            for (int i = 0; i < in; i++) {
                a[j * in + i] = w[row * in + i];
                a[(k + j) * in + i] = -w[row * in + i];
            }
            bias[j] = b[row];
            bias[k + j] = -b[row];
        }
        int src = node.inputs().getFirst();
        return solver.lower(src, new Tensor(a, net.node(src).shape().withBatch(2 * k)), new Tensor(bias, 2 * k, 1)).data();
    }

    // ---- back-substitution with fixed relaxations -------------------------------------------------

    double[] backSubstitute(Interval box, Map<Integer, Interval> pre, ReluRelaxation relaxation, Objective obj) {
        BackSubstitution<Tensor> solver = constantSolver(box, pre, relaxation);
        int m = obj.rows();
        Tensor a = obj.c().reshape(net.outputShape().withBatch(m));
        return solver.lower(net.output().id(), a, new Tensor(obj.d(), m, 1)).data();
    }

    private BackSubstitution<Tensor> constantSolver(Interval box, Map<Integer, Interval> pre, ReluRelaxation relaxation) {
        return constantSolvers(box, pre, relaxation).dense();
    }

    /** Back-substitution with fixed lines, dense and windowed (for single neurons of a feature map), sharing the lines. */
    private record ConstantSolvers(BackSubstitution<Tensor> dense, WindowedBackSubstitution windowed) {}

    private ConstantSolvers constantSolvers(Interval box, Map<Integer, Interval> pre, ReluRelaxation relaxation) {
        Map<Integer, LinearRelaxation<Tensor>> cache = new HashMap<>();
        IntFunction<LinearRelaxation<Tensor>> acts = id -> cache.computeIfAbsent(id, k -> constantLines(lines(k, pre, relaxation), net.node(k)));
        RoundingErrors rounding = roundingFor(box);
        var dense = new BackSubstitution<>(net, TensorOps.INSTANCE, constants, box, acts, maxPools(pre), rounding);
        return new ConstantSolvers(dense, new WindowedBackSubstitution(net, acts, box, dense, rounding));
    }

    IntFunction<MaxPoolRelaxation> maxPools(Map<Integer, Interval> pre) {
        Map<Integer, MaxPoolRelaxation> cache = new HashMap<>();
        return id -> cache.computeIfAbsent(id, k -> {
            Node node = net.node(k);
            Node in = net.node(node.inputs().getFirst());
            return MaxPoolRelaxation.of(pre.get(in.id()), in.shape(), node.shape(), ((Layer.MaxPool2d) node.layer()).geometry());
        });
    }

    /** The relaxation lines of the element-wise nonlinear node {@code id}. */
    Lines lines(int id, Map<Integer, Interval> pre, ReluRelaxation relaxation) {
        Node node = net.node(id);
        Interval in = pre.get(node.inputs().getFirst());
        return switch (node.layer()) {
            case Layer.Relu r -> Relaxations.relu(in, relaxation);
            case Layer.LeakyRelu l -> Relaxations.leakyRelu(in, l.alpha(), relaxation);
            case Layer.Sigmoid s -> Relaxations.sigmoid(in, relaxation);
            case Layer.Tanh t -> Relaxations.tanh(in, relaxation);
            case Layer.Input _, Layer.Dense _, Layer.Conv2d _, Layer.Affine _, Layer.MaxPool2d _, Layer.AvgPool2d _,
                    Layer.Flatten _, Layer.Reshape _, Layer.Transpose _, Layer.Pad _, Layer.Add _ ->
                    throw new IllegalStateException("not an element-wise nonlinearity: " + node.layer().describe());
        };
    }

    static LinearRelaxation<Tensor> constantLines(Lines l, Node node) {
        int[] shape = node.shape().dims();
        int n = l.size();
        return new LinearRelaxation<>(new Tensor(l.lowerSlope(), shape), flatOrNull(l.lowerIntercept(), n),
                new Tensor(l.upperSlope(), shape), flatOrNull(l.upperIntercept(), n));
    }

    static Tensor flatOrNull(double[] v, int n) {
        for (double x : v) if (x != 0) return new Tensor(v, 1, n);
        return null;
    }

    // ---- linear bounds over the input (branch and bound) --------------------------------------------

    /**
     * The linear functions of the input behind a back-substitution method's lower bounds (CROWN, CROWN-0, CROWN-IBP,
     * DeepZ, hBox): for every x in {@code box}, {@code c_i·f(x) + d_i >= coeff_i·x + bias_i}, and {@code lower} is their
     * minimum over the box (what {@link #boundLower} reports). Input-splitting branch and bound scores split
     * dimensions by {@code |coeff_i| × width} and tries the box corner that minimises them as a counterexample.
     *
     * @param known pre-activation bounds valid over a box containing {@code box} (a parent domain's), intersected into
     *              the intermediate bounds layer by layer; empty for none
     */
    public InputLinearBound linearLower(Method method, Interval box, Objective objective, Map<Integer, Interval> known) {
        switch (method) {
            case HBOX, DEEPZ, CROWN, CROWN_0, CROWN_IBP -> { }
            case IBP, HBOX_FORWARD, ALPHA_CROWN, LAGRANGIAN, SDP, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN ->
                    throw new IllegalArgumentException("no linear bound over the input for " + method.cliName());
        }
        List<IntervalTensor> ibp = intervalPass(box);
        Map<Integer, Interval> pre = intermediateBounds(method, box, ibp, known);
        BackSubstitution<Tensor> solver = constantSolver(box, pre, method.relaxation());
        int m = objective.rows(), n = box.size();
        Tensor a = objective.c().reshape(net.outputShape().withBatch(m));
        BackSubstitution.InputLinear<Tensor> lin = solver.linear(net.output().id(), a, new Tensor(objective.d(), m, 1));
        Tensor coeff = lin.coeff() == null ? Tensor.zeros(m, n) : lin.coeff().reshape(m, n);
        double[] bias = lin.bias().data().clone();
        if (lin.error() != null) // sound mode: the bias that makes the linear bound hold in exact arithmetic
            for (int i = 0; i < m; i++) bias[i] = Math.nextDown(bias[i] - (lin.error()[i] + 4 * RoundingErrors.U * Math.abs(bias[i])) * (1 + 1e-6));
        double[] lower = solver.minimum(lin).data();
        return new InputLinearBound(coeff, bias, lower, pre);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** Stops a computation whose thread was interrupted (a caller past its deadline). */
    static void checkInterrupted() {
        if (Thread.currentThread().isInterrupted())
            throw new java.util.concurrent.CancellationException("bound computation interrupted");
    }

    private static double[] max(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = Math.max(a[i], b[i]);
        return r;
    }

    private static double[] min(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = Math.min(a[i], b[i]);
        return r;
    }

    private static double[] negate(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = -v[i];
        return r;
    }
}
