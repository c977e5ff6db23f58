package dev.verity.bounds;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.relax.Lines;
import dev.verity.relax.ReluRelaxation;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * alpha-CROWN: the objective's lower bound as a function of the lower slopes α of every unstable
 * (leaky) ReLU — one α per objective row and neuron — maximised by projected Adam through the autodiff
 * tape, starting from CROWN's slopes. Every α in [a, 1] gives a sound bound (the line αz is below the
 * activation on [l, u]), so the best value seen for each row is kept: the result is never looser than
 * CROWN. Intermediate bounds stay at the values given (CROWN's).
 */
final class SlopeOptimizer {
    private final BoundEngine engine;
    private final Network net;
    private final Interval box;
    private final Map<Integer, Interval> pre;
    private final Map<Integer, LinearRelaxation<Tensor>> fixed = new HashMap<>();
    private final IntFunction<MaxPoolRelaxation> pools;

    SlopeOptimizer(BoundEngine engine, Interval box, Map<Integer, Interval> pre) {
        this.engine = engine;
        this.net = engine.network();
        this.box = box;
        this.pre = pre;
        this.pools = engine.maxPools(pre);
    }

    /** The optimisable lower slopes of one (leaky) ReLU node; α {@code [m, ...shape]} counts only where unstable. */
    record Slopes(Tensor alpha, Tensor unstableMask, Tensor fixedSlope, Tensor upperSlope, Tensor upperIntercept, double leak) {}

    /** CROWN's slopes for {@code m} rows, one entry per (leaky) ReLU node. */
    Map<Integer, Slopes> initialSlopes(int m) {
        Map<Integer, Slopes> slopes = new LinkedHashMap<>();
        for (Node node : net.nodes()) {
            double leak = switch (node.layer()) {
                case Layer.Relu r -> 0.0;
                case Layer.LeakyRelu l -> l.alpha();
                default -> Double.NaN;
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
        int m = obj.rows();
        Tape tape = new Tape();
        Map<Integer, Var> vars = new HashMap<>();
        for (var e : slopes.entrySet()) vars.put(e.getKey(), tape.variable(e.getValue().alpha()));
        IntFunction<LinearRelaxation<Var>> acts = id -> {
            Slopes sv = slopes.get(id);
            if (sv != null) {
                Var slope = tape.add(tape.mul(vars.get(id), tape.constant(sv.unstableMask())), tape.constant(sv.fixedSlope()));
                return new LinearRelaxation<>(slope, null, tape.constant(sv.upperSlope()), sv.upperIntercept());
            }
            LinearRelaxation<Tensor> c = fixed.computeIfAbsent(id,
                    k -> BoundEngine.constantLines(engine.lines(k, pre, ReluRelaxation.ADAPTIVE), net.node(k)));
            return new LinearRelaxation<>(tape.constant(c.lowerSlope()), c.lowerIntercept(), tape.constant(c.upperSlope()), c.upperIntercept());
        };
        var solver = new BackSubstitution<>(net, tape, engine.constants(), box, acts, pools);
        Tensor a0 = obj.c().reshape(net.node(target).shape().withBatch(m));
        Var bound = solver.lower(target, tape.constant(a0), tape.constant(new Tensor(obj.d(), m, 1)));
        double[] value = bound.value().data().clone();
        if (gradients != null && !slopes.isEmpty()) {
            tape.backward(tape.sum(bound));
            for (var e : vars.entrySet()) gradients.put(e.getKey(), e.getValue().grad().data().clone());
        }
        return value;
    }

    /** The best lower bound per row over the Adam iterates (ascending the summed bound). */
    double[] maximise(Objective obj) {
        return maximise(net.output().id(), obj);
    }

    /** The best lower bounds of rows {@code c·z_target + d}; only slopes of nonlinear nodes before the target are used. */
    double[] maximise(int target, Objective obj) {
        BoundOptions options = engine.options();
        Map<Integer, Slopes> slopes = initialSlopes(obj.rows());
        slopes.keySet().removeIf(id -> id >= target);
        int total = slopes.values().stream().mapToInt(v -> v.alpha().size()).sum();
        double[] params = new double[total];
        BoundAscent.Group[] groups = new BoundAscent.Group[slopes.size()];
        int off = 0, g = 0;
        for (Slopes sv : slopes.values()) {
            double[] p = sv.alpha().data();
            System.arraycopy(p, 0, params, off, p.length);
            groups[g++] = new BoundAscent.Group(off, p.length, options.alphaLearningRate(), sv.leak(), 1);
            off += p.length;
        }
        Map<Integer, double[]> gradients = new HashMap<>();
        return BoundAscent.maximise(params, groups, (x, gradient) -> {
            int o = 0;
            for (Slopes sv : slopes.values()) {
                double[] p = sv.alpha().data();
                System.arraycopy(x, o, p, 0, p.length);
                o += p.length;
            }
            double[] value = boundAndGradient(target, obj, slopes, gradient == null ? null : gradients);
            if (gradient != null) {
                o = 0;
                for (var e : slopes.entrySet()) {
                    double[] gr = gradients.get(e.getKey());
                    System.arraycopy(gr, 0, gradient, o, gr.length);
                    o += gr.length;
                }
            }
            return value;
        }, options, false);
    }
}
