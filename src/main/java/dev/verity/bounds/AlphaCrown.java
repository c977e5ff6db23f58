package dev.verity.bounds;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.relax.Interval;
import dev.verity.relax.Lines;
import dev.verity.relax.Relaxations;
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
import java.util.function.IntFunction;

/**
 * alpha-CROWN: the objective's lower bound as a function of the lower slopes α of every unstable
 * (leaky) ReLU — one α per objective row and neuron — and, for sigmoid and tanh neurons whose interval
 * contains 0, of the weights that mix two sound line pairs ({@link Mix}), maximised by projected Adam
 * through the autodiff tape, starting from CROWN's lines. Every parameter in its box gives a sound bound
 * (the line αz is below the ReLU on [l, u]; a convex combination of two lower (upper) lines is one too),
 * so the best value seen for each row is kept: the result is never looser than CROWN. Intermediate
 * bounds stay at the values given (the engine calls this per intermediate layer to tighten them).
 */
final class AlphaCrown {
    private final BoundEngine engine;
    private final Network net;
    private final Interval box;
    private final Map<Integer, Interval> pre;
    private final Map<Integer, LinearRelaxation<Tensor>> fixed = new HashMap<>();
    private final IntFunction<MaxPoolRelaxation> pools;

    AlphaCrown(BoundEngine engine, Interval box, Map<Integer, Interval> pre) {
        this.engine = engine;
        this.net = engine.network();
        this.box = box;
        this.pre = pre;
        this.pools = engine.maxPools(pre);
    }

    /** The optimisable lower slopes of one (leaky) ReLU node; α {@code [m, ...shape]} counts only where unstable. */
    record Slopes(Tensor alpha, Tensor unstableMask, Tensor fixedSlope, Tensor upperSlope, Tensor upperIntercept, double leak) {}

    /**
     * The optimisable lines of one S-shaped (sigmoid, tanh) node: each line a convex combination
     * {@code w·A + (1 − w)·B} of CROWN's line A ({@link Relaxations#sigmoid}'s) and the other sound line B
     * ({@link Relaxations#sShapedTangents}), {@code w ∈ [0, 1]} per row and neuron for the lower and the upper line,
     * 1 at the start (CROWN's bound). A combination of two lines below (above) f on [l, u] is below (above) it too.
     */
    record Mix(Tensor lowerWeight, Tensor upperWeight, Lines a, Lines b) {}

    /** CROWN's lines (weights 1) for {@code m} rows, one entry per sigmoid or tanh node with an interval containing 0. */
    Map<Integer, Mix> initialMixes(int m) {
        Map<Integer, Mix> mixes = new LinkedHashMap<>();
        for (Node node : net.nodes()) {
            Relaxations.Activation f = switch (node.layer()) {
                case Layer.Sigmoid s -> Relaxations.Activation.SIGMOID;
                case Layer.Tanh t -> Relaxations.Activation.TANH;
                case Layer.Input _, Layer.Dense _, Layer.Conv2d _, Layer.Affine _, Layer.Relu _, Layer.LeakyRelu _,
                        Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Flatten _, Layer.Reshape _, Layer.Transpose _,
                        Layer.Pad _, Layer.Add _ -> null;
            };
            if (f == null) continue;
            Interval in = pre.get(node.inputs().getFirst());
            Lines a = engine.lines(node.id(), pre, ReluRelaxation.ADAPTIVE), b = Relaxations.sShapedTangents(in, f);
            if (java.util.Arrays.equals(a.lowerSlope(), b.lowerSlope()) && java.util.Arrays.equals(a.upperSlope(), b.upperSlope())) continue;
            double[] ones = new double[m * a.size()];
            java.util.Arrays.fill(ones, 1);
            int[] shape = node.shape().withBatch(m);
            mixes.put(node.id(), new Mix(new Tensor(ones.clone(), shape), new Tensor(ones, shape), a, b));
        }
        return mixes;
    }

    /** CROWN's slopes for {@code m} rows, one entry per (leaky) ReLU node. */
    Map<Integer, Slopes> initialSlopes(int m) {
        Map<Integer, Slopes> slopes = new LinkedHashMap<>();
        for (Node node : net.nodes()) {
            double leak = switch (node.layer()) {
                case Layer.Relu r -> 0.0;
                case Layer.LeakyRelu l -> l.alpha();
                case Layer.Input _, Layer.Dense _, Layer.Conv2d _, Layer.Affine _, Layer.Sigmoid _, Layer.Tanh _,
                        Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Flatten _, Layer.Reshape _, Layer.Transpose _,
                        Layer.Pad _, Layer.Add _ -> Double.NaN;
            };
            if (Double.isNaN(leak)) continue;
            Lines crown = engine.lines(node.id(), pre, ReluRelaxation.ADAPTIVE);
            Interval in = pre.get(node.inputs().getFirst());
            int n = crown.size();
            int[] shape = node.shape().dims();
            double[] mask = new double[n], fixedSlope = new double[n], alpha = new double[m * n];
            for (int j = 0; j < n; j++) {
                boolean unstable = in.lower(j) < 0 && in.upper(j) > 0;
                mask[j] = unstable ? 1 : 0;
                fixedSlope[j] = unstable ? 0 : crown.lowerSlope()[j];
            }
            for (int i = 0; i < m; i++) System.arraycopy(crown.lowerSlope(), 0, alpha, i * n, n);
            slopes.put(node.id(), new Slopes(new Tensor(alpha, node.shape().withBatch(m)), new Tensor(mask, shape),
                    new Tensor(fixedSlope, shape), new Tensor(crown.upperSlope(), shape),
                    BoundEngine.flatOrNull(crown.upperIntercept(), n), leak));
        }
        return slopes;
    }

