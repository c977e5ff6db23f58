package dev.verity.check;

import java.util.List;

/**
 * The checker's own bounds on one input box: interval arithmetic and CROWN's back-substitution (Zhang et al. 2018;
 * the layer-wise dual of the LP relaxation, paper 002), both with every rounding error bounded ({@link RigorousSum}),
 * so each bound is certainly valid for the exact network the weights define. It shares no code with the bound
 * engine: it is the second opinion.
 *
 * <p>The dual multipliers are CROWN's: a coefficient λ on {@code h = relu(z)}, {@code z ∈ [l, u]} with l < 0 < u, is
 * carried to z by the lower line {@code h ≥ a·z} (a = 1 if u > −l, else 0) when λ ≥ 0 and by the chord
 * {@code h ≤ s·(z − l)}, s rounded up from u / (u − l) (so the line stays above the ReLU), when λ < 0. A max-pooling
 * step is bounded by interval arithmetic only (back-substitution through it is not supported yet).
 *
 * <p>Which intermediate bounds. CROWN's final bound is not monotone in the intermediate bounds (a tighter interval
 * can flip a neuron's adaptive slope and lose elsewhere, paper 003 Sec. 4), so a checker that tightens more than the
 * prover did may end lower than the prover's claim. The checker therefore follows the prover's procedure ("pure"
 * CROWN, the default of the bound engine): block 1 by interval arithmetic when it holds at most one mixing map (then
 * exact); any other block by back-substituting every neuron, or, below an enclosing box whose bounds are handed down,
 * only the neurons those leave unstable (the others keep interval arithmetic's bounds), then intersected with the
 * handed-down bounds (an element where the two cross keeps its own).
 */
final class RigorousCrown {
    private final ReluChain net;
    private final double[] inLo, inHi;
    /** {@code lower[k], upper[k]}: bounds of block k's output, k = 1..L (index 0 unused). */
    private final double[][] lower, upper;
    /** Interval arithmetic from the box alone: {@code ibpLo[k][s]} bounds the output of step s of block k. */
    private final double[][][] ibpLo, ibpHi;

    /**
     * Bounds every block over {@code [lo, hi]}; {@code knownLower/Upper} (null, or null entries) are bounds of blocks
     * 1..L−1 from an enclosing box.
     */
    RigorousCrown(ReluChain net, double[] lo, double[] hi, double[][] knownLower, double[][] knownUpper) {
        this(net, lo, hi, knownLower, knownUpper, 0, List.of(), List.of());
    }

    /** Back-substitution choices {@code duals} that bound neuron {@code neuron} of block {@code block} (its upper bound if {@code upper}). */
    record Tightening(int block, int neuron, boolean upper, Duals duals) { }

    /** A neuron split on the path to a domain: block {@code block}'s output {@code neuron} is ≥ 0 if active, else ≤ 0. */
    record Clamp(int block, int neuron, boolean active) { }

    /**
     * The dual choices of one back-substitution: {@code alpha[k][i]} the lower slope of neuron i of block k (NaN, or a
     * null array: CROWN's adaptive one) and {@code shift[k][i]} the term {@code s·β} a split constraint adds to the
     * coefficient of that pre-activation (s = −1 for z ≥ 0, +1 for z ≤ 0; null: none).
     */
    record Duals(double[][] alpha, double[][] shift) {
        static final Duals CROWN = new Duals(null, null);
    }

    /** Whether a path split contradicts the domain's bounds (an active neuron with upper bound < 0, or the reverse). */
    private boolean contradicts;

