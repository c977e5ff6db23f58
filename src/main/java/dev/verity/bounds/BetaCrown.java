package dev.verity.bounds;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.relax.Lines;
import dev.verity.relax.ReluRelaxation;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * β-CROWN (Wang, Zhang, Xu, Lin, Jana, Hsieh, Kolter 2021, "Beta-CROWN: Efficient Bound Propagation with Per-neuron
 * Split Constraints for Neural Network Robustness Verification", Sec. 3): lower bounds of linear objectives over an
 * input box <em>restricted by ReLU split decisions</em> — a branch-and-bound domain. A split {@code z_j >= 0} (active)
 * or {@code z_j <= 0} (inactive) enters by a Lagrangian multiplier {@code β_j >= 0}: on the domain
 * {@code g(x) >= g(x) + β_j·s_j·z_j(x)} with {@code s_j = −1} for active and {@code +1} for inactive, so CROWN's bound
 * of the right-hand side (the β term joins the coefficients where back-substitution reaches {@code z_j}, paper eq. 5)
 * is a sound lower bound of {@code g} on the domain for every {@code β >= 0} and every slope α — the bound is
 * maximised over both by projected Adam ({@link BoundAscent}), as alpha-CROWN does over α alone. With no splits it is
 * alpha-CROWN with fixed intermediate bounds. Each domain's pre-activation bounds (split neurons already clamped to
 * their side) fix its relaxation; several domains are bounded in one batched pass, one coefficient row per (domain,
 * objective row), each row with its own lines.
 *
 * <p>Covers networks whose only nonlinearity is ReLU ({@link #unsuited}).
 */
public final class BetaCrown {
    private final BoundEngine engine;
    private final Network net;
    /** The ReLU nodes in topological order. */
    private final List<Node> relus = new ArrayList<>();

    /** A split decision: neuron {@code neuron} of pre-activation node {@code node} (the ReLU's input) is active or inactive. */
    public record Split(int node, int neuron, boolean active) {}

    /**
     * One domain to bound.
     *
     * @param pre       pre-activation bounds valid on the domain, keyed by the ReLUs' input nodes, split neurons clamped
     * @param splits    the domain's split decisions
     * @param objective rows {@code c·f(x) + d} whose lower bounds are wanted
     * @param start     slopes and multipliers to start from (a parent domain's, {@link Bound#warmStart}), or null for
     *                  CROWN's slopes and β = 0
     */
    public record Query(Map<Integer, Interval> pre, List<Split> splits, Objective objective, WarmStart start) {
        public Query(Map<Integer, Interval> pre, List<Split> splits, Objective objective) {
            this(pre, splits, objective, null);
        }
    }

    /**
     * Where a domain's optimisation ended: per ReLU input node the slopes α {@code [rows × n]}, per split (in the order
     * of the query's splits) the multipliers β of each row {@code [splits × rows]}. A child starts from its parent's —
     * the new split's β at 0 — as α,β-CROWN does, so a few steps suffice per domain.
     */
    public record WarmStart(Map<Integer, double[]> alpha, double[] beta) {}

    /**
     * The bounds of one query.
     *
     * @param lower       per row, the best lower bound over the iterates
     * @param coeff       per row, the linear function of the input behind the last iterate's bound
     *                    ({@code [rows, inputs]}; its box minimiser is a counterexample candidate)
     * @param coefficient per ReLU input node, the last iterate's coefficients of the ReLU's output, {@code [rows × n]}
     *                    row-major (how much each neuron's relaxation costs: the branching score's weight)
     * @param warmStart   per row, the parameters of the iterate that gave its best bound ({@code lower}): a child's
     *                    start, and what a certificate carries to reproduce the bound
     */
    public record Bound(double[] lower, Tensor coeff, Map<Integer, double[]> coefficient, WarmStart warmStart) {}

    public BetaCrown(BoundEngine engine) {
        this.engine = engine;
        this.net = engine.network();
        unsuited(net).ifPresent(why -> { throw new IllegalArgumentException(why); });
        for (Node node : net.nodes()) if (node.layer() instanceof Layer.Relu) relus.add(node);
    }

    /** Why β-CROWN does not cover the network (a nonlinearity other than ReLU), or empty. */
    public static Optional<String> unsuited(Network net) {
        for (Node node : net.nodes()) {
            if (node.layer().isNonlinear() && !(node.layer() instanceof Layer.Relu))
                return Optional.of("ReLU splitting needs ReLU as the only nonlinearity, not " + node.layer().describe());
        }
        return Optional.empty();
    }

    /** The engine's alpha-CROWN steps: what a root domain (nothing split yet) gets. */
    public int defaultIterations() {
        return engine.options().alphaIterations();
    }

    /** The ReLUs' input (pre-activation) node ids, in topological order. */
    public List<Integer> preActivationNodes() {
        return preActivationNodes(net);
    }

    /**
     * The input (pre-activation) node ids of {@code net}'s ReLUs, in topological order: the k-th is the output of the
     * certificate checker's block k + 1.
     */
    public static List<Integer> preActivationNodes(Network net) {
        return net.nodes().stream().filter(n -> n.layer() instanceof Layer.Relu).map(n -> n.inputs().getFirst()).toList();
    }

    /** Per ReLU node, the constant parts of every row's relaxation and the start of its slopes. */
    private record Rows(int n, Shape shape, double[] unstable, double[] fixedSlope, double[] alpha, double[] upperSlope,
                        double[] upperIntercept, double[] sign, boolean split) {}

    /** β's initial step size (α,β-CROWN's default, with α's from the engine's alpha-CROWN options). */
    public static final double BETA_LEARNING_RATE = 0.05;

    /**
     * Bounds every query in one batched optimisation of at most {@code iterations} steps (the engine's alpha-CROWN
     * step size, decay and patience for α; {@link #BETA_LEARNING_RATE} for β), stopping early once every row is
     * positive when {@code stopWhenPositive}.
     */
    public List<Bound> bound(Interval box, List<Query> queries, int iterations, boolean stopWhenPositive) {
        return bound(box, queries, iterations, stopWhenPositive, BoundAscent.NO_TIME_LIMIT);
    }

    /**
     * As {@link #bound(Interval, List, int, boolean)}, the optimisation ending with its best iterates once
     * {@code System.nanoTime()} passes {@code stopAtNanos} (every iterate is sound): a branch and bound at its deadline
     * is not held up by a whole batch's steps (on ResNet-4B one batch is seconds).
     */
    public List<Bound> bound(Interval box, List<Query> queries, int iterations, boolean stopWhenPositive, long stopAtNanos) {
        BoundOptions options = engine.options().withAlphaIterations(iterations);
        double betaLearningRate = BETA_LEARNING_RATE;
        int outputs = net.outputShape().numel(), inputs = box.size();
        int total = 0;
        int[] start = new int[queries.size() + 1];
        for (int q = 0; q < queries.size(); q++) {
            start[q] = total;
            total += queries.get(q).objective().rows();
        }
        start[queries.size()] = total;
        final int rows = total;
        double[] c = new double[rows * outputs], d = new double[rows];
        for (int q = 0; q < queries.size(); q++) {
            Objective obj = queries.get(q).objective();
            if (obj.outputs() != outputs) throw new IllegalArgumentException("objective over " + obj.outputs() + " outputs, the network has " + outputs);
            System.arraycopy(obj.c().data(), 0, c, start[q] * outputs, obj.rows() * outputs);
            System.arraycopy(obj.d(), 0, d, start[q], obj.rows());
        }
        Map<Integer, Rows> data = new LinkedHashMap<>();
        for (Node relu : relus) data.put(relu.id(), rows(relu, queries, start, rows));

        // Parameters: per ReLU node α [rows × n] in [0, 1], then per node with a split β [rows × n] >= 0.
        List<BoundAscent.Group> groups = new ArrayList<>();
        Map<Integer, Integer> alphaAt = new HashMap<>(), betaAt = new HashMap<>();
        int size = 0;
        for (var e : data.entrySet()) {
            int len = rows * e.getValue().n();
            alphaAt.put(e.getKey(), size);
            groups.add(new BoundAscent.Group(size, len, options.alphaLearningRate(), 0, 1));
            size += len;
        }
        for (var e : data.entrySet()) {
            if (!e.getValue().split()) continue;
            int len = rows * e.getValue().n();
            betaAt.put(e.getKey(), size);
            groups.add(new BoundAscent.Group(size, len, betaLearningRate, 0, Double.POSITIVE_INFINITY));
            size += len;
        }
        final int parameters = size;
        double[] params = new double[size];
        for (var e : data.entrySet()) System.arraycopy(e.getValue().alpha(), 0, params, alphaAt.get(e.getKey()), e.getValue().alpha().length);
        for (int q = 0; q < queries.size(); q++) { // β from a warm start, the new split's at 0
            Query query = queries.get(q);
            if (query.start() == null || query.start().beta() == null) continue;
            int m = start[q + 1] - start[q];
            double[] b = query.start().beta();
            for (int k = 0; k < query.splits().size() && (k + 1) * m <= b.length; k++) {
                Split sp = query.splits().get(k);
                int reluId = reluOf(sp.node()), n = data.get(reluId).n();
                for (int i = 0; i < m; i++) params[betaAt.get(reluId) + (start[q] + i) * n + sp.neuron()] = b[k * m + i];
            }
        }

        RoundingErrors rounding = engine.roundingFor(box);
        Tensor cT = new Tensor(c, net.outputShape().withBatch(rows)), dT = new Tensor(d, rows, 1);
        Map<Integer, Tensor> observed = new HashMap<>();
        Tensor[] lastCoeff = new Tensor[1];
        BoundAscent.Result ascent = BoundAscent.run(params, groups.toArray(BoundAscent.Group[]::new), (x, gradient) -> {
            Tape tape = new Tape();
            Map<Integer, Var> alphas = new HashMap<>(), betas = new HashMap<>();
            for (var e : data.entrySet()) {
                Rows r = e.getValue();
                int[] shape = r.shape().withBatch(rows);
                alphas.put(e.getKey(), tape.variable(new Tensor(java.util.Arrays.copyOfRange(x, alphaAt.get(e.getKey()), alphaAt.get(e.getKey()) + rows * r.n()), shape)));
                if (r.split())
                    betas.put(e.getKey(), tape.variable(new Tensor(java.util.Arrays.copyOfRange(x, betaAt.get(e.getKey()), betaAt.get(e.getKey()) + rows * r.n()), shape)));
            }
            IntFunction<LinearRelaxation<Var>> acts = id -> {
                Rows r = data.get(id);
                int[] shape = r.shape().withBatch(rows);
                Var slope = tape.add(tape.mul(alphas.get(id), tape.constant(new Tensor(r.unstable(), shape))),
                        tape.constant(new Tensor(r.fixedSlope(), shape)));
                Var shift = r.split() ? tape.mul(betas.get(id), tape.constant(new Tensor(r.sign(), shape))) : null;
                return new LinearRelaxation<>(slope, null, tape.constant(new Tensor(r.upperSlope(), shape)),
                        tape.constant(new Tensor(r.upperIntercept(), rows, r.n())), shift);
            };
            var solver = new BackSubstitution<>(net, tape, engine.constants(), box, acts,
                    id -> { throw new IllegalStateException("no max-pool in a ReLU-split network"); },
                    (id, coeff) -> observed.put(id, coeff.value()), rounding);
            BackSubstitution.InputLinear<Var> lin = solver.linear(net.output().id(), tape.constant(cT), tape.constant(dT));
            Var bound = solver.minimum(lin);
            lastCoeff[0] = lin.coeff() == null ? Tensor.zeros(rows, inputs) : lin.coeff().value().reshape(rows, inputs);
            if (gradient != null && parameters > 0) {
                tape.backward(tape.sum(bound));
                for (var e : alphas.entrySet()) copyInto(e.getValue(), gradient, alphaAt.get(e.getKey()));
                for (var e : betas.entrySet()) copyInto(e.getValue(), gradient, betaAt.get(e.getKey()));
            }
            return bound.value().data().clone();
        }, options, stopWhenPositive, rows, stopAtNanos);
        double[] best = ascent.best(), at = ascent.bestParams();

        List<Bound> result = new ArrayList<>(queries.size());
        double[] coeffAll = lastCoeff[0].data();
        for (int q = 0; q < queries.size(); q++) {
            int r0 = start[q], m = start[q + 1] - r0;
            double[] lower = java.util.Arrays.copyOfRange(best, r0, r0 + m);
            Tensor coeff = new Tensor(java.util.Arrays.copyOfRange(coeffAll, r0 * inputs, (r0 + m) * inputs), m, inputs);
            Map<Integer, double[]> coefficient = new LinkedHashMap<>(), alpha = new LinkedHashMap<>();
            for (Node relu : relus) {
                int n = relu.shape().numel();
                Tensor t = observed.get(relu.id());
                coefficient.put(relu.inputs().getFirst(), t == null ? new double[m * n]
                        : java.util.Arrays.copyOfRange(t.data(), r0 * n, (r0 + m) * n));
                int a0 = alphaAt.get(relu.id()) + r0 * n;
                alpha.put(relu.inputs().getFirst(), java.util.Arrays.copyOfRange(at, a0, a0 + m * n));
            }
            List<Split> splits = queries.get(q).splits();
            double[] beta = new double[splits.size() * m];
            for (int k = 0; k < splits.size(); k++) {
                Split sp = splits.get(k);
                int reluId = reluOf(sp.node()), n = data.get(reluId).n();
                for (int i = 0; i < m; i++) beta[k * m + i] = at[betaAt.get(reluId) + (r0 + i) * n + sp.neuron()];
            }
            result.add(new Bound(lower, coeff, coefficient, new WarmStart(alpha, beta)));
        }
        return result;
    }

    /** The ReLU node reading pre-activation node {@code preNode}. */
    private int reluOf(int preNode) {
        for (Node relu : relus) if (relu.inputs().getFirst() == preNode) return relu.id();
        throw new IllegalArgumentException("no ReLU reads node " + preNode);
    }

    private static void copyInto(Var v, double[] gradient, int offset) {
        Tensor g = v.grad();
        if (g != null) System.arraycopy(g.data(), 0, gradient, offset, g.size());
    }

    /** The relaxation of ReLU node {@code relu} for every row: each query's lines at its own bounds, its splits' signs. */
    private Rows rows(Node relu, List<Query> queries, int[] start, int rows) {
        int in = relu.inputs().getFirst(), n = relu.shape().numel();
        double[] unstable = new double[rows * n], fixed = new double[rows * n], alpha = new double[rows * n],
                upperSlope = new double[rows * n], upperIntercept = new double[rows * n], sign = new double[rows * n];
        boolean split = false;
        for (int q = 0; q < queries.size(); q++) {
            Query query = queries.get(q);
            Interval pre = query.pre().get(in);
            if (pre == null) throw new IllegalArgumentException("query without bounds of node " + in);
            Lines lines = engine.lines(relu.id(), query.pre(), ReluRelaxation.ADAPTIVE);
            double[] s = new double[n];
            for (Split sp : query.splits()) {
                if (sp.node() != in) continue;
                s[sp.neuron()] = sp.active() ? -1 : 1;
                split = true;
            }
            double[] warm = query.start() == null ? null : query.start().alpha().get(in);
            for (int r = start[q]; r < start[q + 1]; r++) {
                int off = r * n, local = (r - start[q]) * n;
                for (int j = 0; j < n; j++) {
                    boolean open = pre.lower(j) < 0 && pre.upper(j) > 0;
                    unstable[off + j] = open ? 1 : 0;
                    fixed[off + j] = open ? 0 : lines.lowerSlope()[j];
                    alpha[off + j] = open && warm != null ? warm[local + j] : lines.lowerSlope()[j];
                    upperSlope[off + j] = lines.upperSlope()[j];
                    upperIntercept[off + j] = lines.upperIntercept()[j];
                    sign[off + j] = s[j];
                }
            }
        }
        return new Rows(n, relu.shape(), unstable, fixed, alpha, upperSlope, upperIntercept, sign, split);
    }
}
