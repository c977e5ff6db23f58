package dev.verity.check;

import java.util.List;

/**
 * Evidence for a VERIFIED verdict that {@link CertificateChecker} re-checks from the model's weights and the property's
 * boxes alone (issue 17). For each case of the property, a proof tree over its input box: a node may claim that some
 * disjuncts are excluded on its box (one row of the disjunct, {@code c·y + d}, has a lower bound above 0 there, at
 * least the claimed {@code bound}), and may split its box in two on one input dimension. Every leaf's box must have
 * every disjunct of the case excluded at the leaf or above it. Bounds and exclusions are checked with the checker's own
 * interval arithmetic and CROWN back-substitution ({@link RigorousCrown}); the relaxation's dual multipliers are CROWN's
 * rule applied to the checked bounds, so they are not stored. A single node without split is the certificate of a
 * verdict proved by a bound on the whole box; a tree is an input-splitting branch and bound's.
 *
 * <p>A node may instead split on a ReLU neuron ({@link NeuronSplit}: β-CROWN's branch and bound): both children keep
 * the box, one with the neuron's pre-activation {@code z ≤ 0}, the other with {@code z ≥ 0}, and below it the neuron's
 * bounds are clamped to its side. There an exclusion may carry the relaxation's dual choices that the adaptive rule
 * cannot reproduce: lower slopes α (alpha-CROWN; any value in [0, 1] is sound) and, per neuron split on the path from
 * the root, a multiplier β ≥ 0 of its split constraint (β-CROWN eq. 5); a child whose bounds contradict its path's
 * splits holds no point and is {@code empty}. A ReLU-splitting run branches per disjunct, so a case may have several
 * proofs, each for a set of its disjuncts.
 *
 * @param modelSha256    SHA-256 of the ONNX file the verdict is about
 * @param propertySha256 SHA-256 of the VNN-LIB file
 * @param cases          one proof per case of the property
 * @param missing        disjuncts the verdict excluded by a method this format cannot carry yet (e.g. a MILP), with
 *                       why; a certificate with any is incomplete and is not accepted
 * @param bounds         per case, slopes that tighten intermediate bounds over the case's box (alpha-CROWN), used by
 *                       the proofs marked {@link CaseProof#tightened}
 */
public record Certificate(String modelSha256, String propertySha256, List<CaseProof> cases, List<String> missing, List<CaseBounds> bounds) {
    public static final String FORMAT = "verity-certificate-1";

    public Certificate {
        cases = List.copyOf(cases);
        missing = List.copyOf(missing);
        bounds = List.copyOf(bounds);
    }

    public Certificate(String modelSha256, String propertySha256, List<CaseProof> cases, List<String> missing) {
        this(modelSha256, propertySha256, cases, missing, List.of());
    }

    /**
     * Slopes α that tighten the bound of neuron {@code neuron} of block {@code block} over the case's box (its upper bound
     * if {@code upper}): the checker bounds the neuron by back-substitution with these slopes (any in [0, 1] is sound)
     * and keeps the better of that and CROWN's, block by block, before the next block is bounded.
     */
    public record BoundSlopes(int block, int neuron, boolean upper, Slopes alpha) { }

    /** The tightening slopes of case {@code caseIndex}. */
    public record CaseBounds(int caseIndex, List<BoundSlopes> slopes) {
        public CaseBounds { slopes = List.copyOf(slopes); }
    }

    /**
     * A proof for case {@code caseIndex}: a tree over its box whose leaves exclude the listed disjuncts ({@code null}:
     * every disjunct of the case); with {@code tightened}, the root's bounds are tightened by the case's
     * {@link CaseBounds} (and handed down from there).
     */
    public record CaseProof(int caseIndex, List<Integer> disjuncts, boolean tightened, Node root) {
        public CaseProof {
            disjuncts = disjuncts == null ? null : List.copyOf(disjuncts);
        }

        /** A proof for every disjunct of the case. */
        public CaseProof(int caseIndex, Node root) {
            this(caseIndex, null, false, root);
        }

        public CaseProof(int caseIndex, List<Integer> disjuncts, Node root) {
            this(caseIndex, disjuncts, false, root);
        }
    }

    /** A domain of the tree: its exclusions, and its split (null at a leaf); an {@code empty} leaf holds no point. */
    public record Node(List<Exclusion> excluded, Branch split, boolean empty) {
        public Node { excluded = List.copyOf(excluded); }

        public Node(List<Exclusion> excluded, Branch split) {
            this(excluded, split, false);
        }