    /**
     * Bounds every block over {@code [lo, hi]} restricted by the path's neuron splits {@code clamps}: blocks up to
     * {@code unchangedThrough} keep the handed-down bounds (a neuron split below leaves them as they were, as the
     * prover does), the later ones are recomputed as above, then tightened by {@code tighten} (a bound with other slopes
     * replaces CROWN's where better); each block's split neurons are clamped to their side before the next block is
     * bounded.
     */
    RigorousCrown(ReluChain net, double[] lo, double[] hi, double[][] knownLower, double[][] knownUpper, int unchangedThrough,
                  List<Clamp> clamps, List<Tightening> tighten) {
        this.net = net;
        this.inLo = lo.clone();
        this.inHi = hi.clone();
        int layers = net.layers();
        lower = new double[layers + 1][];
        upper = new double[layers + 1][];
        ibpLo = new double[layers + 1][][];
        ibpHi = new double[layers + 1][][];
        for (int k = 1; k <= layers; k++) interval(k);
        for (int k = 1; k < layers; k++) {
            int n = net.size(k);
            double[] kl = knownLower == null ? null : knownLower[k], ku = knownUpper == null ? null : knownUpper[k];
            if (k <= unchangedThrough && kl != null) {
                lower[k] = kl.clone();
                upper[k] = ku.clone();
                clamp(k, clamps);
                continue;
            }
            lower[k] = ibpLo[k][ibpLo[k].length - 1].clone();
            upper[k] = ibpHi[k][ibpHi[k].length - 1].clone();
            if (!exactByIntervals(k)) {
                for (int i = 0; i < n; i++) {
                    if (kl != null && !(kl[i] < 0 && ku[i] > 0)) continue; // decided above: interval arithmetic's bounds
                    double[] e = new double[n];
                    e[i] = 1;
                    double l = rowLower(k, e, 0);
                    e[i] = -1;
                    double u = -rowLower(k, e, 0);
                    if (l != Double.NEGATIVE_INFINITY) lower[k][i] = l; // −∞: not back-substitutable (max pooling)
                    if (u != Double.POSITIVE_INFINITY) upper[k][i] = u;
                }
            }
            if (kl != null) {
                for (int i = 0; i < n; i++) {
                    double l = Math.max(lower[k][i], kl[i]), u = Math.min(upper[k][i], ku[i]);
                    if (l <= u) { lower[k][i] = l; upper[k][i] = u; }
                }
            }
            for (Tightening t : tighten) {
                if (t.block() != k) continue;
                double[] e = new double[n];
                e[t.neuron()] = t.upper() ? -1 : 1;
                double v = rowLower(k, e, 0, t.duals());
                if (t.upper()) upper[k][t.neuron()] = Math.min(upper[k][t.neuron()], -v);
                else lower[k][t.neuron()] = Math.max(lower[k][t.neuron()], v);
            }
            clamp(k, clamps);
        }
        lower[layers] = ibpLo[layers][ibpLo[layers].length - 1];
        upper[layers] = ibpHi[layers][ibpHi[layers].length - 1];
    }

    private void clamp(int k, List<Clamp> clamps) {
        for (Clamp c : clamps) {
            if (c.block() != k) continue;
            int i = c.neuron();
            if (c.active()) {
                contradicts |= upper[k][i] < 0;
                lower[k][i] = Math.max(lower[k][i], 0);
                upper[k][i] = Math.max(upper[k][i], 0);
            } else {
                contradicts |= lower[k][i] > 0;
                lower[k][i] = Math.min(lower[k][i], 0);
                upper[k][i] = Math.min(upper[k][i], 0);
            }
        }
    }

    /** Whether the domain is empty by these bounds: a path split's neuron certainly has the other sign. */
    boolean contradicts() { return contradicts; }

    double[] lower(int k) { return lower[k].clone(); }

    /** The number of blocks; {@code lower(layers())} bounds the network's output. */
    int layers() { return net.layers(); }

    double[] upper(int k) { return upper[k].clone(); }

