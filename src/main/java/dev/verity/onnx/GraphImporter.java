package dev.verity.onnx;

import dev.verity.InvalidInputException;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.onnx.OnnxValue.Computed;
import dev.verity.onnx.proto.Onnx.GraphProto;
import dev.verity.onnx.proto.Onnx.NodeProto;
import dev.verity.onnx.proto.Onnx.TensorProto;
import dev.verity.onnx.proto.Onnx.TensorShapeProto;
import dev.verity.onnx.proto.Onnx.TypeProto;
import dev.verity.onnx.proto.Onnx.ValueInfoProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks one ONNX graph in topological order, tracking for every value either its constant contents or
 * its full ONNX shape and the IR node that computes it. Nodes whose inputs are all constant are folded
 * ({@link ConstantFolder}); the others are mapped to IR layers ({@link OpMapper}). Value-info shapes in
 * the file are not trusted: only the graph input's declared shape is read.
 */
final class GraphImporter {
    private final GraphProto graph;
    private final String source;
    private final Map<String, OnnxValue> values = new HashMap<>();
    /** For every value name, how many node inputs that are not yet mapped read it (+1 for a graph output). */
    private final Map<String, Integer> remainingUses = new HashMap<>();
    /** For every IR node, the ONNX value names bound to it (Identity, no-op reshapes and folds share nodes). */
    private final Map<Integer, List<String>> namesOfNode = new HashMap<>();

    GraphImporter(GraphProto graph, String source) {
        this.graph = graph;
        this.source = source;
    }

