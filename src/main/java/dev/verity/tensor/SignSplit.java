package dev.verity.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels for the two products by sign that linear-bound propagation is made of: relaxing an
 * activation (positive coefficients take one line's slope, negative ones the other's) and minimising a
 * linear function over a box (positive coefficients take the lower end, negative ones the upper).
 * One fused pass each, instead of relu / sub / two multiplies / add.
 */
final class SignSplit {
    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

    private SignSplit() {}

    /**
     * {@code a⁺ ⊙ p + a⁻ ⊙ q} with {@code a [m, n]} (any shape viewed so) and {@code p}, {@code q} either
     * {@code [n]} (shared by all rows) or {@code [m, n]}.
     */
    static Tensor mulBySign(Tensor a, Tensor p, Tensor q) {
        int total = a.size(), rows = a.dim(0), n = total / Math.max(1, rows);
        checkFactor(a, p, n);
        checkFactor(a, q, n);
        double[] ad = a.data(), pd = p.data(), qd = q.data(), out = new double[total];
        boolean pRow = pd.length == total && total != n, qRow = qd.length == total && total != n;
        for (int r = 0; r < rows; r++) {
            int off = r * n;
            mulBySignRow(ad, off, pd, pRow ? off : 0, qd, qRow ? off : 0, out, n, off);
        }
        return new Tensor(out, a.shape());
    }