    /** Block 1 with at most one map that mixes inputs: interval arithmetic is exact there, and the prover uses it alone. */
    private boolean exactByIntervals(int k) {
        if (k != 1) return false;
        int mixing = 0;
        for (ReluChain.Step s : net.blocks().getFirst()) {
            switch (s) {
                case ReluChain.Sparse sp -> { if (sp.mixing()) mixing++; }
                case ReluChain.Max _ -> mixing += 2;
            }
        }
        return mixing <= 1;
    }

    /**
     * A number certainly at most {@code min c·y + d} over the box: the best of CROWN, interval arithmetic on y, and
     * interval arithmetic with the row folded into the last linear map ({@code (Wᵀc)·v + c·b + d} over the interval
     * of that map's input v, as the engine's IBP bounds a specification).
     */
    double outputRowLower(double[] c, double d) {
        return outputRowLower(c, d, Duals.CROWN);
    }

    /** As {@link #outputRowLower(double[], double)}, back-substituting with the dual choices {@code duals}. */
    double outputRowLower(double[] c, double d, Duals duals) {
        int layers = net.layers();
        RigorousSum box = new RigorousSum().add(d);
        for (int j = 0; j < c.length; j++) {
            if (c[j] == 0) continue;
            box.addProduct(c[j], c[j] > 0 ? lower[layers][j] : upper[layers][j]);
        }
        return Math.max(Math.max(box.lower(), folded(c, d)), rowLower(layers, c, d, duals));
    }

    private double folded(double[] c, double d) {
        int layers = net.layers();
        List<ReluChain.Step> steps = net.blocks().get(layers - 1);
        int s = steps.size() - 1;
        if (!(steps.get(s) instanceof ReluChain.Sparse sp)) return Double.NEGATIVE_INFINITY;
        int m = sp.in();
        double[] vLo = new double[m], vHi = new double[m];
        for (int i = 0; i < m; i++) {
            if (s > 0) { vLo[i] = ibpLo[layers][s - 1][i]; vHi[i] = ibpHi[layers][s - 1][i]; }
            else if (layers == 1) { vLo[i] = inLo[i]; vHi[i] = inHi[i]; }
            else {
                int prev = layers - 1, last = ibpLo[prev].length - 1;
                vLo[i] = Math.max(Math.max(lower[prev][i], ibpLo[prev][last][i]), 0);
                vHi[i] = Math.max(Math.min(upper[prev][i], ibpHi[prev][last][i]), 0);
            }
        }
        RigorousSum acc = new RigorousSum().add(d);
        Adjoint a = adjoint(sp, c, acc);
        for (int i = 0; i < m; i++) {
            acc.addProduct(a.g()[i], a.g()[i] >= 0 ? vLo[i] : vHi[i]);
            acc.addError(Math.nextUp(a.eps()[i] * Math.max(Math.abs(vLo[i]), Math.abs(vHi[i]))));
        }
        return acc.lower();
    }

    /**
     * CROWN's adaptive lower slope: 1 when u > −l, 0 otherwise. The prover breaks a tie (u = −l, common in networks with
     * neuron pairs z, −z) towards 0; the checker's bounds are the prover's rounded outwards by a few ulps, which would
     * turn such a tie either way and change the line, so |u + l| within 1e-12 of the bounds counts as a tie here. Any
     * slope in [0, 1] is sound: this only keeps the checker on the prover's lines.
     */
    static boolean adaptiveSlopeIsOne(double l, double u) {
        return u + l > 1e-12 * Math.max(u, -l);
    }

    /** {@code g = Wᵀλ} with a rigorous error bound per entry, {@code |fl(g_i) − g_i| ≤ eps_i}. */
    private record Adjoint(double[] g, double[] eps) { }