    Network run() {
        Set<String> initializers = new HashSet<>();
        for (TensorProto t : graph.getInitializerList()) {
            initializers.add(t.getName());
            try {
                values.put(t.getName(), new OnnxValue.Constant(TensorProtos.decode(t, "initializer '" + t.getName() + "'")));
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }
        List<ValueInfoProto> inputs = graph.getInputList().stream().filter(v -> !initializers.contains(v.getName())).toList();
        if (inputs.size() != 1)
            throw error("the graph has " + inputs.size() + " inputs that are not initializers " + inputs.stream().map(ValueInfoProto::getName).toList()
                    + "; Verity needs exactly one");
        if (graph.getOutputCount() != 1)
            throw error("the graph has " + graph.getOutputCount() + " outputs; Verity needs exactly one");
        ValueInfoProto input = inputs.getFirst();
        Computed in = inputValue(input);
        IrGraph ir = new IrGraph(in.sample(), input.getName());
        bind(input.getName(), in);

        List<NodeProto> order = topologicalOrder(initializers, input.getName());
        for (NodeProto n : order)
            for (String name : n.getInputList()) if (!name.isEmpty()) remainingUses.merge(name, 1, Integer::sum);
        String outputName = graph.getOutput(0).getName();
        remainingUses.merge(outputName, 1, Integer::sum);

        OpMapper mapper = new OpMapper(ir, this::exclusive);
        for (NodeProto proto : order) mapNode(new OnnxNode(proto, source), mapper);

        OnnxValue out = values.get(outputName);
        if (out == null) throw error("the graph output '" + outputName + "' is not produced by any node");
        if (!(out instanceof Computed c)) throw error("the graph output '" + outputName + "' is a constant that does not depend on the input");
        return ir.build(c.node());
    }

    private void mapNode(OnnxNode node, OpMapper mapper) {
        List<OnnxValue> in = new ArrayList<>();
        boolean allConstant = true;
        for (int i = 0; i < node.inputCount(); i++) {
            String name = node.input(i);
            OnnxValue v = name == null ? null : values.get(name);
            if (name != null && v == null) throw node.invalid("input '" + name + "' is not produced by any node");
            if (name != null) remainingUses.merge(name, -1, Integer::sum);
            allConstant &= !(v instanceof Computed);
            in.add(v);
        }
        List<OnnxValue> out;
        if (allConstant) {
            List<ConstTensor> c = new ArrayList<>();
            for (OnnxValue v : in) c.add(v == null ? null : ((OnnxValue.Constant) v).tensor());
            out = ConstantFolder.fold(node, c).stream().<OnnxValue>map(OnnxValue.Constant::new).toList();
        } else {
            out = mapper.map(node, in);
        }
        for (int i = 0; i < node.outputCount(); i++) {
            String name = node.output(i);
            if (name.isEmpty()) continue;
            if (i < out.size()) bind(name, out.get(i));
            else if (remainingUses.getOrDefault(name, 0) > 0)
                throw node.unsupported("its output " + i + " ('" + name + "') is used; Verity maps only the first " + out.size());
        }
    }

    private void bind(String name, OnnxValue v) {
        values.put(name, v);
        if (v instanceof Computed c) namesOfNode.computeIfAbsent(c.node(), k -> new ArrayList<>()).add(name);
    }

    /**
     * No unmapped node or graph output reads the IR node of {@code v} any more (the IR graph itself checks that
     * no mapped node reads it), so it may be rewritten.
     */
    private boolean exclusive(Computed v) {
        if (v.node() == 0) return false;
        int uses = 0;
        for (String name : namesOfNode.getOrDefault(v.node(), List.of())) uses += remainingUses.getOrDefault(name, 0);
        return uses == 0;
    }

    /**
     * The input's declared shape. A symbolic leading dimension, or a leading 1 in a shape of rank >= 2, is the
     * batch axis and is stripped from the sample shape. A rank-1 input such as the VNN-COMP test nets' {@code [1]}
     * has no batch axis: the whole tensor is the sample (Verity adds its own batch axis at run time).
     */
    private Computed inputValue(ValueInfoProto input) {
        String name = input.getName();
        TypeProto type = input.getType();
        if (!type.hasTensorType()) throw error("input '" + name + "' is not a tensor");
        int elem = type.getTensorType().getElemType();
        if (elem != ConstTensor.FLOAT && elem != ConstTensor.DOUBLE && elem != 0)
            throw error("input '" + name + "' has element type " + TensorProtos.typeName(elem) + "; Verity needs FLOAT or DOUBLE");
        if (!type.getTensorType().hasShape()) throw error("input '" + name + "' has no declared shape");
        List<TensorShapeProto.Dimension> ds = type.getTensorType().getShape().getDimList();
        if (ds.isEmpty()) throw error("input '" + name + "' is a scalar; Verity needs a tensor input");
        int[] dims = new int[ds.size()];
        boolean symbolicBatch = false;
        for (int i = 0; i < dims.length; i++) {
            TensorShapeProto.Dimension d = ds.get(i);
            if (d.hasDimValue() && d.getDimValue() > 0 && d.getDimValue() <= Integer.MAX_VALUE) {
                dims[i] = (int) d.getDimValue();
            } else if (i == 0 && !d.hasDimValue()) {
                dims[i] = 1;
                symbolicBatch = true;
            } else {
                throw error("input '" + name + "' has dimension " + (d.hasDimValue() ? d.getDimValue() : "'" + d.getDimParam() + "'")
                        + " at axis " + i + "; Verity needs fixed sample dimensions");
            }
        }
        boolean batched = symbolicBatch || OnnxValue.leadingBatchAxis(dims);
        Computed c = new Computed(0, dims, batched);
        new Shape(c.sampleDims()); // validates
        return c;
    }

    /** The nodes in an order where every input is produced first (ONNX requires sorted graphs; this tolerates unsorted ones). */
    private List<NodeProto> topologicalOrder(Set<String> initializers, String inputName) {
        Set<String> available = new HashSet<>(initializers);
        available.add(inputName);
        List<NodeProto> pending = new ArrayList<>(graph.getNodeList());
        List<NodeProto> order = new ArrayList<>(pending.size());
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            List<NodeProto> still = new ArrayList<>();
            for (NodeProto n : pending) {
                boolean ready = n.getInputList().stream().allMatch(s -> s.isEmpty() || available.contains(s));
                if (ready) {
                    order.add(n);
                    available.addAll(n.getOutputList());
                    progress = true;
                } else {
                    still.add(n);
                }
            }
            pending = still;
        }
        if (!pending.isEmpty()) {
            OnnxNode stuck = new OnnxNode(pending.getFirst(), source);
            String missing = pending.getFirst().getInputList().stream().filter(s -> !s.isEmpty() && !available.contains(s)).findFirst().orElse("?");
            throw stuck.invalid("input '" + missing + "' is not produced by any node (or the graph has a cycle)");
        }
        return order;
    }

    private InvalidInputException error(String message) {
        return new InvalidInputException(source + ": " + message);
    }
}
