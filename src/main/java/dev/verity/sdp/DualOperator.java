package dev.verity.sdp;

import dev.verity.tensor.Gemm;

import java.util.List;

/**
 * The dual matrix S(y) of the centred SDP ({@link SdpProblem}) at one multiplier vector y, as a structured
 * operator. With multipliers t for P₀₀ = 1, α_j ≥ 0 for (a), β_j ≥ 0 for (b), ν_j for (c), γ_j ≥ 0 for (e) and
 * μ_k ≥ 0 for (d) (paper 002 eq. 7 with the triangle cut (e); the dual of eq. 4 in its multi-layer form), the
 * Lagrangian of a feasible P is
 * <pre>
 *   ⟨e₀oᵀ, P⟩ + Σ α_j ⟨e₀q_jᵀ, P⟩ + Σ β_j ⟨e₀g_jᵀ, P⟩ + Σ γ_j ⟨e₀κ_jᵀ, P⟩ + Σ ν_j q_jᵀPg_j + Σ μ_k (P₀₀ − P_kk) + t (1 − P₀₀)
 *     =  t − ⟨S, P⟩,
 *   S = t e₀e₀ᵀ − sym(e₀ ℓᵀ) − Σ ν_j sym(q_j g_jᵀ) − Σ μ_k (e₀e₀ᵀ − e_k e_kᵀ),   ℓ = o + Σ α_j q_j + Σ β_j g_j + Σ γ_j κ_j,
 * </pre>
 * and it is at least the objective (every added term is ≥ 0 or = 0). So the objective is at most
 * t − ⟨S, P⟩ ≤ t + max(0, −λ_min(S))·tr P ≤ t + n·max(0, −λ_min(S)) (P₀₀ = 1 and P_kk ≤ P₀₀): weak duality,
 * which {@link CertifiedBound} turns into a rigorous number.
 *
 * <p>S·v costs one W̃·v and one W̃ᵀ·w per layer (S is never formed during the iterations): with
 * qv = q(v), gv = g(v) per neuron,
 * S v = t v₀ e₀ − ½(e₀ ℓ·v + ℓ v₀) − ½ Σ ν_j (q_j gv_j + g_j qv_j) − Σ μ_k (e₀ v₀ − e_k v_k). The derivative of
 * vᵀSv (so of λ_min at its unit eigenvector v) with respect to each multiplier is: t: v₀²; α_j: −v₀ qv_j;
 * β_j: −v₀ gv_j; ν_j: −qv_j gv_j; γ_j: −v₀ κv_j; μ_k: v_k² − v₀² — one more W̃·v per layer.
 *
 * <p>Layout of y: [t, per hidden layer (α[rows], β[rows], ν[rows], γ[rows]), μ[n − 1] (coordinates 1..n−1)].
 * Multipliers of neurons without a coordinate (inactive) other than β have no effect.
 */
final class DualOperator {
    private final SdpProblem p;
    private final double[] y;
    private final int n;
    /** The linear part ℓ over the coordinates of v, and the sums of its terms' absolute values. */
    private final double[] ell, ellAbs;

