package dev.verity.bounds;

import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import dev.verity.tensor.Var;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Reachable points of a network over a box, to test bounds against: uniform samples, box corners and
 * PGD-optimised points (signed gradient steps through the autodiff {@link Tape}, projected onto the box),
 * and the checks that every such point's objective values and intermediate values lie in the bounds.
 */
final class Probe {
    private Probe() {}

    /** Relative slack of a bound comparison: rounding of the engine's sums, nothing more. */
    static final double RELATIVE = 1e-9;

    static double slack(double bound) {
        return RELATIVE * (1 + Math.abs(bound));
    }

    /** {@code count} points (row-major {@code [count, n]}): the first {@code corners} random box corners, then uniform points. */
    static double[] points(Interval box, int count, int corners, SplittableRandom r) {
        int n = box.size();
        double[] x = new double[count * n];
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < n; i++) {
                double l = box.lower(i), u = box.upper(i);
                x[p * n + i] = p < corners ? (r.nextBoolean() ? l : u) : Math.min(u, l + r.nextDouble() * (u - l));
            }
        }
        return x;
    }

    /** Every node's value for a batch of points (row-major {@code [count, n]}), by node id. */
    static List<Tensor> values(Network net, double[] x, int count) {
        return Forward.runAll(net, TensorOps.INSTANCE, new Tensor(x, net.inputShape().withBatch(count)));
    }

    /**
     * PGD on every objective row in both directions: returns {@code [rows][2]} with the smallest and the
     * largest value of {@code c_i·y + d_i} seen over all iterates (signed steps, decaying step size), from
     * the box centre and {@code starts - 1} random points per row and direction.
     */
    static double[][] pgd(Network net, Interval box, Objective obj, int starts, int steps, SplittableRandom r) {
        int n = box.size(), outs = obj.outputs(), m = obj.rows(), batch = 2 * m * starts;
        double[] c = obj.c().data(), d = obj.d();
        double[] x = new double[batch * n], weights = new double[batch * outs];
        int[] row = new int[batch];
        double[] sign = new double[batch];
        for (int b = 0; b < batch; b++) {
            row[b] = b / (2 * starts);
            sign[b] = (b / starts) % 2 == 0 ? 1 : -1; // +1: maximise, -1: minimise
            boolean centre = b % starts == 0;
            for (int i = 0; i < n; i++) {
                double l = box.lower(i), u = box.upper(i);
                x[b * n + i] = centre ? 0.5 * (l + u) : Math.min(u, l + r.nextDouble() * (u - l));
            }
            for (int j = 0; j < outs; j++) weights[b * outs + j] = sign[b] * c[row[b] * outs + j];
        }
        double[][] best = new double[m][];
        for (int i = 0; i < m; i++) best[i] = new double[]{Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        Tensor w = new Tensor(weights, batch, outs);
        for (int t = 0; t <= steps; t++) {
            Tape tape = new Tape();
            Var xv = tape.variable(new Tensor(x.clone(), net.inputShape().withBatch(batch)));
            Var y = tape.reshape(Forward.run(net, tape, xv), batch, outs);
            double[] yv = y.value().data();
            for (int b = 0; b < batch; b++) {
                double v = d[row[b]];
                for (int j = 0; j < outs; j++) v += c[row[b] * outs + j] * yv[b * outs + j];
                best[row[b]][0] = Math.min(best[row[b]][0], v);
                best[row[b]][1] = Math.max(best[row[b]][1], v);
            }
            if (t == steps) break;
            tape.backward(tape.sum(tape.mul(y, tape.constant(w))));
            double[] g = xv.grad().data();
            double frac = 0.25 * (1 - (double) t / steps) + 0.005;
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < n; i++) {
                    int k = b * n + i;
                    double l = box.lower(i), u = box.upper(i);
                    x[k] = Math.max(l, Math.min(u, x[k] + frac * (u - l) * Math.signum(g[k])));
                }
            }
        }
        return best;
    }

    /**
     * Everything wrong with {@code result}: an objective value of a sampled or PGD point outside
     * [lower, upper], an intermediate value outside its bounds, or a non-finite or crossed bound.
     */
    static List<String> violations(Network net, Interval box, Objective obj, BoundResult result, long seed) {
        List<String> out = new ArrayList<>();
        int m = obj.rows(), outs = obj.outputs();
        double[] lower = result.lower(), upper = result.upper();
        for (int i = 0; i < m; i++) {
            if (!Double.isFinite(lower[i]) || !Double.isFinite(upper[i]) || lower[i] > upper[i] + slack(upper[i]))
                out.add("row " + i + ": bad bounds [" + lower[i] + ", " + upper[i] + "]");
        }
        SplittableRandom r = new SplittableRandom(seed);
        int count = 1000;
        double[] x = points(box, count, 200, r);
        List<Tensor> values = values(net, x, count);
        double[] y = values.getLast().data();
        double[] c = obj.c().data(), d = obj.d();
        double[] min = new double[m], max = new double[m];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < m; i++) {
                double v = d[i];
                for (int j = 0; j < outs; j++) v += c[i * outs + j] * y[p * outs + j];
                min[i] = Math.min(min[i], v);
                max[i] = Math.max(max[i], v);
            }
        }
        double[][] attacked = pgd(net, box, obj, 3, 40, r);
        for (int i = 0; i < m; i++) {
            check(out, "row " + i + " sampled", min[i], max[i], lower[i], upper[i]);
            check(out, "row " + i + " PGD", attacked[i][0], attacked[i][1], lower[i], upper[i]);
        }
        for (Map.Entry<Integer, Interval> e : result.intermediate().entrySet()) {
            Interval b = e.getValue();
            double[] v = values.get(e.getKey()).data();
            int n = b.size();
            for (int j = 0; j < n; j++) {
                double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
                for (int p = 0; p < count; p++) {
                    lo = Math.min(lo, v[p * n + j]);
                    hi = Math.max(hi, v[p * n + j]);
                }
                check(out, "intermediate node " + e.getKey() + " (" + net.node(e.getKey()).layer().describe() + ") neuron " + j, lo, hi, b.lower(j), b.upper(j));
            }
        }
        return out;
    }

    private static void check(List<String> out, String what, double seenMin, double seenMax, double lower, double upper) {
        if (seenMin < lower - slack(lower)) out.add(what + ": reached " + seenMin + " below the lower bound " + lower);
        if (seenMax > upper + slack(upper)) out.add(what + ": reached " + seenMax + " above the upper bound " + upper);
    }
}