    /** The lower bounds {@code [m]} at the given slopes and, into {@code gradients}, d(Σ bounds)/dα per node. */
    double[] boundAndGradient(Objective obj, Map<Integer, Slopes> slopes, Map<Integer, double[]> gradients) {
        return boundAndGradient(net.output().id(), obj, slopes, gradients);
    }

    /** As above for rows {@code c·z_target + d} of any node (its slopes must come from nodes before it). */
    double[] boundAndGradient(int target, Objective obj, Map<Integer, Slopes> slopes, Map<Integer, double[]> gradients) {
        return boundAndGradient(target, obj, slopes, Map.of(), gradients, null);
    }

    /**
     * As above with S-shaped nodes' mixing weights too; their gradients go into {@code mixGradients} (per node: lower
     * weights, then upper weights, concatenated).
     */
    double[] boundAndGradient(int target, Objective obj, Map<Integer, Slopes> slopes, Map<Integer, Mix> mixes,
                              Map<Integer, double[]> gradients, Map<Integer, double[]> mixGradients) {
        int m = obj.rows();
        Tape tape = new Tape();
        Map<Integer, Var> vars = new HashMap<>(), lowerW = new HashMap<>(), upperW = new HashMap<>();
        for (var e : slopes.entrySet()) vars.put(e.getKey(), tape.variable(e.getValue().alpha()));
        for (var e : mixes.entrySet()) {
            lowerW.put(e.getKey(), tape.variable(e.getValue().lowerWeight()));
            upperW.put(e.getKey(), tape.variable(e.getValue().upperWeight()));
        }
        IntFunction<LinearRelaxation<Var>> acts = id -> {
            Mix mix = mixes.get(id);
            if (mix != null) {
                int[] shape = net.node(id).shape().dims();
                int n = mix.a().size();
                Var wl = lowerW.get(id), wu = upperW.get(id);
                Var wlFlat = tape.reshape(wl, m, n), wuFlat = tape.reshape(wu, m, n);
                return new LinearRelaxation<>(
                        mixed(tape, wl, mix.a().lowerSlope(), mix.b().lowerSlope(), shape),
                        mixed(tape, wlFlat, mix.a().lowerIntercept(), mix.b().lowerIntercept(), new int[] {1, n}),
                        mixed(tape, wu, mix.a().upperSlope(), mix.b().upperSlope(), shape),
                        mixed(tape, wuFlat, mix.a().upperIntercept(), mix.b().upperIntercept(), new int[] {1, n}));
            }
            Slopes sv = slopes.get(id);
            if (sv != null) {
                Var slope = tape.add(tape.mul(vars.get(id), tape.constant(sv.unstableMask())), tape.constant(sv.fixedSlope()));
                return new LinearRelaxation<>(slope, null, tape.constant(sv.upperSlope()),
                        sv.upperIntercept() == null ? null : tape.constant(sv.upperIntercept()));
            }
            LinearRelaxation<Tensor> c = fixed.computeIfAbsent(id,
                    k -> BoundEngine.constantLines(engine.lines(k, pre, ReluRelaxation.ADAPTIVE), net.node(k)));
            return new LinearRelaxation<>(tape.constant(c.lowerSlope()), c.lowerIntercept() == null ? null : tape.constant(c.lowerIntercept()),
                    tape.constant(c.upperSlope()), c.upperIntercept() == null ? null : tape.constant(c.upperIntercept()));
        };
        var solver = new BackSubstitution<>(net, tape, engine.constants(), box, acts, pools, engine.roundingFor(box));
        Tensor a0 = obj.c().reshape(net.node(target).shape().withBatch(m));
        Var bound = solver.lower(target, tape.constant(a0), tape.constant(new Tensor(obj.d(), m, 1)));
        double[] value = bound.value().data().clone();
        if (gradients != null && (!slopes.isEmpty() || !mixes.isEmpty())) {
            tape.backward(tape.sum(bound));
            for (var e : vars.entrySet()) gradients.put(e.getKey(), gradOf(e.getValue()));
            for (int id : mixes.keySet()) {
                double[] gl = gradOf(lowerW.get(id)), gu = gradOf(upperW.get(id));
                double[] both = java.util.Arrays.copyOf(gl, gl.length + gu.length);
                System.arraycopy(gu, 0, both, gl.length, gu.length);
                mixGradients.put(id, both);
            }
        }
        return value;
    }

