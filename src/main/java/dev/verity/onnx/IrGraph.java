package dev.verity.onnx;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The IR network under construction. Unlike {@link Network.Builder} its nodes can still be rewritten,
 * which is how constant element-wise ops, MatMul+Add and batch normalisation are folded into the
 * preceding Dense/Conv2d/Affine node. {@link #build} keeps only the nodes the output depends on.
 */
final class IrGraph {
    private record Pending(String name, Layer layer, int[] inputs, Shape shape) {}

    private final List<Pending> nodes = new ArrayList<>();

    IrGraph(Shape inputShape, String inputName) {
        nodes.add(new Pending(inputName, new Layer.Input(inputShape), new int[0], inputShape));
    }

    /** Appends a layer; its output shape is inferred by the layer itself (IllegalArgumentException if the inputs do not fit). */
    int add(String name, Layer layer, int... inputs) {
        List<Shape> shapes = new ArrayList<>();
        for (int i : inputs) shapes.add(nodes.get(i).shape());
        Shape out = layer.outputShape(shapes);
        nodes.add(new Pending(name, layer, inputs.clone(), out));
        return nodes.size() - 1;
    }

    Layer layer(int id) { return nodes.get(id).layer(); }

    /** Whether some node already reads node {@code id} (rewriting it in place would change that node's input). */
    boolean hasConsumers(int id) {
        for (Pending p : nodes) for (int i : p.inputs()) if (i == id) return true;
        return false;
    }

    Shape shape(int id) { return nodes.get(id).shape(); }

    /**
     * {@code x * scale + shift} (both of x's sample shape) applied to node {@code x}. When {@code exclusive}
     * (no other value will read node x) and no node already reads it, and x is a Dense, Conv2d or Affine node that can absorb the map exactly
     * (per output feature / per channel), the node is rewritten in place and its id returned; an identity
     * map returns x unchanged; otherwise an Affine node is appended.
     */
    int affine(String name, int x, Tensor scale, Tensor shift, boolean exclusive) {
        if (isIdentity(scale, shift)) return x;
        if (exclusive && !hasConsumers(x)) {
            Layer folded = switch (layer(x)) {
                case Layer.Dense d -> AffineFolding.intoDense(d, scale, shift);
                case Layer.Conv2d c -> AffineFolding.intoConv(c, shape(x), scale, shift);
                case Layer.Affine a -> AffineFolding.compose(a, scale, shift);
                default -> null;
            };
            if (folded != null) {
                Pending p = nodes.get(x);
                if (folded instanceof Layer.Affine a && isIdentity(a.scale(), a.shift()) && p.inputs().length == 1) {
                    // The two maps cancel: drop the node by pointing to its input.
                    return p.inputs()[0];
                }
                nodes.set(x, new Pending(p.name(), folded, p.inputs(), p.shape()));
                return x;
            }
        }
        return add(name, new Layer.Affine(scale, shift), x);
    }

    static boolean isIdentity(Tensor scale, Tensor shift) {
        for (double s : scale.data()) if (s != 1) return false;
        for (double t : shift.data()) if (t != 0) return false;
        return true;
    }

    /** The network whose output is node {@code output}, without nodes the output does not depend on. */
    Network build(int output) {
        boolean[] live = new boolean[nodes.size()];
        live[output] = true;
        live[0] = true;
        for (int i = output; i > 0; i--) {
            if (!live[i]) continue;
            for (int in : nodes.get(i).inputs()) live[in] = true;
        }
        Pending input = nodes.getFirst();
        Network.Builder b = Network.builder(input.shape(), input.name());
        int[] newId = new int[nodes.size()];
        for (int i = 1; i <= output; i++) {
            if (!live[i]) continue;
            Pending p = nodes.get(i);
            int[] ins = new int[p.inputs().length];
            for (int k = 0; k < ins.length; k++) ins[k] = newId[p.inputs()[k]];
            newId[i] = b.add(p.name(), p.layer(), ins);
            if (!b.shape(newId[i]).equals(p.shape()))
                throw new IllegalStateException("importer bug: node " + p.name() + " has shape " + b.shape(newId[i]) + ", tracked " + p.shape());
        }
        return b.build(newId[output]);
    }
}
