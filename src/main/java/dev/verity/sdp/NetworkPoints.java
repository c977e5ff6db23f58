package dev.verity.sdp;

import dev.verity.model.Layer;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The primal side: the best objective value found at true network points. For x in the box the lifted
 * v = [1; x; relu(…); …] gives a rank-one P = vvᵀ that satisfies every constraint of eq. 7 (given valid
 * pre-activation bounds), so c·y(x) + d is at most the SDP optimum and at most the true maximum. Search: sign
 * gradient ascent (PGD on the box) from the centre, from random points and from the gradient-sign corner.
 */
final class NetworkPoints {
    private NetworkPoints() {}

    /** The best value found and its input. */
    record Best(double value, double[] input) {}

    static Best search(SdpProblem p, int restarts, int steps, long seed) {
        double[] lo = p.inputBox().lower(), hi = p.inputBox().upper();
        int d = lo.length;
        SplittableRandom r = new SplittableRandom(seed);
        Best best = null;
        for (int s = 0; s <= restarts; s++) {
            double[] x = new double[d];
            for (int k = 0; k < d; k++) x[k] = s == 0 ? 0.5 * lo[k] + 0.5 * hi[k] : r.nextDouble() * (hi[k] - lo[k]) + lo[k];
            for (int k = 0; k < d; k++) x[k] = clip(x[k], lo[k], hi[k]);
            double step = 0.25;
            for (int it = 0; it <= steps; it++) {
                double[] g = new double[d];
                double v = valueAndGradient(p, x, g);
                if (best == null || v > best.value()) best = new Best(v, x.clone());
                if (it == 0 && s == 0) {
                    // the corner the gradient at the centre points to
                    double[] corner = new double[d];
                    for (int k = 0; k < d; k++) corner[k] = g[k] >= 0 ? hi[k] : lo[k];
                    double vc = p.value(corner);
                    if (vc > best.value()) best = new Best(vc, corner);
                }
                if (it == steps) break;
                for (int k = 0; k < d; k++) x[k] = clip(x[k] + step * (hi[k] - lo[k]) * Math.signum(g[k]), lo[k], hi[k]);
                step *= 0.93;
            }
        }
        return best;
    }

    private static double clip(double v, double lo, double hi) { return Math.min(hi, Math.max(lo, v)); }

    /** c·y(x) + d and its gradient with respect to x (backpropagation through the chain). */
    static double valueAndGradient(SdpProblem p, double[] x, double[] grad) {
        List<Layer.Dense> dense = p.chain().dense();
        int layers = dense.size();
        double[][] act = new double[layers + 1][];
        act[0] = x;
        for (int i = 0; i < layers; i++) {
            Layer.Dense l = dense.get(i);
            double[] w = l.weight().data(), b = l.bias().data(), h = act[i], z = new double[l.out()];
            for (int j = 0; j < z.length; j++) {
                double s = b[j];
                for (int k = 0; k < h.length; k++) s += w[j * h.length + k] * h[k];
                z[j] = i < layers - 1 ? Math.max(0, s) : s;
            }
            act[i + 1] = z;
        }
        double[] c = p.objective();
        double value = p.objectiveOffset();
        for (int o = 0; o < c.length; o++) value += c[o] * act[layers][o];
        double[] g = c.clone();
        for (int i = layers - 1; i >= 0; i--) {
            Layer.Dense l = dense.get(i);
            double[] w = l.weight().data(), h = act[i], back = new double[h.length];
            for (int j = 0; j < g.length; j++) {
                if (g[j] == 0) continue;
                for (int k = 0; k < h.length; k++) back[k] += g[j] * w[j * h.length + k];
            }
            if (i > 0) for (int k = 0; k < h.length; k++) if (h[k] <= 0) back[k] = 0;
            g = back;
        }
        System.arraycopy(g, 0, grad, 0, grad.length);
        return value;
    }
}