    DualOperator(SdpProblem p, double[] y) {
        if (y.length != length(p)) throw new IllegalArgumentException("multiplier vector of length " + y.length + ", expected " + length(p));
        this.p = p;
        this.y = y;
        this.n = p.dimension();
        ell = new double[n];
        ellAbs = new double[n];
        double l0 = p.o0(), l0Abs = p.o0Abs();
        SdpProblem.Block last = p.blocks().getLast();
        for (int k = 0; k < last.size(); k++) {
            ell[last.offset() + k] += p.oLast()[k];
            ellAbs[last.offset() + k] += p.oLastAbs()[k];
        }
        List<SdpProblem.Map> maps = p.maps();
        for (int i = 0; i < maps.size(); i++) {
            SdpProblem.Map m = maps.get(i);
            int a = alphaOffset(p, i), b = a + m.rows();
            int g = a + 3 * m.rows();
            double[] c = m.out().centre(), r = m.out().radius(), s = m.cut().slope(), e = m.cut().intercept();
            // κ_j = s_j p_j + e_j − q_j: constant s b̃ + e − c, −r on the neuron's coordinate, s W̃_j on the previous block
            double[] prev = new double[m.rows()];
            for (int j = 0; j < m.rows(); j++) {
                double al = y[a + j], be = y[b + j], ga = y[g + j];
                l0 += al * c[j] + be * (c[j] - m.bt()[j]) + ga * (s[j] * m.bt()[j] + e[j] - c[j]);
                l0Abs += Math.abs(al * c[j]) + Math.abs(be) * (Math.abs(c[j]) + m.btAbs()[j])
                        + Math.abs(ga) * (Math.abs(s[j]) * m.btAbs()[j] + Math.abs(e[j]) + Math.abs(c[j]));
                int k = m.out().position()[j];
                if (k >= 0) {
                    ell[m.out().offset() + k] += (al + be - ga) * r[j];
                    ellAbs[m.out().offset() + k] += (Math.abs(al) + Math.abs(be) + Math.abs(ga)) * r[j];
                }
                prev[j] = ga * s[j] - be;
            }
            // ℓ_prev += W̃ᵀ(γ ⊙ s − β)
            int cols = m.cols(), in = m.in().offset();
            double[] wt = m.wt();
            for (int j = 0; j < m.rows(); j++) {
                double h = prev[j];
                if (h == 0) continue;
                double hAbs = Math.abs(y[b + j]) + Math.abs(y[g + j] * s[j]);
                int row = j * cols;
                for (int k = 0; k < cols; k++) {
                    ell[in + k] += h * wt[row + k];
                    ellAbs[in + k] += 2 * hAbs * Math.abs(wt[row + k]);
                }
            }
        }
        ell[0] = l0;
        ellAbs[0] = l0Abs;
    }

    /** Length of the multiplier vector of a problem. */
    static int length(SdpProblem p) {
        int len = 1;
        for (SdpProblem.Map m : p.maps()) len += 4 * m.rows();
        return len + p.dimension() - 1;
    }

    /** Offset of hidden layer i's α (β follows at + rows, ν at + 2 rows, γ at + 3 rows). */
    static int alphaOffset(SdpProblem p, int layer) {
        int off = 1;
        for (int i = 0; i < layer; i++) off += 4 * p.maps().get(i).rows();
        return off;
    }

    /** Offset of μ (μ of coordinate k ≥ 1 is at muOffset + k − 1). */
    static int muOffset(SdpProblem p) {
        return length(p) - (p.dimension() - 1);
    }

    int dimension() { return n; }

    double t() { return y[0]; }

    /** q(v) and g(v) of every neuron of layer i (length rows each). */
    private void neuronValues(SdpProblem.Map m, double[] v, double[] qv, double[] gv) {
        int rows = m.rows();
        // gv ← W̃ v_prev (then turned into q − p)
        Gemm.gemm(false, false, rows, 1, m.cols(), 1.0, m.wt(), 0, m.cols(), v, m.in().offset(), 1, 0.0, gv, 0, 1);
        double v0 = v[0];
        double[] c = m.out().centre(), r = m.out().radius();
        int[] pos = m.out().position();
        int off = m.out().offset();
        for (int j = 0; j < rows; j++) {
            double q = c[j] * v0 + (pos[j] >= 0 ? r[j] * v[off + pos[j]] : 0);
            qv[j] = q;
            gv[j] = q - (m.bt()[j] * v0 + gv[j]);
        }
    }

