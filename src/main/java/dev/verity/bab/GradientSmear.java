package dev.verity.bab;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.relax.Interval;

import java.util.Map;
import java.util.Optional;

/**
 * ReluVal's smear score (Wang et al., USENIX Security 2018, Sec. 4.3): for an objective row {@code c·f(x)}, an interval
 * enclosing its gradient {@code ∂(c·f)/∂x_j} over a box, propagated backwards by interval arithmetic — a ReLU's
 * derivative is 1 where its input is positive on the whole box, 0 where negative, and [0, 1] where the box's
 * pre-activation interval contains 0 — and the score {@code max|∂_j| × width_j}.
 *
 * <p>Why it is needed beside the final linear bound's {@code |a_j|·width_j}: a dimension can drive unstable ReLUs of the
 * hidden layers while its coefficient in the output's linear bound cancels out, and then that score never splits it
 * (ACAS Xu 3_3 prop_2: after 117,000 domains, slivers 1e-5 wide in three inputs, a quarter of the box in x_2). The
 * gradient interval takes absolute values path by path through every relaxed neuron, so such a dimension keeps a
 * large score until the neurons it drives are stable.
 *
 * <p>Only for chains of dense layers and element-wise piecewise-linear activations (the networks input splitting is
 * for); {@link #of} is empty for any other network.
 */
final class GradientSmear {
    private final Network net;

    private GradientSmear(Network net) {
        this.net = net;
    }

    /** The score for {@code net}, or empty where it is not a chain of supported layers. */
    static Optional<GradientSmear> of(Network net) {
        for (Node node : net.nodes()) {
            if (node.inputs().size() > 1) return Optional.empty();
            boolean supported = switch (node.layer()) {
                case Layer.Input _, Layer.Dense _, Layer.Relu _, Layer.LeakyRelu _, Layer.Flatten _, Layer.Reshape _,
                        Layer.Affine _ -> true;
                case Layer.Conv2d _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _,
                        Layer.Transpose _, Layer.Pad _, Layer.Add _ -> false;
            };
            if (!supported) return Optional.empty();
        }
        for (int id = 1; id < net.nodes().size(); id++) if (net.node(id).inputs().getFirst() != id - 1) return Optional.empty();
        return Optional.of(new GradientSmear(net));
    }

    /**
     * Adds to {@code score[j]} the smear {@code max|∂_j (c·f)| × (hi_j − lo_j)} of the row {@code c} (over the outputs)
     * on the box {@code [lo, hi]}, given the pre-activation bounds {@code pre} of every activation's input node.
     */
    void addScore(double[] c, Map<Integer, Interval> pre, double[] lo, double[] hi, double[] score) {
        double[] gl = c.clone(), gu = c.clone(); // the gradient's interval at the current node's output
        for (int id = net.nodes().size() - 1; id > 0; id--) {
            Node node = net.node(id);
            switch (node.layer()) {
                case Layer.Dense d -> { // g_in = Wᵀ g_out, interval arithmetic
                    int in = d.in(), out = d.out();
                    double[] w = d.weight().data(), nl = new double[in], nu = new double[in];
                    for (int o = 0; o < out; o++) {
                        double a = gl[o], b = gu[o];
                        if (a == 0 && b == 0) continue;
                        for (int i = 0; i < in; i++) {
                            double wv = w[o * in + i];
                            if (wv >= 0) { nl[i] += wv * a; nu[i] += wv * b; } else { nl[i] += wv * b; nu[i] += wv * a; }
                        }
                    }
                    gl = nl;
                    gu = nu;
                }
                case Layer.Relu _ -> activation(pre.get(node.inputs().getFirst()), 0, gl, gu);
                case Layer.LeakyRelu l -> activation(pre.get(node.inputs().getFirst()), l.alpha(), gl, gu);
                case Layer.Affine a -> { // element-wise scale
                    double[] s = a.scale().data();
                    for (int i = 0; i < gl.length; i++) {
                        double x = s[i] * gl[i], y = s[i] * gu[i];
                        gl[i] = Math.min(x, y);
                        gu[i] = Math.max(x, y);
                    }
                }
                case Layer.Flatten _, Layer.Reshape _ -> { } // same values in the same order
                case Layer.Input _, Layer.Conv2d _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _,
                        Layer.Transpose _, Layer.Pad _, Layer.Add _ -> throw new IllegalStateException("unsupported " + node.layer().describe());
            }
        }
        for (int j = 0; j < lo.length; j++) score[j] += Math.max(Math.abs(gl[j]), Math.abs(gu[j])) * (hi[j] - lo[j]);
    }

    /**
     * Multiplies the interval {@code [gl, gu]} by the activation's derivative over {@code in}: its slope where the input
     * keeps one sign, the hull of {leak, 1} where it may cross 0 (no bounds known: the same).
     */
    private static void activation(Interval in, double leak, double[] gl, double[] gu) {
        for (int i = 0; i < gl.length; i++) {
            double lower = in == null ? Double.NEGATIVE_INFINITY : in.lower(i), upper = in == null ? Double.POSITIVE_INFINITY : in.upper(i);
            if (lower >= 0) continue;
            if (upper <= 0) { gl[i] *= leak; gu[i] *= leak; continue; }
            // d ∈ [min(leak, 1), max(leak, 1)]: the product's interval is spanned by the four end products
            double d0 = Math.min(leak, 1), d1 = Math.max(leak, 1);
            double a = gl[i] * d0, b = gl[i] * d1, c = gu[i] * d0, e = gu[i] * d1;
            gl[i] = Math.min(Math.min(a, b), Math.min(c, e));
            gu[i] = Math.max(Math.max(a, b), Math.max(c, e));
        }
    }
}
