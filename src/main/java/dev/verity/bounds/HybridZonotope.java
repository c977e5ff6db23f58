package dev.verity.bounds;

import dev.verity.InvalidInputException;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * hBox as paper 003's code base (DiffAI, Mirman et al. 2018) computes it: a hybrid zonotope propagated forward. A
 * value is {@code c + Gᵀe + diag(β)f} with {@code e, f ∈ [−1, 1]}: the input box's radii are the generators G (one per
 * input), kept exactly through affine layers ({@code G ← G Wᵀ}), while everything an activation relaxes goes into the
 * box part β, which an affine layer passes by {@code |W|} — interval arithmetic. An unstable ReLU's output becomes the
 * box [0, u] (centre u/2, its generator entries dropped, β = u/2); a stable one is exact.
 *
 * <p>Why beside {@link Method#HBOX}: 003 Sec. 2 describes hBox as back-substitution with the box relaxation 0 ≤ y ≤ u
 * of unstable ReLUs (Verity's {@code hbox}); its Table 7 numbers are this forward domain's, which loses every
 * correlation a relaxed neuron had (CROWN-IBP(R) FC at ε 0.3: 10.4 % certified in the paper, ≈ 70 % by the
 * back-substitution hBox, 10.5 % by this; docs/results/training.md "Which hBox"). Never tighter than the
 * back-substitution hBox, never looser than Box.
 *
 * <p>Sound mode ({@link BoundOptions#sound()}): every affine step charges its rounding error (Higham's γ-bounds of the
 * centre, generator and box products) to β, and the ReLU bounds and the objective are rounded outwards, so the bounds
 * hold in exact arithmetic.
 */
final class HybridZonotope {
    private final Network net;
    private final boolean sound;

    HybridZonotope(Network net, boolean sound) {
        this.net = net;
        this.sound = sound;
    }

    /** Why the domain does not cover {@code net} (a layer it has no transformer for), or empty. */
    static Optional<String> uncovered(Network net) {
        for (Node node : net.nodes()) {
            if (node.inputs().size() > 1) return Optional.of("hbox-forward covers chains of layers only (" + node.layer().describe() + ")");
            boolean covered = switch (node.layer()) {
                case Layer.Input _, Layer.Dense _, Layer.Conv2d _, Layer.Relu _, Layer.Flatten _, Layer.Reshape _, Layer.Affine _ -> true;
                case Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Transpose _,
                        Layer.Pad _, Layer.Add _ -> false;
            };
            if (!covered) return Optional.of("hbox-forward has no transformer for " + node.layer().describe());
        }
        return Optional.empty();
    }

    /** The value of one node: centre {@code [n]}, generators {@code [g, n]} (row k: generator k), box radii {@code [n]}. */
    private record Value(double[] c, Tensor g, double[] beta) {}

    /** The lower and upper bounds of the objective's rows over {@code box}, with the pre-activation bounds it used. */
    BoundResult bound(Interval box, Objective objective, long start) {
        uncovered(net).ifPresent(why -> { throw new InvalidInputException(why); });
        int n = box.size();
        double[] c = new double[n], r = new double[n];
        int g = 0;
        for (int i = 0; i < n; i++) {
            c[i] = 0.5 * box.lower(i) + 0.5 * box.upper(i);
            r[i] = Math.max(c[i] - box.lower(i), box.upper(i) - c[i]); // covers [l, u] around the rounded centre
            if (sound && r[i] > 0) r[i] = Math.nextUp(r[i]); // the differences above are rounded too
            if (r[i] > 0) g++;
        }
        double[] gen = new double[g * n];
        for (int i = 0, k = 0; i < n; i++) if (r[i] > 0) gen[k++ * n + i] = r[i];
        Value v = new Value(c, new Tensor(gen, g, n), new double[n]);
        Map<Integer, Interval> pre = new LinkedHashMap<>();
        // A dense output layer is folded into the objective's rows (c·(Wh + b) = (cW)·h + c·b), as IBP and paper 003's
        // elision do: its box part then meets the rows' signs once instead of once per output.
        Node last = net.output();
        Objective obj = objective;
        if (last.layer() instanceof Layer.Dense d && last.id() > 0) obj = folded(objective, d);
        int through = obj == objective ? last.id() : last.id() - 1;
        for (Node node : net.nodes().subList(0, through + 1)) {
            BoundEngine.checkInterrupted();
            v = switch (node.layer()) {
                case Layer.Input _, Layer.Flatten _, Layer.Reshape _ -> v; // flat values in the same order
                case Layer.Dense d -> dense(v, d);
                case Layer.Conv2d cv -> conv(v, cv, net.node(node.inputs().getFirst()).shape().dims());
                case Layer.Affine a -> affine(v, a);
                case Layer.Relu _ -> {
                    Interval in = interval(v);
                    pre.put(node.inputs().getFirst(), in);
                    yield relu(v, in);
                }
                case Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Transpose _,
                        Layer.Pad _, Layer.Add _ -> throw new IllegalStateException("uncovered " + node.layer().describe());
            };
        }
        double[] foldError = obj == objective || !sound ? null : foldError(objective, (Layer.Dense) last.layer(), v);
        double[] lower = objective(v, obj, false, foldError), upper = objective(v, obj.negate(), true, foldError);
        return new BoundResult(Method.HBOX_FORWARD, lower, upper, pre, System.nanoTime() - start);
    }

    /** Rows {@code c·W} with constants {@code d + c·b}: the objective over the dense layer's input. */
    private static Objective folded(Objective objective, Layer.Dense d) {
        double[] dd = objective.d();
        double[] cb = objective.c().matmul(d.bias().reshape(d.out(), 1)).data();
        for (int r = 0; r < dd.length; r++) dd[r] += cb[r];
        return new Objective(objective.c().matmul(d.weight()), dd);
    }

    /**
     * Sound mode: the rounding error of folding, per row — the computed rows {@code fl(cW)} and constants {@code fl(c·b)}
     * differ from the exact ones by at most {@code γ_{K+2}·(|c||W|·|h| + |c||b|)}, with |h| bounded by the value's
     * magnitude ({@link #magnitude}).
     */
    private static double[] foldError(Objective objective, Layer.Dense d, Value v) {
        Tensor absC = objective.c().map(Math::abs);
        double[] mag = magnitude(v);
        double[] viaW = absC.matmul(d.weight().map(Math::abs)).matmul(new Tensor(mag, mag.length, 1)).data();
        double[] viaB = absC.matmul(d.bias().map(Math::abs).reshape(d.out(), 1)).data();
        double gamma = RoundingErrors.gamma(d.out() + 2) * SAFETY * 2;
        double[] e = new double[viaW.length];
        for (int r = 0; r < e.length; r++) e[r] = up(gamma * (viaW[r] + viaB[r]));
        return e;
    }

    private Value dense(Value v, Layer.Dense d) {
        Tensor w = d.weight();
        Tensor absW = w.map(Math::abs);
        double[] c = new Tensor(v.c(), 1, v.c().length).linear(w, d.bias()).data();
        Tensor g = v.g().linear(w, null);
        double[] beta = new Tensor(v.beta(), 1, v.beta().length).linear(absW, null).data();
        if (sound) charge(beta, absW, v, d.bias().data(), d.in());
        return new Value(c, g, beta);
    }

    private Value conv(Value v, Layer.Conv2d cv, int[] inShape) {
        int gens = v.g().dim(0);
        Tensor absW = cv.weight().map(Math::abs);
        double[] c = new Tensor(v.c(), batched(1, inShape)).conv2d(cv.weight(), cv.bias(), cv.geometry()).data();
        Tensor gOut = v.g().reshape(batched(gens, inShape)).conv2d(cv.weight(), null, cv.geometry());
        int n = c.length;
        Tensor g = gOut.reshape(gens, n);
        double[] beta = new Tensor(v.beta(), batched(1, inShape)).conv2d(absW, null, cv.geometry()).data();
        if (sound) {
            // Per output: γ_k·(|W| * (|c| + Σ_g|G| + β) + |b|) with k the window's size, as for a dense layer.
            double[] mag = magnitude(v);
            double[] m = new Tensor(mag, batched(1, inShape)).conv2d(absW, null, cv.geometry()).data();
            int k = cv.weight().size() / cv.weight().dim(0) + 2, perChannel = n / cv.weight().dim(0);
            double gamma = RoundingErrors.gamma(k) * SAFETY;
            double[] b = cv.bias() == null ? null : cv.bias().data();
            for (int i = 0; i < n; i++) beta[i] = up(beta[i] + gamma * (m[i] + beta[i] + (b == null ? 0 : Math.abs(b[i / perChannel]))));
        }
        return new Value(c, g, beta);
    }

    private Value affine(Value v, Layer.Affine a) {
        double[] s = a.scale().data(), t = a.shift().data(), c = v.c().clone(), beta = v.beta().clone();
        double[] g = v.g().data().clone();
        int n = c.length, gens = v.g().dim(0);
        for (int i = 0; i < n; i++) {
            c[i] = s[i] * c[i] + t[i];
            beta[i] = Math.abs(s[i]) * beta[i];
            if (sound) beta[i] = up(beta[i] + 2 * RoundingErrors.U * SAFETY * (Math.abs(s[i]) * (Math.abs(v.c()[i]) + v.beta()[i]) + Math.abs(t[i])));
        }
        for (int k = 0; k < gens; k++) for (int i = 0; i < n; i++) g[k * n + i] *= s[i];
        if (sound) { // each generator entry's product rounded: ≤ u·|s|·Σ_g|G| in all
            double[] sumAbs = columnAbsSums(v.g());
            for (int i = 0; i < n; i++) beta[i] = up(beta[i] + 2 * RoundingErrors.U * SAFETY * Math.abs(s[i]) * sumAbs[i]);
        }
        return new Value(c, new Tensor(g, gens, n), beta);
    }

    /** The interval of each element: {@code c ± (Σ_g |G| + β)}, rounded outwards in sound mode. */
    private Interval interval(Value v) {
        double[] rad = columnAbsSums(v.g());
        int n = rad.length, gens = v.g().dim(0);
        double[] lo = new double[n], hi = new double[n];
        for (int i = 0; i < n; i++) {
            double rho = rad[i] + v.beta()[i];
            if (sound) rho = up(rho * (1 + RoundingErrors.gamma(gens + 2) * SAFETY));
            lo[i] = v.c()[i] - rho;
            hi[i] = v.c()[i] + rho;
            if (sound) {
                lo[i] = Math.nextDown(lo[i] - 2 * RoundingErrors.U * Math.abs(lo[i]));
                hi[i] = Math.nextUp(hi[i] + 2 * RoundingErrors.U * Math.abs(hi[i]));
            }
        }
        return new Interval(lo, hi);
    }

    /** Stable neurons exactly (identity or 0); an unstable one becomes the box [0, u]: centre u/2, radius u/2, no generators. */
    private static Value relu(Value v, Interval in) {
        int n = in.size(), gens = v.g().dim(0);
        double[] c = v.c().clone(), beta = v.beta().clone(), g = v.g().data().clone();
        for (int i = 0; i < n; i++) {
            if (in.lower(i) >= 0) continue;
            boolean dead = in.upper(i) <= 0;
            c[i] = dead ? 0 : 0.5 * in.upper(i); // u/2 + u/2 = u exactly (a halving is exact above the subnormals)
            beta[i] = dead ? 0 : Math.nextUp(0.5 * in.upper(i));
            for (int k = 0; k < gens; k++) g[k * n + i] = 0;
        }
        return new Value(c, new Tensor(g, gens, n), beta);
    }

    /**
     * Per row {@code c·y + d}: its lower bound over the value (its upper bound when {@code negated}: the caller passed
     * the negated objective and negates back), {@code c·centre + d − Σ_g |G c| − |c|·β}.
     */
    private double[] objective(Value v, Objective obj, boolean negated, double[] foldError) {
        int m = obj.rows(), n = v.c().length, gens = v.g().dim(0);
        double[] cm = obj.c().data(), d = obj.d(), out = new double[m];
        Tensor gc = v.g().matmulTransB(obj.c()); // [g, m]
        double[] gcd = gc.data(), sumAbsG = sound ? columnAbsSums(v.g()) : null;
        for (int r = 0; r < m; r++) {
            double val = d[r], spread = 0, err = Math.abs(d[r]);
            for (int i = 0; i < n; i++) {
                double ci = cm[r * n + i];
                val += ci * v.c()[i];
                spread += Math.abs(ci) * v.beta()[i];
                if (sound) err += Math.abs(ci) * (Math.abs(v.c()[i]) + v.beta()[i] + sumAbsG[i]);
            }
            for (int k = 0; k < gens; k++) spread += Math.abs(gcd[k * m + r]);
            double lower = val - spread - (foldError == null ? 0 : foldError[r]);
            if (sound) lower = Math.nextDown(lower - RoundingErrors.gamma(n + gens + 4) * SAFETY * 2 * err - 2 * RoundingErrors.U * Math.abs(lower));
            out[r] = negated ? -lower : lower;
        }
        return out;
    }

    /** Adds to β the rounding error of a dense layer's centre, generator and box products (γ_{in+2}·|W|·magnitudes). */
    private static void charge(double[] beta, Tensor absW, Value v, double[] bias, int in) {
        double[] mag = magnitude(v);
        double[] m = new Tensor(mag, 1, mag.length).linear(absW, null).data();
        double gamma = RoundingErrors.gamma(in + 2) * SAFETY;
        for (int i = 0; i < beta.length; i++) beta[i] = up(beta[i] + gamma * (m[i] + beta[i] + Math.abs(bias[i])));
    }

    /** Per element {@code |c| + Σ_g |G| + β}: what every product of a layer's weights with the value is summed from. */
    private static double[] magnitude(Value v) {
        double[] s = columnAbsSums(v.g());
        for (int i = 0; i < s.length; i++) s[i] += Math.abs(v.c()[i]) + v.beta()[i];
        return s;
    }

    private static double[] columnAbsSums(Tensor g) {
        int gens = g.dim(0), n = g.dim(1);
        double[] s = new double[n], d = g.data();
        for (int k = 0; k < gens; k++) for (int i = 0; i < n; i++) s[i] += Math.abs(d[k * n + i]);
        return s;
    }

    private static int[] batched(int b, int[] sampleShape) {
        int[] s = new int[sampleShape.length + 1];
        s[0] = b;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    /** Rounded-up sums: a few ulps more than the computed value, covering the rounding of the sum itself. */
    private static double up(double x) {
        return Math.nextUp(x + 2 * RoundingErrors.U * Math.abs(x));
    }

    /** Margin on every γ-bound, as {@link IntervalOps}: the sums of magnitudes are themselves rounded. */
    private static final double SAFETY = 1.01;
}
