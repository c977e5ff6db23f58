package dev.verity.onnx;

import dev.verity.InvalidInputException;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.tensor.Tensor;

/**
 * Rejects a network with a NaN or infinite weight, bias, scale or constant. Such a model runs to NaN outputs and no bound
 * over it means anything (issue 17: it loaded silently, {@code run} printed NaN and {@code verify} crashed after a
 * bound stage); it is bad input, reported with the node and the element.
 */
final class FiniteParameters {
    private FiniteParameters() {}

    static void require(Network net, String source) {
        for (Node node : net.nodes()) {
            switch (node.layer()) {
                case Layer.Dense d -> { check(source, node, "weight", d.weight()); check(source, node, "bias", d.bias()); }
                case Layer.Conv2d c -> { check(source, node, "weight", c.weight()); check(source, node, "bias", c.bias()); }
                case Layer.Affine a -> { check(source, node, "scale", a.scale()); check(source, node, "shift", a.shift()); }
                case Layer.LeakyRelu l -> check(source, node, "alpha", Tensor.scalar(l.alpha()));
                case Layer.Pad p -> check(source, node, "pad value", Tensor.scalar(p.value()));
                case Layer.Input i -> { }
                case Layer.Relu r -> { }
                case Layer.Sigmoid s -> { }
                case Layer.Tanh t -> { }
                case Layer.MaxPool2d m -> { }
                case Layer.AvgPool2d a -> { }
                case Layer.Flatten f -> { }
                case Layer.Reshape r -> { }
                case Layer.Transpose t -> { }
                case Layer.Add a -> { }
            }
        }
    }

    private static void check(String source, Node node, String what, Tensor t) {
        double[] v = t.data();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i]))
                throw new InvalidInputException(source + ": node " + node.id() + " (" + node.name() + ", " + node.layer().describe() + ") has "
                        + v[i] + " in its " + what + " at element " + i + "; a network with NaN or infinite parameters cannot be run or verified");
        }
    }
}