    /** out[off+j] = max(a,0)·p + min(a,0)·q, branch-free (signs are unpredictable), vectorised. */
    private static void mulBySignRow(double[] a, int off, double[] p, int pOff, double[] q, int qOff, double[] out, int n, int outOff) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
            DoubleVector v = DoubleVector.fromArray(SPECIES, a, off + j);
            DoubleVector pos = v.max(0.0), neg = v.min(0.0);
            pos.mul(DoubleVector.fromArray(SPECIES, p, pOff + j))
                    .add(neg.mul(DoubleVector.fromArray(SPECIES, q, qOff + j)))
                    .intoArray(out, outOff + j);
        }
        for (; j < n; j++) {
            double v = a[off + j];
            out[outOff + j] = Math.max(v, 0) * p[pOff + j] + Math.min(v, 0) * q[qOff + j];
        }
    }

    /** {@code g ⊙ (p where a > 0, q where a < 0, 0 where a = 0)}: the gradient of mulBySign w.r.t. a. */
    static Tensor selectBySign(Tensor a, Tensor g, Tensor p, Tensor q) {
        int total = a.size(), rows = a.dim(0), n = total / Math.max(1, rows);
        checkFactor(a, p, n);
        checkFactor(a, q, n);
        double[] ad = a.data(), gd = g.data(), pd = p.data(), qd = q.data(), out = new double[total];
        boolean pRow = pd.length == total, qRow = qd.length == total;
        for (int i = 0; i < total; i++) {
            double v = ad[i];
            out[i] = v > 0 ? gd[i] * pd[pRow ? i : i % n] : v < 0 ? gd[i] * qd[qRow ? i : i % n] : 0;
        }
        return new Tensor(out, a.shape());
    }

    /** Per row of {@code a [m, ...]}: {@code Σ_j a⁺_j lo_j + a⁻_j hi_j}, as {@code [m, 1]}. */
    static Tensor boxMin(Tensor a, Tensor lo, Tensor hi) {
        int m = a.dim(0), n = a.size() / Math.max(1, m);
        if (lo.size() != n || hi.size() != n)
            throw new IllegalArgumentException("boxMin over " + n + " values per row, box of " + lo.size() + " and " + hi.size());
        double[] ad = a.data(), l = lo.data(), h = hi.data(), out = new double[m];
        for (int r = 0; r < m; r++) {
            int off = r * n, j = 0;
            DoubleVector acc = DoubleVector.zero(SPECIES);
            for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                DoubleVector v = DoubleVector.fromArray(SPECIES, ad, off + j);
                acc = v.max(0.0).fma(DoubleVector.fromArray(SPECIES, l, j), acc);
                acc = v.min(0.0).fma(DoubleVector.fromArray(SPECIES, h, j), acc);
            }
            double s = Lanes.sum(acc);
            for (; j < n; j++) {
                double v = ad[off + j];
                s += Math.max(v, 0) * l[j] + Math.min(v, 0) * h[j];
            }
            out[r] = s;
        }
        return new Tensor(out, m, 1);
    }

    /** Gradient of boxMin w.r.t. a: lo where a > 0, hi where a < 0 (and 0 at 0), scaled by the row's incoming gradient. */
    static Tensor boxMinBackward(Tensor a, Tensor lo, Tensor hi, Tensor g) {
        int m = a.dim(0), n = a.size() / Math.max(1, m);
        double[] ad = a.data(), l = lo.data(), h = hi.data(), gd = g.data(), out = new double[a.size()];
        for (int r = 0; r < m; r++) {
            int off = r * n;
            for (int j = 0; j < n; j++) {
                double v = ad[off + j];
                out[off + j] = gd[r] * (v > 0 ? l[j] : v < 0 ? h[j] : 0);
            }
        }
        return new Tensor(out, a.shape());
    }

    /** {@code g ⊙ [a > 0]} or {@code g ⊙ [a < 0]}: the part of the gradient that reaches p or q. */
    static Tensor maskBySign(Tensor a, Tensor g, boolean positive) {
        double[] ad = a.data(), gd = g.data(), out = new double[ad.length];
        for (int i = 0; i < ad.length; i++) out[i] = (positive ? ad[i] > 0 : ad[i] < 0) ? gd[i] * ad[i] : 0;
        return new Tensor(out, a.shape());
    }

    // ---- Grouped forms: rows in groups (one group per sample of a minibatch), one factor row per group ----

    /**
     * {@code a⁺ ⊙ p[g] + a⁻ ⊙ q[g]} for each row of {@code a} ({@code R} rows of n values) with its group's factor
     * row: {@code p, q [G, n]}. Unless {@code shared}, R = G·m and row r belongs to group r / m; with {@code shared}
     * a's m rows serve every group and the result has G·m rows (the first back-substitution step of an intermediate
     * layer starts from the same rows ±W for every sample).
     */
    static Tensor groupedMulBySign(Tensor a, Tensor p, Tensor q, boolean shared) {
        Groups gr = Groups.of(a, p, q, shared);
        double[] ad = a.data(), pd = p.data(), qd = q.data(), out = new double[gr.outRows * gr.n];
        Parallel.forRange(gr.outRows, Parallel.chunks(gr.outRows, 4L * gr.n), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                int g = r / gr.m;
                mulBySignRow(ad, gr.aRow(r) * gr.n, pd, g * gr.n, qd, g * gr.n, out, gr.n, r * gr.n);
            }
        });
        int[] shape = a.shape();
        shape[0] = gr.outRows;
        return new Tensor(out, shape);
    }

    /**
     * Gradients of {@link #groupedMulBySign} for {@code g} (shaped as its result): index 0 w.r.t. a (p where
     * a >= 0, q where a < 0: one-sided at 0, so parallel lines p = q get their exact derivative), 1 w.r.t. p
     * ({@code Σ_rows g·a⁺} per group), 2 w.r.t. q.
     */
    static Tensor[] groupedMulBySignBackward(Tensor a, Tensor p, Tensor q, boolean shared, Tensor g) {
        Groups gr = Groups.of(a, p, q, shared);
        int n = gr.n;
        double[] ad = a.data(), pd = p.data(), qd = q.data(), gd = g.data();
        double[] ga = new double[a.size()], gp = new double[p.size()], gq = new double[q.size()];
        // Parallel over groups: each group owns its rows of gp/gq (and, unless shared, of ga).
        int groups = gr.outRows / gr.m;
        double[][] gaParts = shared ? new double[Parallel.chunks(groups, 4L * gr.m * n)][] : null;
        Parallel.forRange(groups, Parallel.chunks(groups, 4L * gr.m * n), (chunk, from, to) -> {
            double[] gaDst = shared ? (gaParts[chunk] = new double[a.size()]) : ga;
            for (int grp = from; grp < to; grp++) {
                int fo = grp * n;
                for (int i = 0; i < gr.m; i++) {
                    int r = grp * gr.m + i, ao = gr.aRow(r) * n, go = r * n, j = 0;
                    for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                        DoubleVector v = DoubleVector.fromArray(SPECIES, ad, ao + j), gv = DoubleVector.fromArray(SPECIES, gd, go + j);
                        DoubleVector pv = DoubleVector.fromArray(SPECIES, pd, fo + j), qv = DoubleVector.fromArray(SPECIES, qd, fo + j);
                        var pos = v.compare(VectorOperators.GE, 0.0);
                        qv.blend(pv, pos).fma(gv, DoubleVector.fromArray(SPECIES, gaDst, ao + j)).intoArray(gaDst, ao + j);
                        v.max(0.0).fma(gv, DoubleVector.fromArray(SPECIES, gp, fo + j)).intoArray(gp, fo + j);
                        v.min(0.0).fma(gv, DoubleVector.fromArray(SPECIES, gq, fo + j)).intoArray(gq, fo + j);
                    }
                    for (; j < n; j++) {
                        double v = ad[ao + j], gv = gd[go + j];
                        if (v >= 0) {
                            gaDst[ao + j] += gv * pd[fo + j];
                            gp[fo + j] += gv * v;
                        } else {
                            gaDst[ao + j] += gv * qd[fo + j];
                            gq[fo + j] += gv * v;
                        }
                    }
                }
            }
        });
        if (shared) for (double[] part : gaParts) if (part != null) for (int i = 0; i < ga.length; i++) ga[i] += part[i];
        return new Tensor[] {new Tensor(ga, a.shape()), new Tensor(gp, p.shape()), new Tensor(gq, q.shape())};
    }

    /** Per row r of {@code a [G·m, ...n]}: {@code Σ_j a⁺_j lo[g]_j + a⁻_j hi[g]_j} with g = r / m, as {@code [G·m, 1]}. */
    static Tensor groupedBoxMin(Tensor a, Tensor lo, Tensor hi) {
        Groups gr = Groups.of(a, lo, hi, false);
        int n = gr.n;
        double[] ad = a.data(), l = lo.data(), h = hi.data(), out = new double[gr.outRows];
        Parallel.forRange(gr.outRows, Parallel.chunks(gr.outRows, 4L * n), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * n, fo = (r / gr.m) * n, j = 0;
                DoubleVector acc = DoubleVector.zero(SPECIES);
                for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                    DoubleVector v = DoubleVector.fromArray(SPECIES, ad, off + j);
                    acc = v.max(0.0).fma(DoubleVector.fromArray(SPECIES, l, fo + j), acc);
                    acc = v.min(0.0).fma(DoubleVector.fromArray(SPECIES, h, fo + j), acc);
                }
                double s = Lanes.sum(acc);
                for (; j < n; j++) {
                    double v = ad[off + j];
                    s += Math.max(v, 0) * l[fo + j] + Math.min(v, 0) * h[fo + j];
                }
                out[r] = s;
            }
        });
        return new Tensor(out, gr.outRows, 1);
    }

    /** Gradients of {@link #groupedBoxMin} for {@code g [G·m, 1]}: w.r.t. a, lo and hi (lo where a >= 0, hi where a < 0). */
    static Tensor[] groupedBoxMinBackward(Tensor a, Tensor lo, Tensor hi, Tensor g) {
        Groups gr = Groups.of(a, lo, hi, false);
        int n = gr.n, groups = gr.outRows / gr.m;
        double[] ad = a.data(), l = lo.data(), h = hi.data(), gd = g.data();
        double[] ga = new double[a.size()], gl = new double[lo.size()], gh = new double[hi.size()];
        Parallel.forRange(groups, Parallel.chunks(groups, 4L * gr.m * n), (chunk, from, to) -> {
            for (int grp = from; grp < to; grp++) {
                int fo = grp * n;
                for (int i = 0; i < gr.m; i++) {
                    int r = grp * gr.m + i;
                    signSplitRow(ad, r * n, gd[r], l, h, fo, ga, gl, gh, n);
                }
            }
        });
        return new Tensor[] {new Tensor(ga, a.shape()), new Tensor(gl, lo.shape()), new Tensor(gh, hi.shape())};
    }

    /**
     * One row's share of a sign-split product's gradient, for a row a (at {@code off}) whose output gradient is
     * {@code gv} per element ({@code gRow == null}: the scalar {@code gv}) — {@code ga = g·(p where a >= 0, q where
     * a < 0)}, {@code gp += g·a⁺}, {@code gq += g·a⁻} — vectorised with a blend (the signs are unpredictable).
     */
    private static void signSplitRow(double[] a, int off, double gv, double[] p, double[] q, int fo, double[] ga, double[] gp, double[] gq, int n) {
        int j = 0;
        DoubleVector gvv = DoubleVector.broadcast(SPECIES, gv);
        for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
            DoubleVector v = DoubleVector.fromArray(SPECIES, a, off + j);
            DoubleVector pv = DoubleVector.fromArray(SPECIES, p, fo + j), qv = DoubleVector.fromArray(SPECIES, q, fo + j);
            var pos = v.compare(VectorOperators.GE, 0.0);
            qv.blend(pv, pos).mul(gvv).intoArray(ga, off + j);
            v.max(0.0).fma(gvv, DoubleVector.fromArray(SPECIES, gp, fo + j)).intoArray(gp, fo + j);
            v.min(0.0).fma(gvv, DoubleVector.fromArray(SPECIES, gq, fo + j)).intoArray(gq, fo + j);
        }
        for (; j < n; j++) {
            double v = a[off + j];
            if (v >= 0) {
                ga[off + j] = gv * p[fo + j];
                gp[fo + j] += gv * v;
            } else {
                ga[off + j] = gv * q[fo + j];
                gq[fo + j] += gv * v;
            }
        }
    }

    // ---- Fused forms: one pass over the (large) coefficient rows instead of two or three ----
    // Each computes, value for value, what the separate kernels above compute (same operations in the same
    // order), so fusing changes no number; the backward passes reproduce the order in which the tape would
    // have added the separate operations' gradients.

    /**
     * {@code groupedBoxMin(a, lo, hi)} and {@code groupedBoxMin(a, hi, lo)} (lower and upper bound of each row's
     * linear function over its sample's box) in one pass: {@code [G·m, 1]} each.
     */
    static Tensor[] groupedBoxMinPair(Tensor a, Tensor lo, Tensor hi) {
        Groups gr = Groups.of(a, lo, hi, false);
        int n = gr.n;
        double[] ad = a.data(), l = lo.data(), h = hi.data(), low = new double[gr.outRows], up = new double[gr.outRows];
        Parallel.forRange(gr.outRows, Parallel.chunks(gr.outRows, 8L * n), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * n, fo = (r / gr.m) * n, j = 0;
                DoubleVector accLo = DoubleVector.zero(SPECIES), accUp = DoubleVector.zero(SPECIES);
                for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                    DoubleVector v = DoubleVector.fromArray(SPECIES, ad, off + j);
                    DoubleVector lv = DoubleVector.fromArray(SPECIES, l, fo + j), hv = DoubleVector.fromArray(SPECIES, h, fo + j);
                    DoubleVector pos = v.max(0.0), neg = v.min(0.0);
                    accLo = neg.fma(hv, pos.fma(lv, accLo));
                    accUp = neg.fma(lv, pos.fma(hv, accUp));
                }
                double sLo = Lanes.sum(accLo), sUp = Lanes.sum(accUp);
                for (; j < n; j++) {
                    double v = ad[off + j];
                    sLo += Math.max(v, 0) * l[fo + j] + Math.min(v, 0) * h[fo + j];
                    sUp += Math.max(v, 0) * h[fo + j] + Math.min(v, 0) * l[fo + j];
                }
                low[r] = sLo;
                up[r] = sUp;
            }
        });
        return new Tensor[] {new Tensor(low, gr.outRows, 1), new Tensor(up, gr.outRows, 1)};
    }

    /**
     * Gradients of {@link #groupedBoxMinPair} for {@code gLow}, {@code gUp [G·m, 1]} (both present): index 0 w.r.t.
     * a (the two bounds' gradients added), then the parts that reach the box in the order the tape adds them
     * for the upper bound's op followed by the lower bound's: 1 w.r.t. hi and 2 w.r.t. lo from the upper bound,
     * 3 w.r.t. lo and 4 w.r.t. hi from the lower bound; those four are null unless {@code boxGrad}.
     */
    static Tensor[] groupedBoxMinPairBackward(Tensor a, Tensor lo, Tensor hi, Tensor gLow, Tensor gUp, boolean boxGrad) {
        Groups gr = Groups.of(a, lo, hi, false);
        int n = gr.n, groups = gr.outRows / gr.m;
        double[] ad = a.data(), l = lo.data(), h = hi.data(), gl = gLow.data(), gu = gUp.data(), ga = new double[a.size()];
        double[] hiU = boxGrad ? new double[hi.size()] : null, loU = boxGrad ? new double[lo.size()] : null;
        double[] loL = boxGrad ? new double[lo.size()] : null, hiL = boxGrad ? new double[hi.size()] : null;
        Parallel.forRange(groups, Parallel.chunks(groups, 4L * gr.m * n), (chunk, from, to) -> {
            for (int grp = from; grp < to; grp++) {
                int fo = grp * n;
                for (int i = 0; i < gr.m; i++) {
                    int r = grp * gr.m + i, off = r * n, j = 0;
                    double gLo = gl[r], gHi = gu[r];
                    DoubleVector gLv = DoubleVector.broadcast(SPECIES, gLo), gUv = DoubleVector.broadcast(SPECIES, gHi);
                    for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                        DoubleVector v = DoubleVector.fromArray(SPECIES, ad, off + j);
                        DoubleVector lv = DoubleVector.fromArray(SPECIES, l, fo + j), hv = DoubleVector.fromArray(SPECIES, h, fo + j);
                        var nonNeg = v.compare(VectorOperators.GE, 0.0);
                        // The upper bound's op is later on the tape, so its gradient arrives first.
                        lv.blend(hv, nonNeg).mul(gUv).add(hv.blend(lv, nonNeg).mul(gLv)).intoArray(ga, off + j);
                        if (boxGrad) {
                            DoubleVector pos = v.max(0.0), neg = v.min(0.0);
                            pos.fma(gUv, DoubleVector.fromArray(SPECIES, hiU, fo + j)).intoArray(hiU, fo + j);
                            neg.fma(gUv, DoubleVector.fromArray(SPECIES, loU, fo + j)).intoArray(loU, fo + j);
                            pos.fma(gLv, DoubleVector.fromArray(SPECIES, loL, fo + j)).intoArray(loL, fo + j);
                            neg.fma(gLv, DoubleVector.fromArray(SPECIES, hiL, fo + j)).intoArray(hiL, fo + j);
                        }
                    }
                    for (; j < n; j++) {
                        double v = ad[off + j];
                        if (v >= 0) {
                            ga[off + j] = gHi * h[fo + j] + gLo * l[fo + j];
                            if (boxGrad) {
                                hiU[fo + j] += gHi * v;
                                loL[fo + j] += gLo * v;
                            }
                        } else {
                            ga[off + j] = gHi * l[fo + j] + gLo * h[fo + j];
                            if (boxGrad) {
                                loU[fo + j] += gHi * v;
                                hiL[fo + j] += gLo * v;
                            }
                        }
                    }
                }
            }
        });
        return new Tensor[] {new Tensor(ga, a.shape()),
                boxGrad ? new Tensor(hiU, hi.shape()) : null, boxGrad ? new Tensor(loU, lo.shape()) : null,
                boxGrad ? new Tensor(loL, lo.shape()) : null, boxGrad ? new Tensor(hiL, hi.shape()) : null};
    }

    /**
     * Coefficient rows through a ReLU relaxed per sample by lines {@code p·z <= relu(z) <= q·z + c} (lower slope p,
     * upper slope q and intercept c, all {@code [G, n]}), in one pass over the rows: index 0 is
     * {@code groupedMulBySign(a, p, q, shared)}, 1 the intercept term of the lower bound,
     * {@code groupedBoxMin(a, 0, c)}, and with {@code twoSided} 2 that of the upper bound, {@code groupedBoxMin(a, c, 0)}
     * ({@code [G·m, 1]} each), over the rows a {@code shared} a gives every group.
     */
    static Tensor[] groupedRelaxStep(Tensor a, Tensor p, Tensor q, Tensor c, boolean shared, boolean twoSided) {
        Groups gr = Groups.of(a, p, q, shared);
        if (!c.sameShape(p)) throw new IllegalArgumentException("intercepts " + java.util.Arrays.toString(c.shape()) + " for slopes " + java.util.Arrays.toString(p.shape()));
        int n = gr.n;
        double[] ad = a.data(), pd = p.data(), qd = q.data(), cd = c.data(), out = new double[gr.outRows * n];
        double[] low = new double[gr.outRows], up = twoSided ? new double[gr.outRows] : null;
        DoubleVector zero = DoubleVector.zero(SPECIES);
        Parallel.forRange(gr.outRows, Parallel.chunks(gr.outRows, 4L * n), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                int off = gr.aRow(r) * n, fo = (r / gr.m) * n;
                mulBySignRow(ad, off, pd, fo, qd, fo, out, n, r * n);
                // The intercept terms as groupedBoxMin computes them against an all-zero side.
                DoubleVector accLo = DoubleVector.zero(SPECIES), accUp = DoubleVector.zero(SPECIES);
                int j = 0;
                for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                    DoubleVector v = DoubleVector.fromArray(SPECIES, ad, off + j), cv = DoubleVector.fromArray(SPECIES, cd, fo + j);
                    DoubleVector pos = v.max(0.0), neg = v.min(0.0);
                    accLo = neg.fma(cv, pos.fma(zero, accLo));
                    if (twoSided) accUp = neg.fma(zero, pos.fma(cv, accUp));
                }
                double sLo = Lanes.sum(accLo), sUp = twoSided ? Lanes.sum(accUp) : 0;
                for (; j < n; j++) {
                    double v = ad[off + j];
                    sLo += Math.max(v, 0) * 0.0 + Math.min(v, 0) * cd[fo + j];
                    sUp += Math.max(v, 0) * cd[fo + j] + Math.min(v, 0) * 0.0;
                }
                low[r] = sLo;
                if (twoSided) up[r] = sUp;
            }
        });
        int[] shape = a.shape();
        shape[0] = gr.outRows;
        Tensor rows = new Tensor(out, shape);
        return twoSided ? new Tensor[] {rows, new Tensor(low, gr.outRows, 1), new Tensor(up, gr.outRows, 1)}
                : new Tensor[] {rows, new Tensor(low, gr.outRows, 1)};
    }

    /**
     * Gradients of {@link #groupedRelaxStep} for the rows' gradient {@code gRows} and the intercept terms'
     * {@code gLow}, {@code gUp} (any may be null: no gradient arrived): index 0 w.r.t. a ({@code [m, n]} summed
     * over the groups when shared), 1 w.r.t. p, 2 w.r.t. q, 3 w.r.t. c from the upper term, 4 w.r.t. c from the
     * lower term (null where the matching gradient is absent). Per element of the rows the three contributions
     * are added in the tape's order for the separate ops (rows, upper term, lower term), and a shared row's
     * gradient sums the groups in order, from zero, as {@code repeatRows} does.
     */
    static Tensor[] groupedRelaxStepBackward(Tensor a, Tensor p, Tensor q, Tensor c, boolean shared, Tensor gRows, Tensor gLow, Tensor gUp,
                                             boolean wantA, boolean wantSlopes, boolean wantIntercept) {
        Groups gr = Groups.of(a, p, q, shared);
        int n = gr.n, m = gr.m, groups = gr.outRows / m;
        double[] ad = a.data(), pd = p.data(), qd = q.data(), cd = c.data();
        double[] gRd = gRows == null ? null : gRows.data(), glo = gLow == null ? null : gLow.data(), gup = gUp == null ? null : gUp.data();
        double[] gp = gRd == null || !wantSlopes ? null : new double[p.size()], gq = gp == null ? null : new double[q.size()];
        double[] gcUp = gup == null || !wantIntercept ? null : new double[c.size()], gcLo = glo == null || !wantIntercept ? null : new double[c.size()];
        double[] ga = wantA ? new double[a.size()] : null;
        boolean factors = gp != null || gcUp != null || gcLo != null;
        // Pass 1, parallel over groups (each owns its factor rows): the factors' gradients and, unless shared, a's.
        if (factors || (wantA && !shared)) Parallel.forRange(groups, Parallel.chunks(groups, 4L * m * n), (chunk, from, to) -> {
            double[] row = new double[n];
            for (int grp = from; grp < to; grp++) {
                int fo = grp * n;
                for (int i = 0; i < m; i++) {
                    int r = grp * m + i, ao = gr.aRow(r) * n;
                    if (wantA && !shared) {
                        rowGradient(ad, ao, pd, qd, cd, fo, gRd, r * n, glo, gup, r, row, n);
                        System.arraycopy(row, 0, ga, ao, n);
                    }
                    if (factors) factorGradients(ad, ao, gp == null ? null : gRd, r * n, gcLo == null ? null : glo, gcUp == null ? null : gup, r, gp, gq, gcUp, gcLo, fo, n);
                }
            }
        });
        if (wantA && shared) {
            // Pass 2, parallel over the shared rows: each sums its groups' gradients in group order.
            Parallel.forRange(m, Parallel.chunks(m, 4L * groups * n), (chunk, from, to) -> {
                double[] row = new double[n];
                for (int i = from; i < to; i++) {
                    int ao = i * n;
                    for (int grp = 0; grp < groups; grp++) {
                        int r = grp * m + i;
                        rowGradient(ad, ao, pd, qd, cd, grp * n, gRd, r * n, glo, gup, r, row, n);
                        for (int j = 0; j < n; j++) ga[ao + j] += row[j];
                    }
                }
            });
        }
        return new Tensor[] {ga == null ? null : new Tensor(ga, a.shape()), gp == null ? null : new Tensor(gp, p.shape()), gq == null ? null : new Tensor(gq, q.shape()),
                gcUp == null ? null : new Tensor(gcUp, c.shape()), gcLo == null ? null : new Tensor(gcLo, c.shape())};
    }

    /**
     * One row's gradient w.r.t. a into {@code row}: ((rows' part + upper term's part) + lower term's part), each
     * part as the separate backward kernels compute it (the rows' part accumulated onto zero, the terms' a plain
     * product), absent parts left out.
     */
    private static void rowGradient(double[] a, int ao, double[] p, double[] q, double[] c, int fo, double[] gRows, int go,
                                    double[] gLow, double[] gUp, int r, double[] row, int n) {
        boolean first = true;
        int j = 0;
        if (gRows != null) {
            DoubleVector zero = DoubleVector.zero(SPECIES);
            for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                DoubleVector v = DoubleVector.fromArray(SPECIES, a, ao + j), gv = DoubleVector.fromArray(SPECIES, gRows, go + j);
                DoubleVector pv = DoubleVector.fromArray(SPECIES, p, fo + j), qv = DoubleVector.fromArray(SPECIES, q, fo + j);
                qv.blend(pv, v.compare(VectorOperators.GE, 0.0)).fma(gv, zero).intoArray(row, j);
            }
            for (; j < n; j++) row[j] = 0.0 + gRows[go + j] * (a[ao + j] >= 0 ? p[fo + j] : q[fo + j]);
            first = false;
        }
        if (gUp != null) {
            termGradient(a, ao, c, fo, gUp[r], true, row, first, n);
            first = false;
        }
        if (gLow != null) termGradient(a, ao, c, fo, gLow[r], false, row, first, n);
    }

    /** An intercept term's gradient w.r.t. a, (c where a >= 0, 0 below) · g for the upper term, (0, c) · g for the lower. */
    private static void termGradient(double[] a, int ao, double[] c, int fo, double g, boolean upper, double[] row, boolean first, int n) {
        DoubleVector gv = DoubleVector.broadcast(SPECIES, g), zero = DoubleVector.zero(SPECIES);
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
            DoubleVector v = DoubleVector.fromArray(SPECIES, a, ao + j), cv = DoubleVector.fromArray(SPECIES, c, fo + j);
            var nonNeg = v.compare(VectorOperators.GE, 0.0);
            DoubleVector part = (upper ? zero.blend(cv, nonNeg) : cv.blend(zero, nonNeg)).mul(gv);
            (first ? part : DoubleVector.fromArray(SPECIES, row, j).add(part)).intoArray(row, j);
        }
        for (; j < n; j++) {
            boolean nonNeg = a[ao + j] >= 0;
            double part = upper ? (nonNeg ? g * c[fo + j] : g * 0.0) : (nonNeg ? g * 0.0 : g * c[fo + j]);
            row[j] = first ? part : row[j] + part;
        }
    }

    /** One row's share of the slopes' and the intercept's gradients, accumulated as the separate kernels do. */
    private static void factorGradients(double[] a, int ao, double[] gRows, int go, double[] gLow, double[] gUp, int r,
                                        double[] gp, double[] gq, double[] gcUp, double[] gcLo, int fo, int n) {
        if (gRows != null) {
            int j = 0;
            for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                DoubleVector v = DoubleVector.fromArray(SPECIES, a, ao + j), gv = DoubleVector.fromArray(SPECIES, gRows, go + j);
                v.max(0.0).fma(gv, DoubleVector.fromArray(SPECIES, gp, fo + j)).intoArray(gp, fo + j);
                v.min(0.0).fma(gv, DoubleVector.fromArray(SPECIES, gq, fo + j)).intoArray(gq, fo + j);
            }
            for (; j < n; j++) {
                double v = a[ao + j], gv = gRows[go + j];
                if (v >= 0) gp[fo + j] += gv * v;
                else gq[fo + j] += gv * v;
            }
        }
        if (gUp != null) {
            // groupedBoxMin(a, c, 0): c is its lower side, reached by a⁺.
            double g = gUp[r];
            DoubleVector gv = DoubleVector.broadcast(SPECIES, g);
            int j = 0;
            for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                DoubleVector v = DoubleVector.fromArray(SPECIES, a, ao + j);
                v.max(0.0).fma(gv, DoubleVector.fromArray(SPECIES, gcUp, fo + j)).intoArray(gcUp, fo + j);
            }
            for (; j < n; j++) if (a[ao + j] >= 0) gcUp[fo + j] += g * a[ao + j];
        }
        if (gLow != null) {
            // groupedBoxMin(a, 0, c): c is its upper side, reached by a⁻.
            double g = gLow[r];
            DoubleVector gv = DoubleVector.broadcast(SPECIES, g);
            int j = 0;
            for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
                DoubleVector v = DoubleVector.fromArray(SPECIES, a, ao + j);
                v.min(0.0).fma(gv, DoubleVector.fromArray(SPECIES, gcLo, fo + j)).intoArray(gcLo, fo + j);
            }
            for (; j < n; j++) if (a[ao + j] < 0) gcLo[fo + j] += g * a[ao + j];
        }
    }

    /** Row bookkeeping of the grouped kernels. */
    private record Groups(int n, int m, int outRows, int aRows) {
        static Groups of(Tensor a, Tensor p, Tensor q, boolean shared) {
            int aRows = a.dim(0), n = aRows == 0 ? 0 : a.size() / aRows;
            if (p.rank() < 1 || !p.sameShape(q) || p.size() % Math.max(1, p.dim(0)) != 0)
                throw new IllegalArgumentException("grouped factors of shapes " + java.util.Arrays.toString(p.shape()) + " and " + java.util.Arrays.toString(q.shape()));
            int groups = p.dim(0);
            if (groups == 0 || p.size() / groups != n)
                throw new IllegalArgumentException("grouped factors " + java.util.Arrays.toString(p.shape()) + " for rows of " + n + " values");
            if (!shared && aRows % groups != 0)
                throw new IllegalArgumentException(aRows + " rows do not split into " + groups + " groups");
            int m = shared ? aRows : aRows / groups;
            return new Groups(n, Math.max(1, m), shared ? groups * aRows : aRows, aRows);
        }

        int aRow(int r) { return aRows == outRows ? r : r % m; }
    }

    /** A factor holds one value per sample element (shared by all rows) or one per element of a. */
    private static void checkFactor(Tensor a, Tensor f, int n) {
        if (f.size() != n && f.size() != a.size())
            throw new IllegalArgumentException("mulBySign factor of " + f.size() + " values for coefficients of shape " + java.util.Arrays.toString(a.shape()));
    }
}
