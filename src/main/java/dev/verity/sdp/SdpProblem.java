package dev.verity.sdp;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.relax.Interval;

import java.util.ArrayList;
import java.util.List;

/**
 * The SDP relaxation of paper 002 (eq. 7, with biases) of {@code max c·y + d} over a ReLU chain and an input box,
 * in structured form: nothing of size n² is stored.
 *
 * <p><b>Coordinates.</b> The lifted vector is v = [1; x⁰; x¹; …; x^L] (x^i the post-ReLU values of hidden layer i,
 * {@link ReluChain}). Every coordinate is centred and scaled to its box: x = c + r·x̃ with c the box centre and
 * r ≥ its half-width, so the box constraint (d), (x − l)(u − x) ≥ 0, becomes x̃² ≤ 1, i.e. {@code P̃_kk ≤ P̃_00}.
 * The map v ↦ ṽ is affine and invertible, so P ↦ T P Tᵀ maps the feasible set of eq. 7 onto that of the centred
 * problem and the optimum is unchanged; each of eq. 7's constraints is a bilinear form aᵀPb whose coefficient
 * vectors simply transform as a ↦ T⁻ᵀa (so its multiplier means the same in both coordinates). What it buys: the
 * trace of every feasible P̃ is at most n (the dimension), the box multipliers are diagonal shifts of the dual
 * matrix at unit cost, and all coordinates have the same scale. A coordinate whose box is a point (r = 0: an
 * inactive ReLU, a zero-width input) equals c·1 in every feasible P (by (d) and the 2×2 minors) and is dropped,
 * its value going into the constants. The radius is rounded up, so the boxes used contain the given ones.
 *
 * <p><b>Constraints</b> (paper 002 eq. 7), for neuron j of hidden layer i with post-activation
 * q_j(v) = c_j + r_j x̃_j and pre-activation p_j(v) = b̃_j + W̃_j x̃^{i−1} (W̃ = W·diag(r^{i−1}),
 * b̃ = b + W c^{i−1}), writing g_j = q_j − p_j:
 * (a) ⟨e₀, P q_j⟩ ≥ 0; (b) ⟨e₀, P g_j⟩ ≥ 0; (c) q_jᵀ P g_j = 0, i.e. diag(P[x^i x^iᵀ]) = diag(W P[x^{i−1} x^iᵀ]) + b ⊙ P[x^i];
 * (d) P_kk ≤ P_00 for every kept coordinate; and P_00 = 1, P ⪰ 0; and (e) ⟨e₀, P κ_j⟩ ≥ 0 with κ_j = s_j p_j + e_j − q_j,
 * the ReLU's upper line over its pre-activation bounds ({@link Cut}). (e) is not in eq. 7: it adds the LP's
 * triangle to the SDP, so that the relaxation is at least as tight as the triangle LP over the same bounds and a
 * CROWN bound is a dual point of it ({@link DualOperator#linearPoint}), which the solver certifies first: its
 * bound is never above CROWN's. The objective is ⟨e₀, P o⟩ with o(v) = c·(W_{L+1} x^L + b_{L+1}) + d. An inactive neuron keeps only (b), which reads p_j ≤ 0.
 */
public final class SdpProblem {
    /** One block of v: the input or a hidden layer's post-activations, over its original coordinates. */
    record Block(int offset, int[] kept, int[] position, double[] centre, double[] radius) {
        int size() { return kept.length; }
        int width() { return centre.length; }
    }

    /**
     * Hidden layer i: pre-activation p = W̃ x̃^{in} + b̃ of its {@code out.width()} neurons. {@code btAbs} is
     * |b| + |W|·|c^{in}|, the sum of the absolute terms of b̃ (for the rounding bounds of {@link DualOperator}).
     */
    record Map(Block in, Block out, double[] w, double[] b, double[] wt, double[] bt, double[] btAbs, Cut cut) {
        int rows() { return out.width(); }
        int cols() { return in.size(); }
    }