    /** out = S v. */
    void apply(double[] v, double[] out) {
        double v0 = v[0];
        double lv = 0;
        for (int k = 0; k < n; k++) lv += ell[k] * v[k];
        int mu = muOffset(p);
        double muSum = 0;
        out[0] = 0;
        for (int k = 1; k < n; k++) {
            double muk = y[mu + k - 1];
            muSum += muk;
            out[k] = -0.5 * ell[k] * v0 + muk * v[k];
        }
        double out0 = y[0] * v0 - 0.5 * (lv + ell[0] * v0) - muSum * v0;
        List<SdpProblem.Map> maps = p.maps();
        for (int i = 0; i < maps.size(); i++) {
            SdpProblem.Map m = maps.get(i);
            int rows = m.rows(), nuOff = alphaOffset(p, i) + 2 * rows;
            double[] qv = new double[rows], gv = new double[rows], w = new double[rows];
            neuronValues(m, v, qv, gv);
            double[] c = m.out().centre(), r = m.out().radius(), bt = m.bt();
            int[] pos = m.out().position();
            int off = m.out().offset();
            for (int j = 0; j < rows; j++) {
                double nu = y[nuOff + j];
                if (nu == 0) continue;
                out0 -= 0.5 * nu * (c[j] * gv[j] + (c[j] - bt[j]) * qv[j]);
                if (pos[j] >= 0) out[off + pos[j]] -= 0.5 * nu * r[j] * (gv[j] + qv[j]);
                w[j] = 0.5 * nu * qv[j];
            }
            // the −p_j part of g_j: + W̃ᵀ(½ ν ⊙ qv) on the previous block
            Gemm.gemm(true, false, m.cols(), 1, rows, 1.0, m.wt(), 0, m.cols(), w, 0, 1, 1.0, out, m.in().offset(), 1);
        }
        out[0] = out0;
    }

    /** vᵀ (∂S/∂y) v for every multiplier: the gradient of λ_min at its unit eigenvector v. */
    double[] eigenGradient(double[] v) {
        double[] g = new double[y.length];
        double v0 = v[0];
        g[0] = v0 * v0;
        List<SdpProblem.Map> maps = p.maps();
        for (int i = 0; i < maps.size(); i++) {
            SdpProblem.Map m = maps.get(i);
            int rows = m.rows(), a = alphaOffset(p, i);
            double[] qv = new double[rows], gv = new double[rows];
            neuronValues(m, v, qv, gv);
            double[] s = m.cut().slope(), e = m.cut().intercept();
            for (int j = 0; j < rows; j++) {
                g[a + j] = -v0 * qv[j];
                g[a + rows + j] = -v0 * gv[j];
                g[a + 2 * rows + j] = -qv[j] * gv[j];
                // κ(v) = s·p(v) + e·v₀ − q(v), p(v) = q(v) − g(v)
                g[a + 3 * rows + j] = -v0 * (s[j] * (qv[j] - gv[j]) + e[j] * v0 - qv[j]);
            }
        }
        int mu = muOffset(p);
        for (int k = 1; k < n; k++) g[mu + k - 1] = v[k] * v[k] - v0 * v0;
        return g;
    }

    /** Constraint values at the rank-one point vvᵀ (v₀ = 1): (a), (b), (c) per neuron, (d) per coordinate. */
    double[] constraintValues(double[] v) {
        double[] g = eigenGradient(v);
        for (int k = 1; k < g.length; k++) g[k] = -g[k];
        g[0] = 0;
        return g;
    }

