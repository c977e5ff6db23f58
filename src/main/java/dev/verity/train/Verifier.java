package dev.verity.train;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The verifier network of predictor–verifier training (paper 001 Sec. 5, Fig. 3): from the predictor's activations
 * it predicts the dual multipliers of {@link BatchBounds#dualRobustLogits}. Verity's verifier predicts, for every
 * neuron of every ReLU layer, the gate g with which a multiplier passes from the ReLU's output to its input:
 * stable neurons get the exact choice (1 when active, 0 when inactive), an unstable one
 * {@code g = σ(a·x̂ + b·l + c·u + e·logit(u/(u−l)) + d)} from its clean pre-activation x̂ and interval bounds l, u,
 * with five learned numbers per neuron. It starts at e = 1 and the rest 0, i.e. at the chord slope u/(u−l) (where
 * the dual equals the parallel-lines relaxation over interval bounds), and training moves it wherever the bound is
 * lower. Any gates give a sound bound, so the verifier never needs to be right, only useful.
 */
final class Verifier implements BatchBounds.Gates {
    private static final int FEATURES = 5;

    private final List<Integer> relus = new ArrayList<>();
    /** Per ReLU layer: {@code [5, n]} rows a, b, c, e, d. */
    private final List<Tensor> parameters = new ArrayList<>();
    private Map<Integer, Var> bound = Map.of();
    private Tape tape;

    Verifier(Network net) {
        for (Node node : net.nodes()) {
            if (!(node.layer() instanceof Layer.Relu)) continue;
            int n = node.shape().numel();
            Tensor p = Tensor.zeros(FEATURES, n);
            for (int i = 0; i < n; i++) p.data()[3 * n + i] = 1; // e = 1: start at the chord slope
            relus.add(node.id());
            parameters.add(p);
        }
    }

    /** The learned tensors (one per ReLU layer), in a fixed order. */
    List<Tensor> parameters() { return parameters; }

    /** Binds the parameters to a tape (trainable or constant) for the next bound computations; returns the vars. */
    List<Var> bind(Tape t, boolean trainable) {
        this.tape = t;
        Map<Integer, Var> m = new HashMap<>();
        List<Var> vars = new ArrayList<>();
        for (int i = 0; i < relus.size(); i++) {
            Var v = trainable ? t.variable(parameters.get(i)) : t.constant(parameters.get(i));
            m.put(relus.get(i), v);
            vars.add(v);
        }
        bound = m;
        return vars;
    }

    @Override public Var gate(int reluId, Var pre, BatchBounds.Box box) {
        Var p = bound.get(reluId);
        int n = p.shape()[1];
        double[] l = box.lo().value().data(), u = box.hi().value().data();
        double[] active = new double[l.length], unstable = new double[l.length], stable = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            boolean open = l[i] < 0 && u[i] > 0;
            active[i] = l[i] >= 0 ? 1 : 0;
            unstable[i] = open ? 1 : 0;
            stable[i] = open ? 0 : 1;
        }
        int[] shape = box.lo().value().shape();
        // logit(u/(u − l)) = log u − log(−l) for an unstable neuron; stable ones get log 1 − log 1 = 0 (masked below).
        Var one = tape.constant(new Tensor(stable, shape));
        Var logitChord = tape.sub(tape.log(tape.add(tape.relu(box.hi()), one)), tape.log(tape.add(tape.relu(tape.neg(box.lo())), one)));
        Var z = tape.add(tape.add(tape.add(tape.mul(pre, row(p, 0, n)), tape.mul(box.lo(), row(p, 1, n))),
                        tape.add(tape.mul(box.hi(), row(p, 2, n)), tape.mul(logitChord, row(p, 3, n)))),
                row(p, 4, n));
        Var sig = tape.sigmoid(z);
        return tape.add(tape.mul(sig, tape.constant(new Tensor(unstable, shape))), tape.constant(new Tensor(active, shape)));
    }

    /** Row r of a {@code [5, n]} parameter as {@code [1, n]} (broadcast over the batch). */
    private Var row(Var p, int r, int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = r * n + i;
        return tape.gatherColumns(tape.reshape(p, 1, FEATURES * n), idx);
    }
}
