package dev.verity.lp;

/**
 * How {@link TriangleLp}'s encoder writes the neurons a linear program cannot write exactly: an unstable (leaky) ReLU
 * and a max-pool window that no input dominates. The LP relaxations are {@link TriangleLp.Relaxation}'s; the exact
 * mixed-integer encoding of paper 004 is {@code dev.verity.milp.MilpEncoding}. Everything else — linear layers,
 * stable neurons, the rows every encoding shares — the encoder writes itself, once.
 */
public interface NeuronEncoding {

    /** The encoder's model as an encoding sees it: new 0/1 variables and rows over the encoder's variables. */
    interface Rows {
        /** A new 0/1 variable. */
        int binary();

        /** The row {@code Σ coefs·x[vars] sense rhs}. */
        void row(int[] vars, double[] coefs, Sense sense, double rhs);
    }

    /**
     * Whether the encoding is exact (mixed-integer): it then needs a mixed-integer solver, refuses sigmoid and tanh
     * ({@link TriangleLp#exactlyEncodable}), and is given the tightest sound bounds of every neuron (its big-M
     * constants), where a relaxation keeps the bounds it was given (the LP as defined).
     */
    boolean exact();

    /**
     * The rows bounding {@code y = max(x, a·x)} from above for an unstable neuron, {@code l < 0 < u}, {@code 0 <= a <= 1};
     * the encoder has written {@code y >= x}, {@code y >= a·x} and y's bounds {@code [a·l, u]} (rounded outwards).
     */
    void unstableLeakyRelu(Rows rows, int y, int x, double l, double u, double a);

    /**
     * The rows bounding {@code y = max} of a window from above, beyond {@code y <= maxUpper}: {@code candidates} are
     * the inputs that can be the maximum, {@code candidateLower} their lower bounds; the encoder has written
     * {@code y >= x_k} for every input of the window.
     */
    void maxPool(Rows rows, int y, int[] candidates, double[] candidateLower, double maxUpper);
}
