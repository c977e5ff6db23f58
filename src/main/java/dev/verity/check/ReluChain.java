package dev.verity.check;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.PoolGeometry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The network as the checker reads it: blocks k = 1..L of steps, a ReLU after every block but the last, {@code y} the
 * last block's output. A step is a linear map with a bias held as a sparse matrix (Dense, Conv2d, an element-wise
 * Affine, an AvgPool2d whose window size is a power of two, so 1/size is exact) or a max over windows (MaxPool2d,
 * bounded by interval arithmetic only). Flatten and Reshape only rename positions in row-major order and are skipped.
 * Any other layer is refused, so a certificate is never accepted for a network the checker does not understand.
 *
 * @param blocks    the steps of each block, in order
 * @param inputSize the number of inputs
 */
record ReluChain(List<List<Step>> blocks, int inputSize) {

    /** One step of a block: {@code in} values to {@code out}. */
    sealed interface Step {
        int in();

        int out();
    }

    /**
     * {@code v_r = bias_r + Σ val·u_col} over row r's entries {@code start[r] .. start[r+1]} (CSR).
     *
     * @param mixing whether the map combines several inputs into one output (not an element-wise scale): interval
     *               arithmetic is exact through one mixing map of the box, which is where the prover uses it alone
     */
    record Sparse(int in, int out, int[] start, int[] col, double[] val, double[] bias, boolean mixing) implements Step { }

    /** {@code v_r = max over window[r]} of the input. */
    record Max(int in, int out, int[][] window) implements Step { }

    int layers() { return blocks.size(); }

    /** {@code n_k}: the size of block k's output (k = 1..L); {@code n_0} the input's. */
    int size(int k) { return k == 0 ? inputSize : blocks.get(k - 1).getLast().out(); }

    static ReluChain of(Network net) {
        List<List<Step>> blocks = new ArrayList<>();
        List<Step> current = new ArrayList<>();
        int size = net.inputShape().numel();
        for (Node node : net.nodes()) {
            if (node.id() != 0 && (node.inputs().size() != 1 || node.inputs().getFirst() != node.id() - 1))
                throw new UnsupportedNetwork("node " + node.name() + " is not a chain link (the checker reads straight chains only)");
            int in = node.id() == 0 ? size : net.node(node.id() - 1).shape().numel();
            Step step = switch (node.layer()) {
                case Layer.Input _, Layer.Flatten _, Layer.Reshape _ -> null;
                case Layer.Dense d -> dense(d);
                case Layer.Conv2d c -> conv(c, net.node(node.id() - 1).shape().dims(), node.shape().dims());
                case Layer.Affine a -> affine(a);
                case Layer.AvgPool2d p -> avgPool(p.geometry(), net.node(node.id() - 1).shape().dims(), node.shape().dims(), node.name());
                case Layer.MaxPool2d p -> maxPool(p.geometry(), net.node(node.id() - 1).shape().dims(), node.shape().dims());
                case Layer.Relu _ -> {
                    if (current.isEmpty()) throw new UnsupportedNetwork("ReLU " + node.name() + " does not follow a linear layer");
                    blocks.add(List.copyOf(current));
                    current.clear();
                    yield null;
                }
                case Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _, Layer.Transpose _, Layer.Pad _, Layer.Add _ ->
                        throw new UnsupportedNetwork("layer " + node.layer().getClass().getSimpleName() + " (" + node.name()
                                + ") is not supported by the checker yet");
            };
            if (step == null) continue;
            if (step.in() != in) throw new UnsupportedNetwork("layer " + node.name() + " reads " + step.in() + " values, gets " + in);
            current.add(step);
        }
        // A network ending in a ReLU (ERAN's mnist_relu_* apply one to the logits) gets an identity block after it, so
        // that y is a block's output as everywhere else.
        if (current.isEmpty() && blocks.isEmpty()) throw new UnsupportedNetwork("the network has no linear layer");
        if (current.isEmpty()) current.add(identity(blocks.getLast().getLast().out()));
        blocks.add(List.copyOf(current));
        return new ReluChain(List.copyOf(blocks), size);
    }

    private static Sparse dense(Layer.Dense d) {
        int out = d.weight().dim(0), in = d.weight().dim(1);
        double[] w = finite(d.weight().data());
        int[] start = new int[out + 1], col = new int[out * in];
        for (int r = 0; r < out; r++) {
            start[r + 1] = (r + 1) * in;
            for (int j = 0; j < in; j++) col[r * in + j] = j;
        }
        return new Sparse(in, out, start, col, w.clone(), finite(d.bias().data()).clone(), true);
    }

    private static Sparse identity(int n) {
        double[] one = new double[n];
        java.util.Arrays.fill(one, 1);
        return diagonal(one, new double[n]);
    }

