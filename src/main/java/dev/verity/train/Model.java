package dev.verity.train;

import dev.verity.InvalidInputException;
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
 * A network being trained: its {@link Network} plus the parameter tensors of its dense and convolutional layers,
 * which training updates in place (the layers hold the very tensors listed here). Certified training needs a
 * chain of the layers Verity can relax and differentiate per sample: input, dense, convolution, ReLU, flatten,
 * reshape. {@link #snapshot()} gives an independent copy to export or verify while training goes on.
 */
public final class Model {
    private final Network net;
    private final List<Tensor> parameters = new ArrayList<>();
    private final List<Boolean> isWeight = new ArrayList<>();

    public Model(Network net) {
        this.net = net;
        for (Node node : net.nodes()) {
            if (node.id() > 0 && (node.inputs().size() != 1 || node.inputs().getFirst() != node.id() - 1))
                throw new InvalidInputException("training needs a chain of layers; node " + node.name() + " does not read the node before it");
            switch (node.layer()) {
                case Layer.Input i -> { }
                case Layer.Dense d -> add(d.weight(), d.bias());
                case Layer.Conv2d c -> add(c.weight(), c.bias());
                case Layer.Relu r -> { }
                case Layer.Flatten f -> { }
                case Layer.Reshape r -> { }
                case Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Transpose _, Layer.Pad _,
                        Layer.Add _ -> throw unsupported(node);
                case Layer.Affine a -> { } // fixed input normalisation, not trained
            }
        }
    }

    private static InvalidInputException unsupported(Node node) {
        return new InvalidInputException("training does not support layer " + node.layer().describe() + " (node " + node.name()
                + "); trainable networks are chains of dense, convolution, ReLU, flatten, reshape and fixed element-wise affine layers");
    }

    private void add(Tensor weight, Tensor bias) {
        parameters.add(weight);
        isWeight.add(true);
        parameters.add(bias);
        isWeight.add(false);
    }

    public Network network() { return net; }

    /** The trainable tensors, weight then bias per layer in node order; training writes into them. */
    public List<Tensor> parameters() { return parameters; }

    /** Whether parameter {@code i} is a weight (L1 regularisation applies to weights only) rather than a bias. */
    public boolean isWeight(int i) { return isWeight.get(i); }

    public long parameterCount() { return net.parameterCount(); }

    /** A deep copy of the network with the current parameter values. */
    public Network snapshot() {
        Network.Builder b = Network.builder(net.inputShape(), net.input().name());
        for (Node node : net.nodes().subList(1, net.nodes().size())) {
            // Parameter-free layers are immutable records and are shared; the constructor admitted no other kind.
            Layer layer = node.layer();
            if (layer instanceof Layer.Dense d) layer = new Layer.Dense(d.weight().copy(), d.bias().copy());
            if (layer instanceof Layer.Conv2d c) layer = new Layer.Conv2d(c.weight().copy(), c.bias().copy(), c.geometry());
            b.add(node.name(), layer, node.inputs().stream().mapToInt(Integer::intValue).toArray());
        }
        return b.build();
    }

    /**
     * Copies {@code values} into {@code into}, tensor by tensor (a checkpoint's parameters into a run's); another count
     * or shape means the checkpoint holds another network.
     */
    static void copyInto(List<Tensor> values, List<Tensor> into) {
        if (values.size() != into.size()) throw new InvalidInputException("the checkpoint holds another network");
        for (int i = 0; i < values.size(); i++) {
            Tensor p = into.get(i), v = values.get(i);
            if (!p.sameShape(v)) throw new InvalidInputException("the checkpoint holds another network");
            System.arraycopy(v.data(), 0, p.data(), 0, p.size());
        }
    }

    /**
     * The parameters as vars on {@code tape}: trainable (their gradients wanted) or constants (evaluation and
     * attacks, where nothing about the weights is recorded).
     */
    Weights bind(Tape tape, boolean trainable) {
        Map<Integer, Var[]> byNode = new HashMap<>();
        List<Var> vars = new ArrayList<>();
        int k = 0;
        for (Node node : net.nodes()) {
            if (node.layer() instanceof Layer.Dense || node.layer() instanceof Layer.Conv2d) {
                Var w = trainable ? tape.variable(parameters.get(k)) : tape.constant(parameters.get(k));
                Var b = trainable ? tape.variable(parameters.get(k + 1)) : tape.constant(parameters.get(k + 1));
                byNode.put(node.id(), new Var[] {w, b, null});
                vars.add(w);
                vars.add(b);
                k += 2;
            }
        }
        return new Weights(tape, byNode, vars);
    }

    /** One binding of the parameters to a tape; |W| is computed once per binding (interval propagation needs it). */
    static final class Weights {
        private final Tape tape;
        private final Map<Integer, Var[]> byNode;
        private final List<Var> vars;

        Weights(Tape tape, Map<Integer, Var[]> byNode, List<Var> vars) {
            this.tape = tape;
            this.byNode = byNode;
            this.vars = vars;
        }

        Var weight(int node) { return byNode.get(node)[0]; }

        Var bias(int node) { return byNode.get(node)[1]; }

        Var absWeight(int node) {
            Var[] v = byNode.get(node);
            if (v[2] == null) v[2] = tape.abs(v[0]);
            return v[2];
        }

        /** The vars in the order of {@link Model#parameters()} (their gradients after a backward pass). */
        List<Var> vars() { return vars; }
    }
}
