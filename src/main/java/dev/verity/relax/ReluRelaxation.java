package dev.verity.relax;

/**
 * How an unstable ReLU (l < 0 < u) is relaxed; stable neurons are exact (identity for l >= 0, zero for
 * u <= 0) except under {@link #ZERO}. Paper 003 Sec. 2 / App. K.2 and paper 000 Sec. 3 define these.
 */
public enum ReluRelaxation {
    /** hBox (symbolic intervals): constant bounds 0 <= y <= u. */
    BOX,
    /**
     * DeepZ / Fast-Lin / Wong–Kolter (LP-GREEDY): two parallel lines of slope λ = u/(u−l):
     * λz <= y <= λ(z − l). Paper 000 shows Fast-Lin and the greedy dual of Wong & Kolter give the same
     * bound, and DeepZ's zonotope uses the same lines, so all three are this relaxation.
     */
    PARALLEL,
    /** CROWN / DeepPoly: upper chord λ(z − l), lower slope 1 if u > −l else 0 (the smaller-area choice). */
    ADAPTIVE,
    /**
     * CROWN-0 (paper 003 Sec. 4 / App. K.4): upper chord, and the fixed lower line y >= 0 for every neuron,
     * stable active ones included ("even for stable ReLUs"), which removes CROWN's discontinuities at the
     * price of tightness.
     */
    ZERO,
    /** Upper chord, lower line αz with α in [0, 1] given per neuron (alpha-CROWN's variables). */
    OPTIMIZED;

    /** The chord slope u/(u − l) of an unstable neuron. */
    public static double chordSlope(double l, double u) {
        return u / (u - l);
    }
}