    private static Sparse affine(Layer.Affine a) {
        return diagonal(finite(a.scale().data()).clone(), finite(a.shift().data()).clone());
    }

    /** The element-wise map {@code v_i = scale_i·u_i + shift_i}. */
    private static Sparse diagonal(double[] scale, double[] shift) {
        int n = scale.length;
        int[] start = new int[n + 1], col = new int[n];
        for (int i = 0; i < n; i++) { start[i + 1] = i + 1; col[i] = i; }
        return new Sparse(n, n, start, col, scale, shift, false);
    }

    private static Sparse conv(Layer.Conv2d c, int[] inShape, int[] outShape) {
        ConvGeometry g = c.geometry();
        int C = inShape[0], H = inShape[1], W = inShape[2], O = outShape[0], oh = outShape[1], ow = outShape[2];
        int cg = c.weight().dim(1), kh = c.weight().dim(2), kw = c.weight().dim(3), perGroup = O / g.groups();
        double[] w = finite(c.weight().data()), b = finite(c.bias().data());
        int out = O * oh * ow, perRow = cg * kh * kw;
        int[] start = new int[out + 1], col = new int[out * perRow];
        double[] val = new double[out * perRow], bias = new double[out];
        int nnz = 0;
        for (int o = 0; o < O; o++) {
            int firstChannel = (o / perGroup) * cg;
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    int r = (o * oh + y) * ow + x;
                    for (int ci = 0; ci < cg; ci++)
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++) {
                                int iy = y * g.strideH() - g.padTop() + ky * g.dilationH(), ix = x * g.strideW() - g.padLeft() + kx * g.dilationW();
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue; // zero padding
                                col[nnz] = ((firstChannel + ci) * H + iy) * W + ix;
                                val[nnz++] = w[((o * cg + ci) * kh + ky) * kw + kx];
                            }
                    bias[r] = b[o];
                    start[r + 1] = nnz;
                }
        }
        return new Sparse(C * H * W, out, start, Arrays.copyOf(col, nnz), Arrays.copyOf(val, nnz), bias, true);
    }

    private static Sparse avgPool(PoolGeometry g, int[] inShape, int[] outShape, String name) {
        int cells = g.kernelH() * g.kernelW();
        if (g.padTop() + g.padLeft() + g.padBottom() + g.padRight() != 0 || g.ceilMode() || Integer.bitCount(cells) != 1)
            throw new UnsupportedNetwork("AvgPool2d " + name + ": the checker reads unpadded windows of a power-of-two size only");
        int[][] windows = windows(g, inShape, outShape);
        int out = windows.length, nnz = out * cells;
        int[] start = new int[out + 1], col = new int[nnz];
        double[] val = new double[nnz];
        for (int r = 0; r < out; r++) {
            start[r + 1] = (r + 1) * cells;
            for (int k = 0; k < cells; k++) { col[r * cells + k] = windows[r][k]; val[r * cells + k] = 1.0 / cells; }
        }
        return new Sparse(inShape[0] * inShape[1] * inShape[2], out, start, col, val, new double[out], true);
    }

    private static Max maxPool(PoolGeometry g, int[] inShape, int[] outShape) {
        return new Max(inShape[0] * inShape[1] * inShape[2], outShape[0] * outShape[1] * outShape[2], windows(g, inShape, outShape));
    }

    /** Each output cell's input cells (cells in the padding are left out: max pooling pads with −∞). */
    private static int[][] windows(PoolGeometry g, int[] inShape, int[] outShape) {
        int C = inShape[0], H = inShape[1], W = inShape[2], oh = outShape[1], ow = outShape[2];
        int[][] out = new int[C * oh * ow][];
        for (int c = 0; c < C; c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    int[] cells = new int[g.kernelH() * g.kernelW()];
                    int k = 0;
                    for (int ky = 0; ky < g.kernelH(); ky++)
                        for (int kx = 0; kx < g.kernelW(); kx++) {
                            int iy = y * g.strideH() - g.padTop() + ky * g.dilationH(), ix = x * g.strideW() - g.padLeft() + kx * g.dilationW();
                            if (iy >= 0 && iy < H && ix >= 0 && ix < W) cells[k++] = (c * H + iy) * W + ix;
                        }
                    out[(c * oh + y) * ow + x] = Arrays.copyOf(cells, k);
                }
        return out;
    }

    private static double[] finite(double[] a) {
        for (double v : a) if (!Double.isFinite(v)) throw new UnsupportedNetwork("non-finite weight " + v);
        return a;
    }

    /** A network outside what the checker reads: the certificate is rejected with this reason. */
    static final class UnsupportedNetwork extends RuntimeException {
        UnsupportedNetwork(String message) { super(message); }
    }
}
