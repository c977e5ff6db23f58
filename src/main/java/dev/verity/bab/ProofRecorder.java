package dev.verity.bab;

import dev.verity.check.Certificate;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the proof tree of an input-splitting run for a certificate ({@link Certificate}): boxes, their splits, and
 * the disjuncts excluded on each with the row and the bound that did it. The claimed bound is the engine's, lowered
 * by one part in a million: the checker recomputes it with rigorous rounding and may land a few ulps lower.
 */
public final class ProofRecorder {
    static final double CLAIM_FACTOR = 1 - 1e-6;

    private Box root;

    Box root() {
        root = new Box();
        return root;
    }

    /** The recorded tree (a box without exclusions or split if nothing was recorded). */
    public Certificate.Node tree() {
        return root == null ? new Certificate.Node(List.of(), null) : root.toNode();
    }

    /** Adds exclusions found outside the tree (by an earlier stage on the whole box) to its root. */
    public void excludedAtRoot(int disjunct, int row, double bound) {
        if (root == null) root();
        root.excluded(disjunct, row, bound);
    }

    /** One box of the tree while it is built. */
    static final class Box {
        private final List<Certificate.Exclusion> excluded = new ArrayList<>();
        private int dim = -1;
        private double at;
        private Box low, high;

        void excluded(int disjunct, int row, double bound) {
            double claim = bound * CLAIM_FACTOR;
            if (claim > 0) excluded.add(new Certificate.Exclusion(disjunct, row, claim));
        }

        /** Disjunct excluded by the combination of its rows with {@code weights} ({@link RowCombination}). */
        void excludedByCombination(int disjunct, double[] weights, double bound) {
            double claim = bound * CLAIM_FACTOR;
            if (claim > 0) excluded.add(new Certificate.Exclusion(disjunct, -1, claim, weights));
        }

        Box[] split(int dim, double at) {
            this.dim = dim;
            this.at = at;
            low = new Box();
            high = new Box();
            return new Box[] {low, high};
        }

        /** Recursive: input splitting halves one of a few dimensions per level, so trees are at most a few hundred deep. */
        Certificate.Node toNode() {
            return new Certificate.Node(excluded, dim < 0 ? null : new Certificate.Split(dim, at, low.toNode(), high.toNode()));
        }
    }
}
