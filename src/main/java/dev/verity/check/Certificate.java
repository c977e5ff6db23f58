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
 * @param modelSha256    SHA-256 of the ONNX file the verdict is about
 * @param propertySha256 SHA-256 of the VNN-LIB file
 * @param cases          one proof per case of the property
 * @param missing        disjuncts the verdict excluded by a method this format cannot carry yet (e.g. a MILP), with
 *                       why; a certificate with any is incomplete and is not accepted
 */
public record Certificate(String modelSha256, String propertySha256, List<CaseProof> cases, List<String> missing) {
    public static final String FORMAT = "verity-certificate-1";

    public Certificate {
        cases = List.copyOf(cases);
        missing = List.copyOf(missing);
    }

    /** The proof for case {@code caseIndex}: a tree over its box. */
    public record CaseProof(int caseIndex, Node root) { }

    /** A box of the tree: its exclusions, and its split (null at a leaf). */
    public record Node(List<Exclusion> excluded, Split split) {
        public Node { excluded = List.copyOf(excluded); }

        public long size() { return 1 + (split == null ? 0 : split.low().size() + split.high().size()); }
    }

    /** The box split at {@code at} on input {@code dim}: {@code low} keeps x_dim ≤ at, {@code high} x_dim ≥ at. */
    public record Split(int dim, double at, Node low, Node high) { }

    /**
     * Disjunct {@code disjunct} excluded because row {@code row}'s {@code c·y + d} is at least {@code bound} > 0 on the box,
     * or, with {@code weights} (one per row of the disjunct, ≥ 0; then {@code row} is −1), because the combination
     * {@code Σ_r weights[r]·(c_r·y + d_r)} is: no point of the box satisfies every row of the disjunct.
     */
    public record Exclusion(int disjunct, int row, double bound, double[] weights) {
        public Exclusion {
            weights = weights == null ? null : weights.clone();
        }

        /** Exclusion by one row. */
        public Exclusion(int disjunct, int row, double bound) {
            this(disjunct, row, bound, null);
        }

        @Override public double[] weights() { return weights == null ? null : weights.clone(); }

        @Override public boolean equals(Object o) {
            return o instanceof Exclusion e && e.disjunct == disjunct && e.row == row && Double.compare(e.bound, bound) == 0
                    && java.util.Arrays.equals(e.weights, weights);
        }

        @Override public int hashCode() {
            return java.util.Objects.hash(disjunct, row, bound, java.util.Arrays.hashCode(weights));
        }

        @Override public String toString() {
            return "Exclusion[disjunct=" + disjunct + ", row=" + row + ", bound=" + bound
                    + (weights == null ? "" : ", weights=" + java.util.Arrays.toString(weights)) + "]";
        }
    }
}
