package dev.verity.bounds;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.tensor.Tensor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-network constants that back-substitution needs again and again (every intermediate layer, every
 * alpha-CROWN step): transposed dense weights and biases laid out flat over a node's whole sample so
 * that {@code A·b} is one matrix-vector product. Computed once, on first use, per node.
 */
final class LayerConstants {
    private final Map<Integer, Tensor> transposed = new ConcurrentHashMap<>();
    private final Map<Integer, Tensor> flatBias = new ConcurrentHashMap<>();
    private static final Tensor NONE = Tensor.zeros(0);
    /** {@code W^T [in, out]} of a dense node, so that {@code linear(A, W^T)} maps {@code A [.., out]} to {@code A·W [.., in]}. */
    Tensor transposedWeight(int id, Layer.Dense d) {
        return transposed.computeIfAbsent(id, k -> d.weight().transpose(1, 0));
    }

    /**
     * The bias of a dense or conv node repeated over its whole output sample, as {@code [1, n]}, or null
     * when it is zero (nothing to add).
     */
    Tensor expandedBias(int id, Node node, Network net) {
        Tensor t = flatBias.computeIfAbsent(id, k -> {
            Tensor b = switch (node.layer()) {
                case Layer.Dense d -> d.bias();
                case Layer.Conv2d c -> c.bias();
                case Layer.Input _, Layer.Affine _, Layer.Relu _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _,
                        Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Flatten _, Layer.Reshape _, Layer.Transpose _,
                        Layer.Pad _, Layer.Add _ ->
                        throw new IllegalArgumentException("no bias in " + node.layer().describe());
            };
            if (isZero(b)) return NONE;
            int n = node.shape().numel(), k2 = b.size();
            double[] out = new double[n];
            double[] bd = b.data();
            if (node.layer() instanceof Layer.Dense) {
                // Dense acts on the last axis: the bias repeats for every leading index.
                for (int i = 0; i < n; i++) out[i] = bd[i % k2];
            } else {
                // Conv2d output [O, H, W]: one bias per channel, repeated over the H·W positions.
                int hw = n / k2;
                for (int o = 0; o < k2; o++) java.util.Arrays.fill(out, o * hw, (o + 1) * hw, bd[o]);
            }
            return new Tensor(out, 1, n);
        });
        return t == NONE ? null : t;
    }

    /** The shift of an affine node as {@code [1, n]}, or null when it is zero. */
    Tensor flatShift(int id, Layer.Affine af) {
        Tensor t = flatBias.computeIfAbsent(id, k -> isZero(af.shift()) ? NONE : af.shift().reshape(1, af.shift().size()));
        return t == NONE ? null : t;
    }

    private static boolean isZero(Tensor t) {
        for (double v : t.data()) if (v != 0) return false;
        return true;
    }
}
