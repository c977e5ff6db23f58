package dev.verity.bounds;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.tensor.Tensor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Outward rounding of back-substitution (sound mode, {@link BoundOptions#sound()}). Back-substitution keeps the
 * invariant {@code objective >= Λ·z + bias} for every reachable value z of the node it has reached; computed in
 * round-to-nearest, each product and sum makes the stored Λ' and bias' differ from the exact ones. Rather than rounding
 * every operation (Java has no rounding modes), the computed Λ' and bias' are taken as they are from then on and the
 * difference of each step is charged, per row, to an error term E, using a bound of the values it multiplies: the
 * interval bounds of every node ({@link IntervalOps} in outward mode), so that
 * {@code objective >= Λ'·z + bias' − E} holds in exact arithmetic. The charges are the standard a-priori bounds
 * (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, 2nd ed., eq. 3.5): a computed dot product of length n
 * is within {@code γ_n·Σ|a_i·b_i|} of the exact one, in any summation order and with or without FMA,
 * {@code γ_n = n·u/(1 − n·u)}, u = 2⁻⁵³; a single product or sum within {@code 2u} of its computed value. So a linear
 * layer {@code z = W·h + b} charges {@code γ·|Λ|·(|W|·|h|max + |b|)}, a vector per node computed once, and the cost of
 * sound mode is one matrix-vector product per layer beside back-substitution's matrix products.
 *
 * <p>The charges are themselves computed in floating point, as sums of non-negative terms, so they are within a
 * relative γ_N (below 1e-9 for any layer that fits in memory) of their exact values: each is inflated by
 * {@link #SAFETY}, and every row also gets {@link Double#MIN_NORMAL} per step against underflow.
 */
final class RoundingErrors {
    /** The unit roundoff of double. */
    static final double U = dev.verity.tensor.RoundingBounds.U;
    /** Inflation of every charge for the rounding in computing it (see the class comment). */
    static final double SAFETY = 1 + 1e-6;

    private final Network net;
    /** |W| of the network's tensors, cached (the interval propagation's). */
    private final IntervalOps ops;
    /** By node id: a bound of |value| of every element over the box (flat), from outward interval bounds. */
    private final double[][] magnitude;
    private final Map<Integer, double[]> linearCharges = new ConcurrentHashMap<>();

    /**
     * @param abs       whose {@link IntervalOps#abs} cache gives |W| (one copy per network)
     * @param intervals outward-rounded interval bounds of every node over the box (by node id, batch of one)
     */
    RoundingErrors(Network net, IntervalOps abs, List<IntervalTensor> intervals) {
        this.net = net;
        this.ops = abs;
        this.magnitude = new double[intervals.size()][];
        for (int id = 0; id < intervals.size(); id++) {
            double[] lo = intervals.get(id).lower().data(), hi = intervals.get(id).upper().data();
            double[] m = new double[lo.length];
            for (int i = 0; i < m.length; i++) m[i] = Math.max(Math.abs(lo[i]), Math.abs(hi[i]));
            magnitude[id] = m;
        }
    }

    /** γ_n of Higham's bounds, rounded up. */
    static double gamma(long n) {
        return dev.verity.tensor.RoundingBounds.gamma(n);
    }

    /**
     * The error of passing rows {@code coeff} (at linear node {@code id}: dense, conv, affine or average pool) to the
     * node's input and folding its bias: {@code err_i += Σ_j |coeff_ij|·w_j} with the node's charge vector w.
     */
    void chargeLinear(double[] err, int id, Tensor coeff) {
        addAbsDot(err, coeff, linearCharges.computeIfAbsent(id, this::linearCharge), SAFETY);
    }

    /** The charge vector of linear node {@code id} (see {@link #chargeLinear}), indexed like the node's flat output. */
    double[] linearChargeOf(int id) {
        return linearCharges.computeIfAbsent(id, this::linearCharge);
    }

    /** A bound of |value| of node {@code id}'s elements over the box (flat; do not modify). */
    double[] magnitudeOf(int id) {
        return magnitude[id];
    }

    /** {@code err_i += factor·Σ_j |coeff_ij|·|value of node id|_j}: e.g. a product or sum whose result multiplies node id. */
    void chargeMagnitude(double[] err, Tensor coeff, int id, double factor) {
        addAbsDot(err, coeff, magnitude[id], factor * SAFETY);
    }

    /** A computed product or sum {@code coeff} (one rounding per element) whose result multiplies node {@code id}. */
    void chargeRounded(double[] err, Tensor coeff, int id) {
        chargeMagnitude(err, coeff, id, 2 * U);
    }

    /**
     * The intercept sum {@code Σ_j coeff⁺_j·lo_j + coeff⁻_j·hi_j} of relaxation lines: a dot product of length n.
     * {@code lo} and {@code hi}: {@code [1, n]} or one row per coefficient row; null is zero.
     */
    void chargeIntercepts(double[] err, Tensor coeff, Tensor lo, Tensor hi) {
        int m = err.length, n = coeff.size() / m;
        double g = gamma(n) * SAFETY;
        double[] c = coeff.data();
        double[] l = lo == null ? null : lo.data(), h = hi == null ? null : hi.data();
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                double a = c[i * n + j];
                if (a == 0) continue;
                double[] v = a > 0 ? l : h;
                if (v == null) continue;
                s += Math.abs(a) * Math.abs(v[v.length == n ? j : i * n + j]);
            }
            err[i] += g * s + Double.MIN_NORMAL;
        }
    }

    /** A dot product of length n per row with constants {@code v [n, 1]}: {@code γ_n·Σ_j |coeff_ij|·|v_j|}. */
    void chargeDot(double[] err, Tensor coeff, Tensor v) {
        int n = coeff.size() / err.length;
        double[] abs = new double[n], vd = v.data();
        for (int j = 0; j < n; j++) abs[j] = Math.abs(vd[j]);
        addAbsDot(err, coeff, abs, gamma(Math.max(2, n)) * SAFETY);
    }

    /** The rounding of the sum just stored in {@code bias [m, 1]}. */
    void chargeSum(double[] err, Tensor bias) {
        double[] b = bias.data();
        for (int i = 0; i < err.length; i++) err[i] += 2 * U * Math.abs(b[i]) * SAFETY + Double.MIN_NORMAL;
    }

    /**
     * The whole error of a bound {@code result [m, 1]} (computed as {@code bias + min over the box}): the charges so far
     * plus that last sum and the subtraction of the error itself, rounded up.
     */
    double[] total(double[] err, Tensor result) {
        double[] r = result.data(), out = new double[err.length];
        for (int i = 0; i < out.length; i++) out[i] = Math.nextUp((err[i] + 4 * U * Math.abs(r[i]) + Double.MIN_NORMAL) * SAFETY);
        return out;
    }

    /** γ of a max-pool's scatter (up to kernel-size coefficients summed into one input element, each sum rounded). */
    static double scatterFactor(Layer.MaxPool2d mp) {
        return gamma(Math.max(2, 2L * mp.geometry().kernelH() * mp.geometry().kernelW()));
    }

    private double[] linearCharge(int id) {
        Node node = net.node(id);
        int src = node.inputs().getFirst();
        Node in = net.node(src);
        Tensor mag = new Tensor(magnitude[src].clone(), in.shape().withBatch(1));
        int numel = node.shape().numel();
        double[] w = switch (node.layer()) {
            case Layer.Dense d -> mag.linear(ops.abs(d.weight()), ops.abs(d.bias())).data();
            case Layer.Conv2d c -> mag.conv2d(ops.abs(c.weight()), ops.abs(c.bias()), c.geometry()).data();
            case Layer.Affine af -> mag.mul(ops.abs(af.scale())).add(ops.abs(af.shift())).data();
            case Layer.AvgPool2d ap -> mag.avgPool2d(ap.geometry()).data();
            case Layer.Input _, Layer.Relu _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _,
                    Layer.Flatten _, Layer.Reshape _, Layer.Transpose _, Layer.Pad _, Layer.Add _ ->
                    throw new IllegalArgumentException("not a linear layer with a charge: " + node.layer().describe());
        };
        double g = gamma(Math.max(2, Math.max(numel, terms(node))));
        double[] r = new double[w.length];
        for (int i = 0; i < w.length; i++) r[i] = g * w[i];
        return r;
    }

    /** The longest sum in the layer's adjoint (each input element's coefficient is a sum of at most this many products). */
    private int terms(Node node) {
        return switch (node.layer()) {
            case Layer.Dense d -> d.out();
            case Layer.Conv2d c -> c.weight().dim(0) * c.weight().dim(2) * c.weight().dim(3);
            case Layer.AvgPool2d ap -> ap.geometry().kernelH() * ap.geometry().kernelW() + 1;
            case Layer.Affine _ -> 2;
            case Layer.Input _, Layer.Relu _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _,
                    Layer.Flatten _, Layer.Reshape _, Layer.Transpose _, Layer.Pad _, Layer.Add _ -> 1;
        };
    }

    private static void addAbsDot(double[] err, Tensor coeff, double[] w, double factor) {
        int m = err.length, n = w.length;
        double[] c = coeff.data();
        if (c.length != (long) m * n) throw new IllegalArgumentException("coefficients of " + c.length + " values for " + m + " rows of " + n);
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0, o = i * n; j < n; j++) s += Math.abs(c[o + j]) * w[j];
            err[i] += factor * s + Double.MIN_NORMAL;
        }
    }
}