    /**
     * Moves the coefficients λ on a linear step's output to its input: adds {@code λ·bias} to {@code acc} and returns
     * {@code Wᵀλ}, each entry off by at most γ(n+1)·Σ|w·λ| (the products and the sum, Higham Thm 3.1) plus underflow.
     */
    private static Adjoint adjoint(ReluChain.Sparse sp, double[] lambda, RigorousSum acc) {
        int n = sp.out(), m = sp.in();
        double[] g = new double[m], abs = new double[m];
        for (int r = 0; r < n; r++) {
            double lr = lambda[r];
            if (lr == 0) continue;
            acc.addProduct(lr, sp.bias()[r]);
            for (int e = sp.start()[r]; e < sp.start()[r + 1]; e++) {
                double p = sp.val()[e] * lr;
                g[sp.col()[e]] += p;
                abs[sp.col()[e]] += Math.abs(p);
            }
        }
        double gam = RigorousSum.gamma(n + 1);
        double[] eps = new double[m];
        for (int i = 0; i < m; i++) eps[i] = Math.nextUp(Math.nextUp(gam * abs[i] * (1 + 4 * RigorousSum.U)) + n * RigorousSum.TINY);
        return new Adjoint(g, eps);
    }

    /** Interval arithmetic through block k's steps from interval arithmetic's bounds of block k−1 (the box alone). */
    private void interval(int k) {
        List<ReluChain.Step> steps = net.blocks().get(k - 1);
        ibpLo[k] = new double[steps.size()][];
        ibpHi[k] = new double[steps.size()][];
        int m = net.size(k - 1);
        double[] vLo = new double[m], vHi = new double[m];
        for (int j = 0; j < m; j++) {
            vLo[j] = k == 1 ? inLo[j] : Math.max(ibpLo[k - 1][ibpLo[k - 1].length - 1][j], 0);
            vHi[j] = k == 1 ? inHi[j] : Math.max(ibpHi[k - 1][ibpHi[k - 1].length - 1][j], 0);
        }
        for (int s = 0; s < steps.size(); s++) {
            ReluChain.Step step = steps.get(s);
            double[] oLo = new double[step.out()], oHi = new double[step.out()];
            switch (step) {
                case ReluChain.Sparse sp -> {
                    for (int r = 0; r < sp.out(); r++) {
                        RigorousSum lo = new RigorousSum().add(sp.bias()[r]), negHi = new RigorousSum().add(-sp.bias()[r]);
                        for (int e = sp.start()[r]; e < sp.start()[r + 1]; e++) {
                            double w = sp.val()[e];
                            int j = sp.col()[e];
                            if (w == 0) continue;
                            lo.addProduct(w, w > 0 ? vLo[j] : vHi[j]);
                            negHi.addProduct(-w, w > 0 ? vHi[j] : vLo[j]);
                        }
                        oLo[r] = lo.lower();
                        oHi[r] = -negHi.lower();
                    }
                }
                case ReluChain.Max mx -> {
                    for (int r = 0; r < mx.out(); r++) {
                        double lo = Double.NEGATIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
                        for (int j : mx.window()[r]) { lo = Math.max(lo, vLo[j]); hi = Math.max(hi, vHi[j]); }
                        oLo[r] = lo;
                        oHi[r] = hi;
                    }
                }
            }
            ibpLo[k][s] = oLo;
            ibpHi[k][s] = oHi;
            vLo = oLo;
            vHi = oHi;
        }
    }

    /**
     * A number certainly at most {@code min c·z_k + d} over the relaxed network on the box: back-substitution
     * through blocks k..1 with the bounds of blocks 1..k−1 already computed; −∞ through a max-pooling step.
     */
    double rowLower(int k, double[] c, double d) {
        return rowLower(k, c, d, Duals.CROWN);
    }

