package dev.verity.model;

import java.util.List;

/**
 * One node of a network DAG: a layer applied to the outputs of earlier nodes.
 *
 * @param id     position in the network's topological order
 * @param name   a name for messages (the ONNX node or output name where there is one)
 * @param layer  what the node computes
 * @param inputs ids of the nodes it reads, all smaller than {@code id}
 * @param shape  the inferred output (sample) shape
 */
public record Node(int id, String name, Layer layer, List<Integer> inputs, Shape shape) {
    public Node { inputs = List.copyOf(inputs); }
}
