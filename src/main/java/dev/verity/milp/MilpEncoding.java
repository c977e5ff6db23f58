package dev.verity.milp;

import dev.verity.lp.NeuronEncoding;
import dev.verity.lp.Rounding;
import dev.verity.lp.Sense;

/**
 * Paper 004's mixed-integer encoding (Sec. 4.1), the exact one the MILP stage, progressive tightening and minimum
 * distortion solve: one binary δ per unstable (leaky) ReLU — {@code y >= x}, {@code y >= a·x},
 * {@code y <= x + (1 − a)(−l)(1 − δ)}, {@code y <= a·x + (1 − a)·u·δ}, whose LP relaxation is exactly the Triangle —
 * and per max-pool window one binary per input that can be the maximum, {@code y <= x_k + (u_max − l_k)(1 − δ_k)},
 * {@code Σ δ_k = 1}. The big-M constants are the bounds the encoder gives (the tightest sound ones: the tighter, the
 * smaller the search; 004 Table 1), rounded up, which only loosens the off side's row. The shared rows (linear layers,
 * stable neurons, {@code y >= x}) are {@link dev.verity.lp.TriangleLp}'s.
 */
public enum MilpEncoding implements NeuronEncoding {
    /** The big-M formulation. */
    BIG_M;

    @Override
    public boolean exact() { return true; }

    @Override
    public void unstableLeakyRelu(Rows rows, int y, int x, double l, double u, double a) {
        // δ = 1: y <= x (the active side); δ = 0: y <= a·x. y − x <= (1 − a)(−l) and y − a·x <= (1 − a)·u hold on [l, u].
        int d = rows.binary();
        double mLow = a == 0 ? -l : Rounding.mulUp(Rounding.addUp(1, -a), -l);
        double mHigh = a == 0 ? u : Rounding.mulUp(Rounding.addUp(1, -a), u);
        rows.row(new int[]{y, x, d}, new double[]{1, -1, mLow}, Sense.LE, mLow);
        rows.row(new int[]{y, x, d}, new double[]{1, -a, -mHigh}, Sense.LE, 0);
    }

    @Override
    public void maxPool(Rows rows, int y, int[] candidates, double[] candidateLower, double maxUpper) {
        // Exactly one candidate is chosen, and y = x_k when δ_k = 1 (y >= x_k is the encoder's row).
        int[] choose = new int[candidates.length];
        double[] ones = new double[candidates.length];
        for (int t = 0; t < candidates.length; t++) {
            int d = rows.binary();
            choose[t] = d;
            ones[t] = 1;
            double bigM = Rounding.addUp(maxUpper, -candidateLower[t]);
            rows.row(new int[]{y, candidates[t], d}, new double[]{1, -1, bigM}, Sense.LE, bigM);
        }
        rows.row(choose, ones, Sense.EQ, 1);
    }
}