    /**
     * The upper line of each neuron's ReLU over its pre-activation bounds [l, u], q ≤ s·p + e (constraint (e), the
     * LP's "triangle" cut; paper 000 eq. 5, and the SDP + linear cuts of Batten et al. 2021): s = u/(u − l),
     * e = −s·l for an unstable neuron, s = 1, e = 0 for an active one (q ≤ p), none (s = e = 0, a void constraint)
     * for an inactive one. e carries a slack of a few roundings so that the computed line lies above the exact one on
     * [l, u]: the constraint is valid for every reachable point, which is all its multiplier needs. {@code lower} and
     * {@code upper} are the pre-activation bounds (for the choice of lower line in {@link DualOperator#linearPoint}).
     */
    record Cut(double[] slope, double[] intercept, double[] lower, double[] upper) {
        static Cut of(Interval pre) {
            int rows = pre.size();
            double[] s = new double[rows], e = new double[rows], lo = new double[rows], hi = new double[rows];
            for (int j = 0; j < rows; j++) {
                double l = pre.lower(j), u = pre.upper(j);
                lo[j] = l;
                hi[j] = u;
                if (u <= 0) continue;
                if (l >= 0) {
                    s[j] = 1;
                    continue;
                }
                s[j] = u / (u - l);
                // exact line: s*·(p − l); |s − s*| ≤ 2 ulp(s) (two roundings), so over p ∈ [l, u] the computed line is
                // below the exact one by at most 2 ulp(s)·(|p| + |l|) plus the rounding of s·l: cover 8 ulps of s·max
                double m = Math.max(-l, u);
                e[j] = Math.nextUp(-s[j] * l + 8 * Math.ulp(s[j]) * m + 4 * Math.ulp(s[j] * m));
            }
            return new Cut(s, e, lo, hi);
        }
    }

    private final ReluChain chain;
    private final List<Block> blocks;
    private final List<Map> maps;
    private final int n;
    private final double[] c;
    private final double d;
    /** Objective: o(ṽ) = o0 + oLast·x̃^L, with the absolute-term sums of each coefficient. */
    private final double o0, o0Abs;
    private final double[] oLast, oLastAbs;
    /** Upper bound on the floating-point operations behind any entry of the dual matrix's first row. */
    private final long rowOps;

    private SdpProblem(ReluChain chain, List<Block> blocks, List<Map> maps, double[] c, double d) {
        this.chain = chain;
        this.blocks = List.copyOf(blocks);
        this.maps = List.copyOf(maps);
        Block last = blocks.getLast();
        this.n = last.offset() + last.size();
        this.c = c.clone();
        this.d = d;
        Layer.Dense out = chain.dense().getLast();
        int outs = out.out(), width = last.width();
        double[] wo = out.weight().data(), bo = out.bias().data();
        double s = d, sAbs = Math.abs(d);
        double[] w = new double[width], wAbs = new double[width];
        for (int o = 0; o < outs; o++) {
            if (c[o] == 0) continue;
            s += c[o] * bo[o];
            sAbs += Math.abs(c[o] * bo[o]);
            for (int j = 0; j < width; j++) {
                w[j] += c[o] * wo[o * width + j];
                wAbs[j] += Math.abs(c[o] * wo[o * width + j]);
            }
        }
        oLast = new double[last.size()];
        oLastAbs = new double[last.size()];
        for (int j = 0; j < width; j++) {
            s += w[j] * last.centre()[j];
            sAbs += wAbs[j] * Math.abs(last.centre()[j]);
            int k = last.position()[j];
            if (k >= 0) {
                oLast[k] = w[j] * last.radius()[j];
                oLastAbs[k] = wAbs[j] * last.radius()[j];
            }
        }
        o0 = s;
        o0Abs = sAbs;
        long ops = n + (long) outs * (width + 2);
        // per neuron: its (b), (c) and (e) terms reach the previous block's entries and the first one
        for (Map m : maps) ops += 2L * m.rows() * (m.in().width() + 6);
        rowOps = 8 * ops + 64;
    }

