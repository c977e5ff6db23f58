package dev.verity.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A feed-forward network as a DAG of layers in topological order. Node 0 is the {@link Layer.Input};
 * the last node is the output. Shapes are inferred and checked when the network is built, so a
 * constructed network is always well-formed.
 */
public final class Network {
    private final List<Node> nodes;
    /** Per node, the ids of the nodes reading it: asked once per node and pass by every back-substitution. */
    private final List<List<Integer>> consumers;

    private Network(List<Node> nodes) {
        this.nodes = Collections.unmodifiableList(nodes);
        List<List<Integer>> readers = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) readers.add(new ArrayList<>());
        for (Node n : nodes) for (int in : n.inputs()) if (!readers.get(in).contains(n.id())) readers.get(in).add(n.id());
        List<List<Integer>> frozen = new ArrayList<>();
        for (List<Integer> r : readers) frozen.add(List.copyOf(r));
        this.consumers = List.copyOf(frozen);
    }

    public List<Node> nodes() { return nodes; }
    public Node node(int id) { return nodes.get(id); }
    public Node output() { return nodes.getLast(); }
    /** The input node (node 0). */
    public Node input() { return nodes.getFirst(); }
    public Shape inputShape() { return nodes.getFirst().shape(); }
    public Shape outputShape() { return output().shape(); }

    public long parameterCount() {
        return nodes.stream().mapToLong(n -> n.layer().parameterCount()).sum();
    }

    /** Number of ReLU (and leaky ReLU) neurons: the unstable ones are what makes verification hard. */
    public long reluCount() {
        return nodes.stream()
                .filter(n -> n.layer() instanceof Layer.Relu || n.layer() instanceof Layer.LeakyRelu)
                .mapToLong(n -> n.shape().numel()).sum();
    }

    /** Ids of the nodes that read node {@code id}'s output. */
    public List<Integer> consumers(int id) {
        return consumers.get(id);
    }

    public static Builder builder(Shape inputShape) { return new Builder(inputShape, "input"); }
    public static Builder builder(Shape inputShape, String inputName) { return new Builder(inputShape, inputName); }

    /** Builds a network node by node; each {@code add} checks the layer against its inputs' shapes. */
    public static final class Builder {
        private final List<Node> nodes = new ArrayList<>();

        private Builder(Shape inputShape, String inputName) {
            nodes.add(new Node(0, inputName, new Layer.Input(inputShape), List.of(), inputShape));
        }

        /** Id of the input node. */
        public int input() { return 0; }

        /** Id of the most recently added node. */
        public int last() { return nodes.size() - 1; }

        public Shape shape(int id) { return nodes.get(id).shape(); }

        /** Appends {@code layer} reading the last node; returns its id. */
        public int add(Layer layer) { return add(null, layer, last()); }

        /** Appends {@code layer} reading the given nodes; returns its id. */
        public int add(String name, Layer layer, int... inputs) {
            if (layer instanceof Layer.Input) throw new IllegalArgumentException("a network has exactly one Input");
            if (inputs.length != layer.arity())
                throw new IllegalArgumentException(layer.describe() + " takes " + layer.arity() + " input(s), got " + inputs.length);
            List<Integer> ids = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            for (int i : inputs) {
                if (i < 0 || i >= nodes.size()) throw new IllegalArgumentException("input node " + i + " does not exist yet");
                ids.add(i);
                shapes.add(nodes.get(i).shape());
            }
            int id = nodes.size();
            Shape out;
            try {
                out = layer.outputShape(shapes);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("node " + (name == null ? "#" + id : name) + ": " + e.getMessage(), e);
            }
            nodes.add(new Node(id, name == null ? layer.getClass().getSimpleName().toLowerCase() + "_" + id : name, layer, ids, out));
            return id;
        }

        /** The network whose output is the last node added. */
        public Network build() { return build(last()); }

        /** The network whose output is node {@code outputId}; nodes after it are dropped, unused ones kept. */
        public Network build(int outputId) {
            if (outputId < 0 || outputId >= nodes.size()) throw new IllegalArgumentException("no node " + outputId);
            return new Network(new ArrayList<>(nodes.subList(0, outputId + 1)));
        }
    }
}