    /**
     * S formed densely for {@link CertifiedBound}, in the order [input coordinates | 0 and hidden coordinates],
     * with an elementwise bound on |S_computed − S_exact| (exact: real arithmetic on the network's doubles and y).
     * Each entry is a sum of products of the data; a value computed by at most K roundings from its expanded terms
     * has error ≤ γ_K Σ|terms| (Higham, Accuracy and Stability, Lemma 3.1 and §3.1): K = 8 for the single products
     * of the off-diagonal and diagonal blocks, and the problem's operation count for the first row. The computed
     * absolute sums are doubled to cover their own rounding.
     */
    CertifiedBound.Structured dense() {
        SdpProblem.Block input = p.blocks().getFirst();
        int d = input.size(), rest = n - d;
        double[] diag = new double[d], coupling = new double[rest * d], block = new double[rest * rest];
        double gRow = dev.verity.tensor.RoundingBounds.gamma(p.rowOps()), g8 = dev.verity.tensor.RoundingBounds.gamma(8);
        double err2 = 0;
        int mu = muOffset(p);
        // rest index of coordinate k: 0 ↦ 0, hidden k ↦ k − d
        double[] row0 = new double[n], row0Abs = new double[n];
        double s00 = y[0] - ell[0], s00Abs = Math.abs(y[0]) + ellAbs[0];
        for (int k = 1; k < n; k++) {
            row0[k] = -0.5 * ell[k];
            row0Abs[k] = 0.5 * ellAbs[k];
            double muk = y[mu + k - 1];
            s00 -= muk;
            s00Abs += Math.abs(muk);
        }
        for (int k = 0; k < d; k++) {
            double muk = y[mu + k];
            diag[k] = muk;
            double e = g8 * 2 * Math.abs(muk);
            err2 += e * e;
        }
        double[] hiddenDiag = new double[rest], hiddenDiagAbs = new double[rest];
        for (int k = d + 1; k < n; k++) {
            hiddenDiag[k - d] = y[mu + k - 1];
            hiddenDiagAbs[k - d] = Math.abs(y[mu + k - 1]);
        }
        List<SdpProblem.Map> maps = p.maps();
        for (int i = 0; i < maps.size(); i++) {
            SdpProblem.Map m = maps.get(i);
            int rows = m.rows(), cols = m.cols(), nuOff = alphaOffset(p, i) + 2 * rows;
            double[] c = m.out().centre(), r = m.out().radius(), bt = m.bt(), wt = m.wt();
            int[] pos = m.out().position();
            int inOff = m.in().offset(), outOff = m.out().offset();
            boolean inIsInput = i == 0;
            for (int j = 0; j < rows; j++) {
                double nu = y[nuOff + j];
                if (nu == 0) continue;
                s00 -= nu * c[j] * (c[j] - bt[j]);
                s00Abs += Math.abs(nu * c[j]) * (Math.abs(c[j]) + m.btAbs()[j]);
                // first row over the previous block: + ½ (W̃ᵀ(ν ⊙ c))
                if (c[j] != 0) {
                    double h = 0.5 * nu * c[j];
                    for (int k = 0; k < cols; k++) {
                        row0[inOff + k] += h * wt[j * cols + k];
                        row0Abs[inOff + k] += Math.abs(h * wt[j * cols + k]);
                    }
                }
                if (pos[j] < 0) continue;
                int z = outOff + pos[j];
                row0[z] -= 0.5 * nu * r[j] * (2 * c[j] - bt[j]);
                row0Abs[z] += 0.5 * Math.abs(nu * r[j]) * (2 * Math.abs(c[j]) + m.btAbs()[j]);
                hiddenDiag[z - d] -= nu * r[j] * r[j];
                hiddenDiagAbs[z - d] += Math.abs(nu) * r[j] * r[j];
                // S_{z, k'} = ½ ν_j r_j W̃_jk' over the previous block
                double h = 0.5 * nu * r[j];
                for (int k = 0; k < cols; k++) {
                    double s = h * wt[j * cols + k];
                    if (s == 0) continue;
                    if (inIsInput) coupling[(z - d) * d + k] = s;
                    else {
                        int a = z - d, b = inOff + k - d;
                        block[a * rest + b] = s;
                        block[b * rest + a] = s;
                    }
                    double e = g8 * 2 * Math.abs(s);
                    err2 += 2 * e * e;
                }
            }
        }
        block[0] = s00;
        double e00 = gRow * 2 * s00Abs;
        err2 += e00 * e00;
        for (int k = 1; k < n; k++) {
            double e = gRow * 2 * row0Abs[k];
            err2 += 2 * e * e;
            if (k <= d) coupling[k - 1] = row0[k];
            else {
                block[k - d] = row0[k];
                block[(k - d) * rest] = row0[k];
            }
        }
        for (int a = 1; a < rest; a++) {
            block[a * rest + a] = hiddenDiag[a];
            double e = g8 * 2 * hiddenDiagAbs[a];
            err2 += e * e;
        }
        return new CertifiedBound.Structured(d, diag, coupling, block, Math.sqrt(err2) * (1 + 1e-6));
    }