    /**
     * The relaxation of {@code max c·y + d} over {@code inputBox} with the given pre-activation bounds, one
     * interval per hidden (ReLU) layer in order (e.g. CROWN's or IBP's intermediate bounds; they must be valid:
     * the relaxation is sound only if every reachable pre-activation lies in them).
     *
     * @throws dev.verity.InvalidInputException naming the first layer the SDP does not cover
     */
    public static SdpProblem of(Network net, Interval inputBox, List<Interval> preActivationBounds, double[] c, double d) {
        ReluChain chain = ReluChain.of(net, inputBox);
        if (preActivationBounds.size() != chain.hiddenLayers())
            throw new IllegalArgumentException("the network has " + chain.hiddenLayers() + " hidden ReLU layers, got bounds for " + preActivationBounds.size());
        if (c.length != chain.dense().getLast().out())
            throw new IllegalArgumentException("objective over " + c.length + " outputs, the network has " + chain.dense().getLast().out());
        if (!Double.isFinite(d)) throw new IllegalArgumentException("objective offset is not finite");
        for (double v : c) if (!Double.isFinite(v)) throw new IllegalArgumentException("objective coefficient is not finite");
        List<Block> blocks = new ArrayList<>();
        Block in = block(1, chain.box().lower(), chain.box().upper(), "input box");
        blocks.add(in);
        List<Map> maps = new ArrayList<>();
        for (int i = 0; i < chain.hiddenLayers(); i++) {
            Layer.Dense dense = chain.dense().get(i);
            Interval pre = preActivationBounds.get(i);
            if (pre.size() != dense.out())
                throw new IllegalArgumentException("bounds of hidden layer " + (i + 1) + " have " + pre.size() + " entries, the layer " + dense.out());
            double[] lo = new double[pre.size()], hi = new double[pre.size()];
            for (int j = 0; j < lo.length; j++) {
                lo[j] = Math.max(0, pre.lower(j));
                hi[j] = Math.max(0, pre.upper(j));
            }
            Block out = block(in.offset() + in.size(), lo, hi, "bounds of hidden layer " + (i + 1));
            // relu(l) ≤ relu(u) holds even for l > u; an empty pre-activation interval is still an error
            for (int j = 0; j < lo.length; j++)
                if (!(pre.lower(j) <= pre.upper(j))) throw new IllegalArgumentException("bounds of hidden layer " + (i + 1) + " are empty at neuron " + j);
            maps.add(map(dense, in, out, Cut.of(pre)));
            blocks.add(out);
            in = out;
        }
        return new SdpProblem(chain, blocks, maps, c, d);
    }

    /**
     * Why the SDP does not cover this network (naming the first layer it cannot take), or empty when it does: a chain
     * of Dense layers with a ReLU between consecutive ones, optionally after element-wise affine layers.
     */
    public static java.util.Optional<String> uncovered(Network net) {
        try {
            structure(net);
            return java.util.Optional.empty();
        } catch (dev.verity.InvalidInputException e) {
            return java.util.Optional.of(e.getMessage());
        }
    }

    /**
     * The dimension n of the lifted matrix when every input and hidden coordinate is kept (1 + inputs + hidden
     * neurons): what certification factorises densely, O(n³) time and n² memory.
     */
    public static int fullDimension(Network net) {
        ReluChain chain = structure(net);
        int n = 1 + net.inputShape().numel();
        for (int i = 0; i < chain.hiddenLayers(); i++) n += chain.dense().get(i).out();
        return n;
    }

    /** Number of hidden ReLU layers of a network the SDP covers. */
    public static int hiddenLayers(Network net) {
        return structure(net).hiddenLayers();
    }

    /** The network's ReLU chain over a point box: its layers, for the questions above that do not depend on a box. */
    private static ReluChain structure(Network net) {
        double[] zero = new double[net.inputShape().numel()];
        return ReluChain.of(net, new Interval(zero, zero));
    }

    private static Block block(int offset, double[] lo, double[] hi, String what) {
        int w = lo.length;
        double[] centre = new double[w], radius = new double[w];
        int[] position = new int[w];
        int kept = 0;
        for (int j = 0; j < w; j++) {
            if (!Double.isFinite(lo[j]) || !Double.isFinite(hi[j]) || lo[j] > hi[j])
                throw new IllegalArgumentException(what + " is not a finite non-empty box at " + j + ": [" + lo[j] + ", " + hi[j] + "]");
            if (lo[j] == hi[j]) {
                centre[j] = lo[j];
                position[j] = -1;
                continue;
            }
            centre[j] = 0.5 * lo[j] + 0.5 * hi[j];
            // nextUp of a rounded difference is at least the exact one: [lo, hi] ⊆ [c − r, c + r]
            radius[j] = Math.max(Math.nextUp(hi[j] - centre[j]), Math.nextUp(centre[j] - lo[j]));
            position[j] = kept++;
        }
        int[] keptIdx = new int[kept];
        for (int j = 0; j < w; j++) if (position[j] >= 0) keptIdx[position[j]] = j;
        return new Block(offset, keptIdx, position, centre, radius);
    }

