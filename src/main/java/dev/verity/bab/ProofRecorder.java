package dev.verity.bab;

import dev.verity.check.Certificate;
import dev.verity.relax.Interval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the proof tree of an input-splitting run for a certificate ({@link Certificate}): boxes, their splits, and
 * the disjuncts excluded on each with the row and the bound that did it. The claimed bound is the engine's, lowered
 * by one part in a million: the checker recomputes it with rigorous rounding and may land a few ulps lower. A
 * ReLU-splitting run ({@link ReluSplit}) records one tree per disjunct ({@link #treeFor}), its nodes split on neurons
 * and its exclusions carrying β-CROWN's slopes and multipliers.
 */
public final class ProofRecorder {
    static final double CLAIM_FACTOR = 1 - 1e-6;

    private Box root;
    private final Map<Integer, Box> own = new LinkedHashMap<>();

    Box root() {
        root = new Box();
        return root;
    }

    /** A new tree proving disjunct {@code j} alone (replacing any earlier one). */
    Box treeFor(int j) {
        Box b = new Box();
        own.put(j, b);
        return b;
    }

    /** The recorded tree (a box without exclusions or split if nothing was recorded). */
    public Certificate.Node tree() {
        return root == null ? new Certificate.Node(List.of(), null) : root.toNode();
    }

    /** The trees of single disjuncts ({@link #treeFor}), by disjunct. */
    public Map<Integer, Certificate.Node> ownTrees() {
        Map<Integer, Certificate.Node> out = new LinkedHashMap<>();
        for (var e : own.entrySet()) out.put(e.getKey(), e.getValue().toNode());
        return out;
    }

    /**
     * Row {@code row} of per-ReLU slopes ({@code [rows × n]} by ReLU input node) as a certificate carries them: block b is
     * the b-th of {@code preNodes} (1-based), and only neurons unstable in {@code pre} are listed (a stable neuron's line
     * does not depend on its slope).
     */
    public static Certificate.Slopes unstableSlopes(Map<Integer, double[]> alpha, int row, Map<Integer, Interval> pre, List<Integer> preNodes) {
        List<int[]> at = new ArrayList<>();
        List<Double> value = new ArrayList<>();
        for (var e : alpha.entrySet()) {
            Interval iv = pre.get(e.getKey());
            int n = iv.size(), block = preNodes.indexOf(e.getKey()) + 1;
            for (int j = 0; j < n; j++) {
                if (!(iv.lower(j) < 0 && iv.upper(j) > 0)) continue;
                at.add(new int[] {block, j});
                value.add(e.getValue()[row * n + j]);
            }
        }
        return new Certificate.Slopes(at.stream().mapToInt(a -> a[0]).toArray(), at.stream().mapToInt(a -> a[1]).toArray(),
                value.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Adds exclusions found outside the tree (by an earlier stage on the whole box) to its root. */
    public void excludedAtRoot(int disjunct, int row, double bound) {
        if (root == null) root();
        root.excluded(disjunct, row, bound);
    }

    /** One domain of the tree while it is built: a box, or a box with neuron splits on the path to it. */
    static final class Box {
        private final List<Certificate.Exclusion> excluded = new ArrayList<>();
        private int dim = -1;
        private double at;
        private Box low, high;
        private int block = -1, neuron;
        private boolean empty;

        void excluded(int disjunct, int row, double bound) {
            double claim = bound * CLAIM_FACTOR;
            if (claim > 0) excluded.add(new Certificate.Exclusion(disjunct, row, claim));
        }

        /** Disjunct excluded by the combination of its rows with {@code weights} ({@link RowCombination}). */
        void excludedByCombination(int disjunct, double[] weights, double bound) {
            double claim = bound * CLAIM_FACTOR;
            if (claim > 0) excluded.add(new Certificate.Exclusion(disjunct, -1, claim, weights));
        }

        /** Disjunct excluded by one row with the back-substitution's slopes and the path's split multipliers. */
        void excluded(int disjunct, int row, double bound, Certificate.Slopes alpha, double[] beta) {
            double claim = bound * CLAIM_FACTOR;
            if (claim > 0) excluded.add(new Certificate.Exclusion(disjunct, row, claim, null, alpha, beta));
        }

        /** This domain holds no point (its bounds contradict a split on its path). */
        void empty() {
            empty = true;
        }

        /** Splits on neuron {@code neuron} of block {@code block}: returns the {inactive, active} children. */
        Box[] neuronSplit(int block, int neuron) {
            this.block = block;
            this.neuron = neuron;
            low = new Box();
            high = new Box();
            return new Box[] {low, high};
        }

        Box[] split(int dim, double at) {
            this.dim = dim;
            this.at = at;
            low = new Box();
            high = new Box();
            return new Box[] {low, high};
        }

        /**
         * Recursive: input splitting halves one of a few dimensions per level, so trees are at most a few hundred deep;
         * ReLU splitting's depth is at most the number of neurons split on one path.
         */
        Certificate.Node toNode() {
            Certificate.Branch split = dim >= 0 ? new Certificate.Split(dim, at, low.toNode(), high.toNode())
                    : block >= 0 ? new Certificate.NeuronSplit(block, neuron, low.toNode(), high.toNode()) : null;
            return new Certificate.Node(excluded, split, empty);
        }
    }
}
