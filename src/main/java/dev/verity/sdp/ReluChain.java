package dev.verity.sdp;

import dev.verity.InvalidInputException;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.relax.Interval;

import java.util.ArrayList;
import java.util.List;

/**
 * A network read as the chain the SDP of paper 002 (eq. 7) covers: {@code x⁰ → Dense → ReLU → … → Dense}, with
 * Flatten/Reshape as no-ops and element-wise {@link Layer.Affine} layers (input normalisation) allowed before the
 * first Dense. The affine prefix is not folded into the first weight matrix (that would round the weights): the
 * input box is mapped through it instead, rounded outwards, which is exact up to that rounding because an
 * element-wise affine map sends a box onto a box.
 *
 * @param dense the Dense layers in order; all but the last are followed by a ReLU
 * @param box   the input box after the affine prefix (the box the first Dense reads)
 */
record ReluChain(List<Layer.Dense> dense, Interval box) {

    /** Hidden (ReLU) layers: every Dense but the last. */
    int hiddenLayers() { return dense.size() - 1; }

    /**
     * @throws InvalidInputException naming the first layer the SDP does not cover, or a chain of the wrong form
     */
    static ReluChain of(Network net, Interval inputBox) {
        if (inputBox.size() != net.inputShape().numel())
            throw new IllegalArgumentException("input box has " + inputBox.size() + " dimensions, the network " + net.inputShape().numel());
        double[] lo = inputBox.lower().clone(), hi = inputBox.upper().clone();
        List<Layer.Dense> dense = new ArrayList<>();
        boolean expectDense = true; // after the input or a ReLU a Dense must come next (no-ops aside)
        for (Node node : net.nodes()) {
            if (node.id() == 0) continue;
            if (node.inputs().size() != 1 || node.inputs().getFirst() != node.id() - 1)
                throw new InvalidInputException("sdp covers chain networks only; layer " + node.id() + " (" + node.name() + ") does not read just the layer before it");
            Node in = net.node(node.inputs().getFirst());
            switch (node.layer()) {
                case Layer.Flatten f -> { }
                case Layer.Reshape r -> { }
                case Layer.Affine a -> {
                    if (!dense.isEmpty()) throw uncovered(node, "an element-wise affine layer is covered before the first Dense only");
                    mapAffine(a, lo, hi);
                }
                case Layer.Dense d -> {
                    if (!expectDense) throw uncovered(node, "two Dense layers need a ReLU between them");
                    if (in.shape().rank() != 1) throw uncovered(node, "Dense on a " + in.shape() + " input (flatten it first)");
                    dense.add(d);
                    expectDense = false;
                }
                case Layer.Relu r -> {
                    if (expectDense) throw uncovered(node, "a ReLU must follow a Dense layer");
                    expectDense = true;
                }
                case Layer.Input i -> throw uncovered(node, null);
                case Layer.Conv2d c -> throw uncovered(node, null);
                case Layer.LeakyRelu l -> throw uncovered(node, null);
                case Layer.Sigmoid s -> throw uncovered(node, null);
                case Layer.Tanh t -> throw uncovered(node, null);
                case Layer.MaxPool2d m -> throw uncovered(node, null);
                case Layer.AvgPool2d a -> throw uncovered(node, null);
                case Layer.Transpose t -> throw uncovered(node, null);
                case Layer.Pad p -> throw uncovered(node, null);
                case Layer.Add a -> throw uncovered(node, null);
            }
        }
        if (dense.isEmpty() || expectDense)
            throw new InvalidInputException("sdp needs a network that ends with a Dense layer after its last ReLU");
        return new ReluChain(List.copyOf(dense), new Interval(lo, hi));
    }

    private static InvalidInputException uncovered(Node node, String why) {
        return new InvalidInputException("sdp does not cover layer " + node.id() + " (" + node.layer().getClass().getSimpleName() + ", node "
                + node.name() + ")" + (why == null ? "" : ": " + why));
    }

    /**
     * x ↦ scale·x + shift on the box, rounded outwards: a fused multiply-add rounds once, so one step down (up)
     * contains the exact image; a zero scale gives the exact point {shift}.
     */
    private static void mapAffine(Layer.Affine a, double[] lo, double[] hi) {
        double[] s = a.scale().data(), h = a.shift().data();
        for (int j = 0; j < lo.length; j++) {
            if (s[j] == 0) {
                lo[j] = h[j];
                hi[j] = h[j];
                continue;
            }
            double p = Math.fma(s[j], lo[j], h[j]), q = Math.fma(s[j], hi[j], h[j]);
            lo[j] = Math.nextDown(Math.min(p, q));
            hi[j] = Math.nextUp(Math.max(p, q));
        }
    }
}
