package dev.verity.eval;

import dev.verity.InvalidInputException;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;

import java.util.Arrays;

/**
 * The preprocessing a network expects in front of it, {@code input = (scale · x − mean_c) / std_c} for a pixel
 * {@code x} in [0, 1] of channel {@code c}. It is applied by prepending one element-wise {@link Layer.Affine} to the
 * network, so that the L∞ ball, its ε and the clip domain [0, 1] stay in pixel space — the convention of paper 000
 * Table 1 (ε = 0.1 on MNIST means a tenth of the pixel range) and of ERAN, whose networks carry their normalisation
 * inside. A network that normalises internally needs none of this (the identity).
 *
 * @param scale multiplies the [0, 1] pixel first (255 for a network trained on raw bytes)
 * @param mean  per channel (one value for all channels), in the units after scaling
 * @param std   per channel (one value for all channels), each > 0
 */
public record Normalization(double scale, double[] mean, double[] std) implements java.io.Serializable {
    public static final Normalization IDENTITY = new Normalization(1, new double[] {0}, new double[] {1});

    public Normalization {
        mean = mean.clone();
        std = std.clone();
        if (!(scale > 0) || !Double.isFinite(scale)) throw new InvalidInputException("--scale must be a number > 0, got " + scale);
        if (mean.length == 0 || std.length == 0) throw new InvalidInputException("--mean and --std need at least one value");
        for (double m : mean) if (!Double.isFinite(m)) throw new InvalidInputException("--mean values must be numbers, got " + m);
        for (double s : std) if (!(s > 0) || !Double.isFinite(s)) throw new InvalidInputException("--std values must be numbers > 0, got " + s);
    }

    @Override public double[] mean() { return mean.clone(); }
    @Override public double[] std() { return std.clone(); }

    public boolean isIdentity() {
        return scale == 1 && Arrays.stream(mean).allMatch(m -> m == 0) && Arrays.stream(std).allMatch(s -> s == 1);
    }

    /**
     * {@code net} with this preprocessing in front. Channels are the first axis of the dataset's CHW sample shape
     * ({@code samples}); the network's input may be that shape or its flattening (same element order).
     */
    public Network prependTo(Network net, Shape samples) {
        int n = net.inputShape().numel();
        int channels = samples.rank() == 3 ? samples.dim(0) : 1;
        for (double[] v : new double[][] {mean, std}) {
            if (v.length != 1 && v.length != channels)
                throw new InvalidInputException("--mean/--std have " + v.length + " values; the images " + samples + " have " + channels
                        + " channel(s): give one value or one per channel");
        }
        if (isIdentity()) return net;
        if (samples.numel() != n) throw new InvalidInputException("images of shape " + samples + " do not fit the model's input " + net.inputShape());
        int plane = n / channels;
        double[] a = new double[n], b = new double[n];
        for (int i = 0; i < n; i++) {
            int c = i / plane;
            double s = std[std.length == 1 ? 0 : c], m = mean[mean.length == 1 ? 0 : c];
            a[i] = scale / s;
            b[i] = -m / s;
        }
        int[] dims = net.inputShape().dims();
        Network.Builder builder = Network.builder(net.inputShape(), net.node(0).name());
        int affine = builder.add("eval_normalization", new Layer.Affine(new Tensor(a, dims), new Tensor(b, dims)), builder.input());
        // Node k of net becomes node k + 1; its reads of the input now read the affine layer.
        for (Node node : net.nodes().subList(1, net.nodes().size())) {
            int[] inputs = node.inputs().stream().mapToInt(id -> id == 0 ? affine : id + 1).toArray();
            builder.add(node.name(), node.layer(), inputs);
        }
        return builder.build();
    }

    @Override public boolean equals(Object o) {
        return o instanceof Normalization z && scale == z.scale && Arrays.equals(mean, z.mean) && Arrays.equals(std, z.std);
    }

    @Override public int hashCode() { return 31 * (31 * Double.hashCode(scale) + Arrays.hashCode(mean)) + Arrays.hashCode(std); }

    @Override public String toString() {
        return "scale=" + scale + " mean=" + Arrays.toString(mean) + " std=" + Arrays.toString(std);
    }
}