    private static double[] gradOf(Var v) {
        return v.grad() == null ? new double[v.value().size()] : v.grad().data().clone();
    }

    /** {@code w ⊙ (a − b) + b} with the constants a, b of the given shape (broadcast against w's rows). */
    private static Var mixed(Tape tape, Var w, double[] a, double[] b, int[] shape) {
        double[] diff = new double[a.length];
        for (int i = 0; i < a.length; i++) diff[i] = a[i] - b[i];
        return tape.add(tape.mul(w, tape.constant(new Tensor(diff, shape))), tape.constant(new Tensor(b.clone(), shape)));
    }

    /** The best lower bound per row over the Adam iterates (ascending the summed bound). */
    double[] maximise(Objective obj) {
        return maximise(net.output().id(), obj);
    }

    /** The best lower bounds of rows {@code c·z_target + d}; only the lines of nonlinear nodes before the target are used. */
    double[] maximise(int target, Objective obj) {
        return maximiseWithSlopes(target, obj).lower();
    }

    /**
     * Best lower bounds per row and, per (leaky) ReLU node before the target, the slopes α {@code [rows × n]} that give
     * each row its best bound (every parameter belongs to one row, so each row's best iterate is kept apart).
     */
    record SlopedRows(double[] lower, Map<Integer, double[]> alpha) {}

    /** As {@link #maximise(int, Objective)}, with the slopes behind each row's bound. */
    SlopedRows maximiseWithSlopes(int target, Objective obj) {
        return maximiseWithSlopes(target, obj, BoundAscent.NO_TIME_LIMIT);
    }

    /** As {@link #maximiseWithSlopes(int, Objective)}, the ascent stopping at {@code stopAtNanos} ({@link BoundAscent#run}). */
    SlopedRows maximiseWithSlopes(int target, Objective obj, long stopAtNanos) {
        BoundOptions options = engine.options();
        Map<Integer, Slopes> slopes = initialSlopes(obj.rows());
        slopes.keySet().removeIf(id -> id >= target);
        Map<Integer, Mix> mixes = initialMixes(obj.rows());
        mixes.keySet().removeIf(id -> id >= target);
        // Parameters: every ReLU's α in [leak, 1], then every S-shaped node's lower and upper weights in [0, 1].
        List<double[]> blocks = new ArrayList<>();
        List<BoundAscent.Group> groups = new ArrayList<>();
        int off = 0;
        for (Slopes sv : slopes.values()) {
            blocks.add(sv.alpha().data());
            groups.add(new BoundAscent.Group(off, sv.alpha().size(), options.alphaLearningRate(), sv.leak(), 1));
            off += sv.alpha().size();
        }
        for (Mix mix : mixes.values()) {
            for (Tensor w : List.of(mix.lowerWeight(), mix.upperWeight())) {
                blocks.add(w.data());
                groups.add(new BoundAscent.Group(off, w.size(), options.alphaLearningRate(), 0, 1));
                off += w.size();
            }
        }
        double[] params = new double[off];
        int o = 0;
        for (double[] b : blocks) {
            System.arraycopy(b, 0, params, o, b.length);
            o += b.length;
        }
        Map<Integer, double[]> gradients = new HashMap<>(), mixGradients = new HashMap<>();
        BoundAscent.Result result = BoundAscent.run(params, groups.toArray(BoundAscent.Group[]::new), (x, gradient) -> {
            int at = 0;
            for (double[] b : blocks) { // the blocks are the tensors' own arrays: the bound reads them
                System.arraycopy(x, at, b, 0, b.length);
                at += b.length;
            }
            double[] value = boundAndGradient(target, obj, slopes, mixes, gradient == null ? null : gradients, mixGradients);
            if (gradient != null) {
                at = 0;
                for (int id : slopes.keySet()) {
                    double[] g = gradients.get(id);
                    System.arraycopy(g, 0, gradient, at, g.length);
                    at += g.length;
                }
                for (int id : mixes.keySet()) {
                    double[] g = mixGradients.get(id);
                    System.arraycopy(g, 0, gradient, at, g.length);
                    at += g.length;
                }
            }
            return value;
        }, options, false, obj.rows(), stopAtNanos);
        Map<Integer, double[]> alpha = new LinkedHashMap<>();
        int at = 0;
        for (var e : slopes.entrySet()) {
            int len = e.getValue().alpha().size();
            alpha.put(e.getKey(), java.util.Arrays.copyOfRange(result.bestParams(), at, at + len));
            at += len;
        }
        return new SlopedRows(result.best(), alpha);
    }
}