        public long size() {
            return 1 + switch (split) {
                case null -> 0L;
                case Split s -> s.low().size() + s.high().size();
                case NeuronSplit s -> s.inactive().size() + s.active().size();
            };
        }
    }

    /** How a node divides its domain in two. */
    public sealed interface Branch permits Split, NeuronSplit { }

    /** The box split at {@code at} on input {@code dim}: {@code low} keeps x_dim ≤ at, {@code high} x_dim ≥ at. */
    public record Split(int dim, double at, Node low, Node high) implements Branch { }

    /**
     * The domain split on neuron {@code neuron} (row-major index) of block {@code block}'s output, the pre-activation of
     * the block-th ReLU (1-based): {@code inactive} keeps z ≤ 0, {@code active} z ≥ 0.
     */
    public record NeuronSplit(int block, int neuron, Node inactive, Node active) implements Branch { }

    /** Lower slopes α of a back-substitution: neuron {@code neuron[i]} of block {@code block[i]} has slope {@code value[i]}. */
    public record Slopes(int[] block, int[] neuron, double[] value) {
        public Slopes {
            if (block.length != neuron.length || block.length != value.length) throw new IllegalArgumentException("slopes of unequal lengths");
            block = block.clone();
            neuron = neuron.clone();
            value = value.clone();
        }

        @Override public int[] block() { return block.clone(); }

        @Override public int[] neuron() { return neuron.clone(); }

        @Override public double[] value() { return value.clone(); }

        public int size() { return block.length; }

        @Override public boolean equals(Object o) {
            return o instanceof Slopes s && java.util.Arrays.equals(s.block, block) && java.util.Arrays.equals(s.neuron, neuron)
                    && java.util.Arrays.equals(s.value, value);
        }

        @Override public int hashCode() {
            return java.util.Objects.hash(java.util.Arrays.hashCode(block), java.util.Arrays.hashCode(neuron), java.util.Arrays.hashCode(value));
        }

        @Override public String toString() { return "Slopes[" + block.length + "]"; }
    }

    /**
     * Disjunct {@code disjunct} excluded because row {@code row}'s {@code c·y + d} is at least {@code bound} > 0 on the box,
     * or, with {@code weights} (one per row of the disjunct, ≥ 0; then {@code row} is −1), because the combination
     * {@code Σ_r weights[r]·(c_r·y + d_r)} is: no point of the box satisfies every row of the disjunct. {@code alpha}
     * (null: CROWN's adaptive slopes everywhere; a neuron it does not list keeps the adaptive one) and {@code beta}
     * (null: none; else one multiplier per neuron split on the path from the root, in order) are the back-substitution's
     * dual choices for a single row.
     */
    public record Exclusion(int disjunct, int row, double bound, double[] weights, Slopes alpha, double[] beta) {
        public Exclusion {
            weights = weights == null ? null : weights.clone();
            beta = beta == null ? null : beta.clone();
        }

        /** Exclusion by one row. */
        public Exclusion(int disjunct, int row, double bound) {
            this(disjunct, row, bound, null, null, null);
        }

        /** Exclusion by one row, or by a combination of the rows with {@code weights}, with CROWN's slopes. */
        public Exclusion(int disjunct, int row, double bound, double[] weights) {
            this(disjunct, row, bound, weights, null, null);
        }

        @Override public double[] weights() { return weights == null ? null : weights.clone(); }

        @Override public double[] beta() { return beta == null ? null : beta.clone(); }

        @Override public boolean equals(Object o) {
            return o instanceof Exclusion e && e.disjunct == disjunct && e.row == row && Double.compare(e.bound, bound) == 0
                    && java.util.Arrays.equals(e.weights, weights) && java.util.Objects.equals(e.alpha, alpha)
                    && java.util.Arrays.equals(e.beta, beta);
        }

        @Override public int hashCode() {
            return java.util.Objects.hash(disjunct, row, bound, java.util.Arrays.hashCode(weights), alpha, java.util.Arrays.hashCode(beta));
        }

        @Override public String toString() {
            return "Exclusion[disjunct=" + disjunct + ", row=" + row + ", bound=" + bound
                    + (weights == null ? "" : ", weights=" + java.util.Arrays.toString(weights))
                    + (alpha == null ? "" : ", alpha=" + alpha.size() + " slopes")
                    + (beta == null ? "" : ", beta=" + java.util.Arrays.toString(beta)) + "]";
        }
    }
}
