package dev.verity.sdp;

import java.util.List;

/**
 * Multipliers of the SDP's dual (paper 002 eq. 7), indexed by the network's own coordinates so that they carry
 * over between problems: t for P₀₀ = 1; per input coordinate the multiplier of its box constraint (d); per hidden
 * neuron those of (a), (b), (c), (d) and the cut (e). Constraints (a)–(c) are the same bilinear forms whatever the box, so
 * α, β, ν keep their meaning on another objective (another disjunct) or another box (another ε); the box
 * multipliers are stored for the constraint in its original form (x − l)(u − x) ≥ 0 and rescaled to the new box's
 * width (a coordinate whose box is a point has none). A warm start is just a starting point: the bound reported
 * for it is re-certified on the new problem.
 */
public record DualPoint(double t, double[] inputBox, List<Hidden> hidden) {
    /** Multipliers of one hidden layer's neurons. */
    public record Hidden(double[] alpha, double[] beta, double[] nu, double[] cut, double[] box) {
        public Hidden {
            if (beta.length != alpha.length || nu.length != alpha.length || cut.length != alpha.length || box.length != alpha.length)
                throw new IllegalArgumentException("multiplier arrays of different lengths");
            alpha = alpha.clone();
            beta = beta.clone();
            nu = nu.clone();
            cut = cut.clone();
            box = box.clone();
        }
        @Override public double[] cut() { return cut.clone(); }
        @Override public double[] alpha() { return alpha.clone(); }
        @Override public double[] beta() { return beta.clone(); }
        @Override public double[] nu() { return nu.clone(); }
        @Override public double[] box() { return box.clone(); }
    }

    public DualPoint {
        inputBox = inputBox.clone();
        hidden = List.copyOf(hidden);
    }

    @Override public double[] inputBox() { return inputBox.clone(); }

    /** The multiplier vector of {@link DualOperator} for problem p (dimensions must match the network's). */
    double[] toVector(SdpProblem p) {
        if (inputBox.length != p.blocks().getFirst().width() || hidden.size() != p.hiddenLayers())
            throw new IllegalArgumentException("warm start from a different network");
        double[] y = new double[DualOperator.length(p)];
        y[0] = t;
        int mu = DualOperator.muOffset(p);
        for (int b = 0; b < p.blocks().size(); b++) {
            SdpProblem.Block block = p.blocks().get(b);
            double[] box = b == 0 ? inputBox : hidden.get(b - 1).box;
            if (box.length != block.width()) throw new IllegalArgumentException("warm start from a different network");
            for (int k = 0; k < block.size(); k++) {
                double r = block.radius()[block.kept()[k]];
                y[mu + block.offset() + k - 1] = Math.max(0, box[block.kept()[k]] * r * r);
            }
        }
        for (int i = 0; i < p.hiddenLayers(); i++) {
            Hidden h = hidden.get(i);
            int a = DualOperator.alphaOffset(p, i), rows = p.maps().get(i).rows();
            for (int j = 0; j < rows; j++) {
                y[a + j] = Math.max(0, h.alpha[j]);
                y[a + rows + j] = Math.max(0, h.beta[j]);
                y[a + 2 * rows + j] = h.nu[j];
                y[a + 3 * rows + j] = Math.max(0, h.cut[j]);
            }
        }
        return y;
    }

    static DualPoint of(SdpProblem p, double[] y) {
        int mu = DualOperator.muOffset(p);
        double[][] boxes = new double[p.blocks().size()][];
        for (int b = 0; b < p.blocks().size(); b++) {
            SdpProblem.Block block = p.blocks().get(b);
            boxes[b] = new double[block.width()];
            for (int k = 0; k < block.size(); k++) {
                double r = block.radius()[block.kept()[k]];
                boxes[b][block.kept()[k]] = y[mu + block.offset() + k - 1] / (r * r);
            }
        }
        List<Hidden> hidden = new java.util.ArrayList<>();
        for (int i = 0; i < p.hiddenLayers(); i++) {
            int a = DualOperator.alphaOffset(p, i), rows = p.maps().get(i).rows();
            hidden.add(new Hidden(java.util.Arrays.copyOfRange(y, a, a + rows), java.util.Arrays.copyOfRange(y, a + rows, a + 2 * rows),
                    java.util.Arrays.copyOfRange(y, a + 2 * rows, a + 3 * rows), java.util.Arrays.copyOfRange(y, a + 3 * rows, a + 4 * rows), boxes[i + 1]));
        }
        return new DualPoint(y[0], boxes[0], hidden);
    }
}