    /**
     * The dual point of CROWN's bound over the same pre-activation bounds (paper 000's back-substitution read as
     * multipliers): ν = 0; from the objective backwards, a neuron whose coordinate has a positive coefficient takes its
     * upper line (γ), a negative one a lower line — β (q ≥ p) when active or, as CROWN's adaptive choice, when
     * unstable with u > −l, else α (q ≥ 0) — each cancelling the coordinate's term of ℓ and passing s·W̃ or −W̃ on to
     * the previous block. What is left is linear in the input: μ_k = |ℓ_k|/2 and t = ℓ₀ + Σ|ℓ_k| make S a sum of PSD
     * 2×2 blocks [[|ℓ_k|/2, −ℓ_k/2], [−ℓ_k/2, |ℓ_k|/2]] on (e₀, e_k), so t, CROWN's bound, is this point's value.
     */
    static double[] linearPoint(SdpProblem p) {
        double[] y = new double[length(p)];
        List<SdpProblem.Map> maps = p.maps();
        double[] coefficient = p.oLast().clone();
        for (int i = maps.size() - 1; i >= 0; i--) {
            SdpProblem.Map m = maps.get(i);
            int rows = m.rows(), cols = m.cols(), a = alphaOffset(p, i);
            double[] r = m.out().radius(), s = m.cut().slope(), lo = m.cut().lower(), hi = m.cut().upper(), wt = m.wt();
            int[] pos = m.out().position();
            double[] previous = new double[cols];
            for (int j = 0; j < rows; j++) {
                if (pos[j] < 0) continue;
                double w = coefficient[pos[j]] / r[j];
                if (w > 0) y[a + 3 * rows + j] = w;
                else if (w < 0) y[a + (lo[j] >= 0 || hi[j] > -lo[j] ? rows : 0) + j] = -w;
                double h = y[a + 3 * rows + j] * s[j] - y[a + rows + j];
                if (h == 0) continue;
                for (int k = 0; k < cols; k++) previous[k] += h * wt[j * cols + k];
            }
            coefficient = previous;
        }
        double[] ell = new DualOperator(p, y).ell;
        int mu = muOffset(p);
        double t = ell[0];
        for (int k = 1; k < ell.length; k++) {
            y[mu + k - 1] = 0.5 * Math.abs(ell[k]);
            t += Math.abs(ell[k]);
        }
        y[0] = t;
        return y;
    }

    /**
     * The dual point of the interval bound: ν = α = β = 0, μ = |o_k|/2 on the last block, t = o0 + Σ|o_k|. Then
     * S = [[Σ|o_k|/2, −o/2], [−o/2, diag(|o|/2)]] on (0, last block) and 0 elsewhere, which is PSD (each 2×2
     * [[|o|/2, −o/2], [−o/2, |o|/2]] is), so t = {@link SdpProblem#intervalBound()} is a certified bound.
     */
    static double[] intervalPoint(SdpProblem p) {
        double[] y = new double[length(p)];
        SdpProblem.Block last = p.blocks().getLast();
        int mu = muOffset(p);
        for (int k = 0; k < last.size(); k++) y[mu + last.offset() + k - 1] = 0.5 * Math.abs(p.oLast()[k]);
        y[0] = p.intervalBound();
        return y;
    }
}
