package dev.verity.train;

import dev.verity.InvalidInputException;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The trainable architectures of paper 003 Table 5, plus any MLP. A spec is parsed once and then builds
 * freshly initialised networks; every network takes a {@code [1, 28, 28]} image (MNIST, Fashion-MNIST), so an
 * exported model reads the datasets' samples as they are.
 *
 * <ul>
 *   <li>{@code fc}: FC 400, FC 200, FC 100, FC 100, FC 10;</li>
 *   <li>{@code conv}: CONV 16 4×4+2, FC 100, FC 10;</li>
 *   <li>{@code conv+}: CONV 16 4×4+2, CONV 32 4×4+1, FC 100, FC 10 (Gowal et al.'s "small");</li>
 *   <li>{@code fc:N,N,…}: hidden dense layers of the given widths, then FC to the classes.</li>
 * </ul>
 * All activations are ReLU. Table 5 gives no padding; convolutions here are unpadded (28 → 13 → 10).
 */
public record Architecture(String name, List<Block> blocks) {

    /** One hidden block: a dense layer of {@code width} or a convolution, each followed by a ReLU. */
    public sealed interface Block {
        record Dense(int width) implements Block {}
        record Conv(int channels, int kernel, int stride) implements Block {}
    }

    public Architecture {
        blocks = List.copyOf(blocks);
    }

    public static Architecture parse(String spec) {
        String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (s) {
            case "fc" -> new Architecture("fc", dense(400, 200, 100, 100));
            case "conv" -> new Architecture("conv", List.of(new Block.Conv(16, 4, 2), new Block.Dense(100)));
            case "conv+" -> new Architecture("conv+", List.of(new Block.Conv(16, 4, 2), new Block.Conv(32, 4, 1), new Block.Dense(100)));
            default -> {
                if (!s.startsWith("fc:")) throw new InvalidInputException("unknown architecture '" + spec + "'; one of: fc, conv, conv+, fc:N,N,... (e.g. fc:100,100)");
                String[] parts = s.substring(3).split(",");
                int[] widths = new int[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    try {
                        widths[i] = Integer.parseInt(parts[i].trim());
                    } catch (NumberFormatException e) {
                        throw new InvalidInputException("architecture '" + spec + "': '" + parts[i] + "' is not a layer width");
                    }
                    if (widths[i] < 1) throw new InvalidInputException("architecture '" + spec + "': widths must be >= 1");
                }
                yield new Architecture(s, dense(widths));
            }
        };
    }

    private static List<Block> dense(int... widths) {
        List<Block> b = new ArrayList<>();
        for (int w : widths) b.add(new Block.Dense(w));
        return b;
    }

    /**
     * A network for samples of {@code input} shape with {@code classes} outputs, initialised as PyTorch does by
     * default (weights and biases uniform in ±1/√fan_in), from {@code seed}.
     */
    public Network build(Shape input, int classes, long seed) {
        return build(input, classes, seed, 0, 1);
    }

    /**
     * As {@link #build(Shape, int, long)} with a fixed normalisation layer {@code (x − mean) / std} in front (an
     * element-wise affine layer: exported with the model, so ε stays in pixel units for every command). Drawn
     * weights are the same as without it.
     */
    public Network build(Shape input, int classes, long seed, double mean, double std) {
        SplittableRandom rng = new SplittableRandom(seed);
        Network.Builder b = Network.builder(input, "input");
        if (mean != 0 || std != 1)
            b.add("normalize", new Layer.Affine(Tensor.full(1 / std, input.dims()), Tensor.full(-mean / std, input.dims())), b.last());
        Shape cur = input;
        boolean flat = input.rank() == 1;
        int index = 0;
        for (Block block : blocks) {
            index++;
            switch (block) {
                case Block.Conv c -> {
                    if (flat) throw new InvalidInputException("architecture " + name + ": a convolution after a dense layer");
                    if (cur.rank() != 3) throw new InvalidInputException("architecture " + name + " needs [C, H, W] images, got " + cur);
                    int inC = cur.dim(0), fan = inC * c.kernel() * c.kernel();
                    var layer = new Layer.Conv2d(uniform(rng, fan, c.channels(), inC, c.kernel(), c.kernel()), uniform(rng, fan, c.channels()),
                            ConvGeometry.simple(c.stride(), 0));
                    b.add("conv" + index, layer, b.last());
                }
                case Block.Dense d -> {
                    if (!flat) {
                        b.add("flatten", new Layer.Flatten(), b.last());
                        flat = true;
                    }
                    int fan = b.shape(b.last()).numel();
                    b.add("fc" + index, new Layer.Dense(uniform(rng, fan, d.width(), fan), uniform(rng, fan, d.width())), b.last());
                }
            }
            b.add("relu" + index, new Layer.Relu(), b.last());
            cur = b.shape(b.last());
        }
        if (!flat) b.add("flatten", new Layer.Flatten(), b.last());
        int fan = b.shape(b.last()).numel();
        b.add("logits", new Layer.Dense(uniform(rng, fan, classes, fan), uniform(rng, fan, classes)), b.last());
        return b.build();
    }

    private static Tensor uniform(SplittableRandom rng, int fanIn, int... shape) {
        double bound = 1 / Math.sqrt(fanIn);
        Tensor t = Tensor.zeros(shape);
        double[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = rng.nextDouble(-bound, bound);
        return t;
    }
}
