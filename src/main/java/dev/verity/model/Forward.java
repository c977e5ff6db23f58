package dev.verity.model;

import dev.verity.tensor.Ops;
import dev.verity.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The concrete forward pass, written once against {@link Ops}: with plain tensors it evaluates the
 * network in double, with float32 rounding it mimics onnxruntime, with the autodiff tape it yields
 * gradients (PGD, alpha-CROWN, training). Values carry a leading batch axis.
 */
public final class Forward {
    private Forward() {}

    /** The output for a batch {@code [B, ...inputShape]}. */
    public static <T> T run(Network net, Ops<T> ops, T input) {
        return runAll(net, ops, input).getLast();
    }

    /** The value of every node, indexed by node id. */
    public static <T> List<T> runAll(Network net, Ops<T> ops, T input) {
        int[] got = ops.value(input).shape();
        int[] want = net.inputShape().withBatch(got.length > 0 ? got[0] : 0);
        if (!java.util.Arrays.equals(got, want))
            throw new IllegalArgumentException("input of shape " + java.util.Arrays.toString(got) + ", network expects [batch, "
                    + net.inputShape().toString().substring(1));
        List<T> values = new ArrayList<>(net.nodes().size());
        for (Node node : net.nodes()) {
            List<T> in = new ArrayList<>(node.inputs().size());
            for (int i : node.inputs()) in.add(values.get(i));
            values.add(apply(node, ops, in, input));
        }
        return values;
    }

    private static <T> T apply(Node node, Ops<T> ops, List<T> in, T input) {
        return switch (node.layer()) {
            case Layer.Input i -> input;
            case Layer.Dense d -> ops.linear(in.getFirst(), d.weight(), d.bias());
            case Layer.Conv2d c -> ops.conv2d(in.getFirst(), c.weight(), c.bias(), c.geometry());
            case Layer.Relu r -> ops.relu(in.getFirst());
            case Layer.LeakyRelu l -> ops.leakyRelu(in.getFirst(), l.alpha());
            case Layer.Sigmoid s -> ops.sigmoid(in.getFirst());
            case Layer.Tanh t -> ops.tanh(in.getFirst());
            case Layer.MaxPool2d m -> ops.maxPool2d(in.getFirst(), m.geometry());
            case Layer.AvgPool2d a -> ops.avgPool2d(in.getFirst(), a.geometry());
            case Layer.Flatten f -> ops.reshape(in.getFirst(), -1, node.shape().numel());
            case Layer.Reshape r -> ops.reshape(in.getFirst(), r.target().withBatch(-1));
            case Layer.Transpose t -> ops.transpose(in.getFirst(), BatchAxis.perm(t.perm()));
            case Layer.Pad p -> ops.pad(in.getFirst(), BatchAxis.pads(p.pads()), p.value());
            case Layer.Add a -> ops.add(in.get(0), in.get(1));
            case Layer.Affine a -> ops.add(ops.mul(in.getFirst(), ops.constant(a.scale())), ops.constant(a.shift()));
        };
    }

    /** Convenience: one sample (no batch axis) through the double forward pass. */
    public static Tensor evaluate(Network net, Tensor sample) {
        Tensor batch = sample.reshape(net.inputShape().withBatch(1));
        Tensor out = run(net, dev.verity.tensor.TensorOps.INSTANCE, batch);
        return out.reshape(net.outputShape().dims());
    }
}