    /**
     * As {@link #rowLower(int, double[], double)} with the dual choices {@code duals}. A slope α ∈ [0, 1] enters as the
     * coefficient {@code fl(g·α)}: for g > 0 it lies in [0, g] (rounding is monotone), so it is {@code g·α'} for an exact
     * α' ∈ [0, 1] and {@code g·h ≥ fl(g·α)·z} still holds. A split term {@code s·β} enters as {@code fl(λ + s·β)}, which
     * is {@code λ + s·β'} for an exact β' ≥ 0 (for the same reason), so no rounding error needs charging for either.
     */
    double rowLower(int k, double[] c, double d, Duals duals) {
        RigorousSum acc = new RigorousSum().add(d);
        double[] lambda = c.clone();
        for (int j = k; j >= 1; j--) {
            List<ReluChain.Step> steps = net.blocks().get(j - 1);
            for (int s = steps.size() - 1; s >= 0; s--) {
                if (!(steps.get(s) instanceof ReluChain.Sparse sp)) return Double.NEGATIVE_INFINITY;
                int m = sp.in();
                Adjoint a = adjoint(sp, lambda, acc);
                double[] next = new double[m];
                for (int i = 0; i < m; i++) {
                    double eps = a.eps()[i], gi = a.g()[i];
                    if (s > 0) { // the input is the previous step's output v: t·v ≥ g·v − eps·max|v|
                        double vmax = Math.max(Math.abs(ibpLo[j][s - 1][i]), Math.abs(ibpHi[j][s - 1][i]));
                        if (eps > 0 && vmax > 0) acc.addError(Math.nextUp(eps * vmax));
                        next[i] = gi;
                        continue;
                    }
                    if (j == 1) { // min over x_i ∈ [lo, hi] of t·x_i, t ∈ [g_i − eps, g_i + eps]
                        acc.addProduct(gi, gi >= 0 ? inLo[i] : inHi[i]);
                        acc.addError(Math.nextUp(eps * Math.max(Math.abs(inLo[i]), Math.abs(inHi[i]))));
                        continue;
                    }
                    next[i] = reluCoefficient(j - 1, i, gi, eps, duals, acc);
                    double[] shift = duals.shift() == null ? null : duals.shift()[j - 1];
                    if (shift != null && shift[i] != 0) next[i] += shift[i];
                }
                lambda = next;
            }
        }
        return acc.lower();
    }

    /**
     * The coefficient of pre-activation i of block b that replaces {@code g·h}, {@code h = relu(z)}, charging to
     * {@code acc} what the replacement and g's error {@code eps} cost: h = 0 (inactive), h = z (active), the lower line
     * (α from {@code duals}, else CROWN's adaptive slope) for g > 0, the chord for g < 0.
     */
    private double reluCoefficient(int b, int i, double gi, double eps, Duals duals, RigorousSum acc) {
        double l = lower[b][i], u = upper[b][i];
        // t·h ≥ g_i·h − eps·h and 0 ≤ h ≤ relu(u)
        if (eps > 0 && u > 0) acc.addError(Math.nextUp(eps * u));
        if (gi == 0 || u <= 0) return 0;            // h = 0 (inactive) or no weight
        if (l >= 0) return gi;                      // h = z
        if (gi > 0) {                               // h ≥ α·z
            double[] alpha = duals.alpha() == null ? null : duals.alpha()[b];
            double a = alpha == null ? Double.NaN : alpha[i];
            if (Double.isNaN(a)) return adaptiveSlopeIsOne(l, u) ? gi : 0;
            if (!(a >= 0 && a <= 1)) throw new ArithmeticException("slope " + a + " outside [0, 1]");
            return gi * a;
        }
        // gi < 0: h ≤ s·(z − l) with s ≥ u / (u − l), so g·h ≥ g·s·(z − l) ≥ p·(z − l) − δ·(u − l)
        double width = Math.nextDown(u - l);
        if (!(width > 0 && width < Double.POSITIVE_INFINITY)) throw new ArithmeticException("pre-activation interval [" + l + ", " + u + "]");
        double slope = Math.nextUp(u / width);
        double p = gi * slope, delta = 2 * RigorousSum.U * Math.abs(p) + RigorousSum.TINY;
        acc.addProduct(-p, l);
        acc.addError(Math.nextUp(delta * Math.nextUp(u - l)));
        return p;
    }
}