    private static Map map(Layer.Dense dense, Block in, Block out, Cut cut) {
        int rows = dense.out(), width = dense.in(), cols = in.size();
        double[] w = dense.weight().data(), b = dense.bias().data();
        double[] wt = new double[rows * cols], bt = new double[rows], btAbs = new double[rows];
        for (int j = 0; j < rows; j++) {
            double s = b[j], sa = Math.abs(b[j]);
            for (int k = 0; k < width; k++) {
                double wjk = w[j * width + k];
                s += wjk * in.centre()[k];
                sa += Math.abs(wjk * in.centre()[k]);
                int p = in.position()[k];
                if (p >= 0) wt[j * cols + p] = wjk * in.radius()[k];
            }
            bt[j] = s;
            btAbs[j] = sa;
        }
        return new Map(in, out, w, b, wt, bt, btAbs, cut);
    }

    /** Dimension of the lifted matrix P (1 + kept input and hidden coordinates). */
    public int dimension() { return n; }

    /** Number of hidden ReLU layers. */
    public int hiddenLayers() { return maps.size(); }

    /** The objective coefficients over the network outputs. */
    public double[] objective() { return c.clone(); }

    public double objectiveOffset() { return d; }

    /** The input box the first Dense reads (after any affine prefix). */
    public Interval inputBox() { return chain.box(); }

    List<Block> blocks() { return blocks; }

    List<Map> maps() { return maps; }

    ReluChain chain() { return chain; }

    double o0() { return o0; }

    double o0Abs() { return o0Abs; }

    double[] oLast() { return oLast; }

    double[] oLastAbs() { return oLastAbs; }

    long rowOps() { return rowOps; }

    /**
     * The interval bound of the objective over the last hidden layer's box, o0 + Σ|o_k|: the value of the dual
     * point {@link DualOperator#intervalPoint} and so an upper bound on the SDP optimum (the SDP's P[x^L] lies in
     * that box).
     */
    public double intervalBound() {
        double s = o0;
        for (double v : oLast) s += Math.abs(v);
        return s;
    }

    /**
     * {@link #intervalBound()} rounded so that it bounds the exact value (real arithmetic on the network's doubles):
     * o0 and each o_k carry at most γ_K of their terms' absolute sums ({@link #rowOps} bounds K), and the final
     * sum at most γ_n of its terms; both errors are added, doubled, and the result rounded up. It bounds the objective
     * over every input in the box (each last-layer value lies in its box), so it is a valid upper bound on its own.
     */
    public double rigorousIntervalBound() {
        double s = o0, abs = o0Abs + Math.abs(o0);
        for (int k = 0; k < oLast.length; k++) {
            s += Math.abs(oLast[k]);
            abs += oLastAbs[k] + Math.abs(oLast[k]);
        }
        double err = 2 * dev.verity.tensor.RoundingBounds.gamma(rowOps + n) * abs;
        return Math.nextUp(Math.nextUp(s) + Math.nextUp(err));
    }

    /** The objective c·y + d at the network's output for an input x (after the affine prefix), in double. */
    double value(double[] x) {
        double[] h = x;
        List<Layer.Dense> dense = chain.dense();
        for (int i = 0; i < dense.size(); i++) {
            Layer.Dense l = dense.get(i);
            double[] w = l.weight().data(), b = l.bias().data(), z = new double[l.out()];
            for (int j = 0; j < z.length; j++) {
                double s = b[j];
                for (int k = 0; k < h.length; k++) s += w[j * h.length + k] * h[k];
                z[j] = i < dense.size() - 1 ? Math.max(0, s) : s;
            }
            h = z;
        }
        double s = d;
        for (int o = 0; o < h.length; o++) s += c[o] * h[o];
        return s;
    }
}
