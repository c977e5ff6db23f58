package dev.verity.bounds;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Tensor;

import java.util.function.IntFunction;

/**
 * Back-substitution of single neurons of a convolutional feature map, each row kept as a small window around the
 * neuron's receptive field instead of a whole feature map ("patches", the trick that makes CROWN fast on CNNs in
 * auto_LiRPA, Xu et al. 2020). A neuron of a convolution's output depends on a k×k window of its input, that window
 * on a larger one of the layer before, and so on; dense back-substitution carries every row over the whole map and
 * spends almost all its work on zeros. Here all rows share one window size (they start as 1×1 windows at their own
 * neuron and grow alike), each row has its own offset, and a convolution's transpose runs on the window alone (a
 * convolution without padding, whose output is exactly the window). Cells that fall outside the map are the
 * convolution's zero padding: they are zeroed, so they add nothing to any later term.
 *
 * <p>It walks back through convolutions, element-wise affine layers and element-wise activations (by their
 * relaxation lines, as {@link BackSubstitution}); at any other layer, or when the window has grown to the whole map,
 * it hands the rows over, as dense coefficients, to the {@link BackSubstitution} it was given. The results equal the
 * dense back-substitution's up to rounding (a test checks it on random networks). In sound mode every step charges its
 * rounding error to the row, as {@link BackSubstitution} does ({@link RoundingErrors}).
 */
final class WindowedBackSubstitution {
    private final Network net;
    private final IntFunction<LinearRelaxation<Tensor>> activations;
    private final Interval inputBox;
    private final BackSubstitution<Tensor> dense;
    /** Sound mode's charges; null in round-to-nearest. */
    private final RoundingErrors rounding;
    private final int inputId;
    /** Rows that reached the input in windows, and rows handed over to the dense back-substitution (for tests and profiling). */
    private long windowedRows, handedOverRows;

    WindowedBackSubstitution(Network net, IntFunction<LinearRelaxation<Tensor>> activations, Interval inputBox,
                             BackSubstitution<Tensor> dense, RoundingErrors rounding) {
        this.net = net;
        this.rounding = rounding;
        this.inputId = net.nodes().stream().filter(nd -> nd.layer() instanceof Layer.Input).findFirst().orElseThrow().id();
        this.activations = activations;
        this.inputBox = inputBox;
        this.dense = dense;
    }

    /** Whether node {@code id}'s neurons start windowed: a convolution (or an element-wise affine layer) over a [C, H, W] map. */
    static boolean applies(Network net, int id) {
        Node node = net.node(id);
        if (node.shape().rank() != 3 || node.inputs().size() != 1) return false;
        return switch (node.layer()) {
            case Layer.Conv2d c -> net.node(node.inputs().getFirst()).shape().rank() == 3;
            case Layer.Affine a -> applies(net, node.inputs().getFirst());
            case Layer.Input _, Layer.Dense _, Layer.Relu _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _,
                    Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Flatten _, Layer.Reshape _, Layer.Transpose _,
                    Layer.Pad _, Layer.Add _ -> false;
        };
    }

    long windowedRows() { return windowedRows; }

    long handedOverRows() { return handedOverRows; }

    /**
     * Rows of one window size: coefficients {@code [m, C, hh, ww]} of a node's output, row r's window at (oy[r], ox[r]);
     * {@code err}: the rounding error charged per row so far (sound mode), else null.
     */
    private record Rows(Tensor coeff, int[] oy, int[] ox, double[] bias, double[] err) {
        int m() { return coeff.dim(0); }
        int channels() { return coeff.dim(1); }
        int hh() { return coeff.dim(2); }
        int ww() { return coeff.dim(3); }
    }

    /**
     * Lower bounds of {@code +z_j} (the first k results) and of {@code −z_j} (the next k) for the neurons
     * {@code neurons} (flat indices) of node {@code id}: the same as back-substituting the rows ±e_j densely.
     */
    double[] lowerOfNeurons(int id, int[] neurons) {
        Shape shape = net.node(id).shape();
        int c = shape.dim(0), h = shape.dim(1), w = shape.dim(2), k = neurons.length, m = 2 * k;
        double[] a = new double[m * c];
        int[] oy = new int[m], ox = new int[m];
        for (int j = 0; j < k; j++) {
            int n = neurons[j], ch = n / (h * w), y = (n / w) % h, x = n % w;
            a[j * c + ch] = 1;
            a[(k + j) * c + ch] = -1;
            oy[j] = oy[k + j] = y;
            ox[j] = ox[k + j] = x;
        }
        Rows rows = new Rows(new Tensor(a, m, c, 1, 1), oy, ox, new double[m], rounding == null ? null : new double[m]);
        while (true) {
            Node node = net.node(id);
            Shape s = node.shape();
            if (rows.hh() * rows.ww() >= s.dim(1) * s.dim(2)) return handOver(id, rows);
            Rows next;
            if (rounding != null) charge(id, rows);
            switch (node.layer()) {
                case Layer.Input in -> {
                    windowedRows += m;
                    return boxMin(s, rows);
                }
                case Layer.Conv2d conv -> next = throughConv(node, conv, rows);
                case Layer.Affine af -> next = throughAffine(node, af, rows);
                case Layer.Relu r -> next = throughActivation(node, rows);
                case Layer.LeakyRelu r -> next = throughActivation(node, rows);
                case Layer.Sigmoid r -> next = throughActivation(node, rows);
                case Layer.Tanh r -> next = throughActivation(node, rows);
                case Layer.Dense _, Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Flatten _, Layer.Reshape _,
                        Layer.Transpose _, Layer.Pad _, Layer.Add _ -> next = null;
            }
            if (next == null) return handOver(id, rows);
            id = node.inputs().getFirst();
            rows = next;
        }
    }

    /** The rows' coefficients as dense {@code [m, ...shape(id)]} rows, finished by the dense back-substitution. */
    private double[] handOver(int id, Rows rows) {
        handedOverRows += rows.m();
        Shape s = net.node(id).shape();
        int m = rows.m(), h = s.dim(1), w = s.dim(2), size = s.numel();
        double[] full = new double[m * size];
        double[] cd = rows.coeff().data();
        forEachSpan(rows, h, w, (r, cell, flat, n) -> System.arraycopy(cd, cell, full, r * size + flat, n));
        double[] lower = dense.lower(id, new Tensor(full, s.withBatch(m)), new Tensor(rows.bias().clone(), m, 1)).data();
        return rounding == null ? lower : lowered(lower, rows.err());
    }

    /** Σ coeff⁺·lower + coeff⁻·upper over the input box, plus the bias (less the rows' rounding error in sound mode). */
    private double[] boxMin(Shape s, Rows rows) {
        double[] lo = inputBox.lower(), up = inputBox.upper(), out = rows.bias().clone(), cd = rows.coeff().data();
        forEachSpan(rows, s.dim(1), s.dim(2), (r, cell0, flat0, n) -> {
            double sum = 0;
            for (int cell = cell0, flat = flat0; cell < cell0 + n; cell++, flat++) sum += Math.min(cd[cell] * lo[flat], cd[cell] * up[flat]); // lo ≤ up: no branch on the sign
            out[r] += sum;
        });
        if (rounding == null) return out;
        double[] err = rows.err().clone();
        // the sum starts from the bias: γ over the cells and the bias, then the subtraction of the error itself
        double g = RoundingErrors.gamma(cellsPerRow(rows) + 2);
        chargeCells(rows, s, rounding.magnitudeOf(inputId), g * RoundingErrors.SAFETY, err);
        for (int r = 0; r < out.length; r++) err[r] += g * Math.abs(rows.bias()[r]) + 2 * RoundingErrors.U * Math.abs(out[r]);
        return lowered(out, err);
    }

    private static int cellsPerRow(Rows rows) { return rows.channels() * rows.hh() * rows.ww(); }

    /** {@code value − err} rounded down, the error inflated for its own rounding. */
    private static double[] lowered(double[] value, double[] err) {
        double[] out = new double[value.length];
        for (int r = 0; r < out.length; r++) out[r] = Math.nextDown(value[r] - (err[r] * RoundingErrors.SAFETY + Double.MIN_NORMAL));
        return out;
    }

    /**
     * Sound mode: charges the step out of node {@code id} to {@code rows.err()}, as {@link BackSubstitution} does for a whole
     * map: a convolution or affine layer its charge vector (doubled: here the bias terms are summed per channel, then over
     * channels, into the old bias — a sum at most twice as long as the charge's γ assumes), an activation the rounding of
     * each product (2u per cell, times the input's magnitude) and of its intercept sum (γ over the window); every step
     * adds its terms to the old bias, one running sum: γ over the window times |old bias|.
     */
    private void charge(int id, Rows rows) {
        Node node = net.node(id);
        Shape s = node.shape();
        double gBias = RoundingErrors.gamma(cellsPerRow(rows) + 2);
        for (int r = 0; r < rows.m(); r++) rows.err()[r] += gBias * Math.abs(rows.bias()[r]) + Double.MIN_NORMAL;
        switch (node.layer()) {
            case Layer.Conv2d _, Layer.Affine _ -> chargeCells(rows, s, rounding.linearChargeOf(id), 2 * RoundingErrors.SAFETY, rows.err());
            case Layer.Relu _, Layer.LeakyRelu _, Layer.Sigmoid _, Layer.Tanh _ -> {
                LinearRelaxation<Tensor> rel = activations.apply(id);
                double[] mag = rounding.magnitudeOf(node.inputs().getFirst());
                double[] ls = rel.lowerSlope().data(), us = rel.upperSlope().data();
                double[] li = rel.lowerIntercept() == null ? null : rel.lowerIntercept().data();
                double[] ui = rel.upperIntercept() == null ? null : rel.upperIntercept().data();
                if (ls.length != s.numel() || us.length != s.numel()) return; // handed over: the dense pass charges it
                double[] cd = rows.coeff().data(), err = rows.err();
                double g = RoundingErrors.gamma(Math.max(2, cellsPerRow(rows)));
                forEachSpan(rows, s.dim(1), s.dim(2), (r, cell0, flat0, n) -> {
                    for (int cell = cell0, flat = flat0; cell < cell0 + n; cell++, flat++) {
                        double v = cd[cell];
                        double slope = v > 0 ? ls[flat] : us[flat];
                        double[] icpt = v > 0 ? li : ui;
                        err[r] += 2 * RoundingErrors.U * Math.abs(v * slope) * mag[flat] * RoundingErrors.SAFETY
                                + (icpt == null ? 0 : g * Math.abs(v * icpt[flat]) * RoundingErrors.SAFETY);
                    }
                });
            }
            case Layer.Input _, Layer.Dense _, Layer.MaxPool2d _, Layer.AvgPool2d _, Layer.Flatten _, Layer.Reshape _,
                    Layer.Transpose _, Layer.Pad _, Layer.Add _ -> { } // the input's is charged in boxMin; the others are handed over
        }
    }

    /** {@code err_r += factor·Σ_cells |coeff|·w[flat]} over row r's window cells inside the map. */
    private static void chargeCells(Rows rows, Shape s, double[] w, double factor, double[] err) {
        double[] cd = rows.coeff().data();
        forEachSpan(rows, s.dim(1), s.dim(2), (r, cell0, flat0, n) -> {
            for (int cell = cell0, flat = flat0; cell < cell0 + n; cell++, flat++) err[r] += factor * Math.abs(cd[cell]) * w[flat];
        });
        for (int r = 0; r < err.length; r++) err[r] += Double.MIN_NORMAL;
    }

    /**
     * The transposed convolution on the window: the input window that an output window of hh × ww reads, size
     * {@code (hh−1)·stride + dilation·(k−1) + 1}, at offset {@code oy·stride − padTop}; the bias adds coeff·b.
     */
    private Rows throughConv(Node node, Layer.Conv2d conv, Rows rows) {
        ConvGeometry g = conv.geometry();
        Tensor weight = conv.weight();
        int kh = weight.dim(2), kw = weight.dim(3), m = rows.m(), o = rows.channels(), cells = rows.hh() * rows.ww();
        double[] bias = rows.bias().clone(), cd = rows.coeff().data(), b = conv.bias().data();
        for (int r = 0; r < m; r++)
            for (int ch = 0; ch < o; ch++) {
                double sum = 0;
                int base = (r * o + ch) * cells;
                for (int i = 0; i < cells; i++) sum += cd[base + i];
                bias[r] += sum * b[ch];
            }
        int inH = (rows.hh() - 1) * g.strideH() + g.dilationH() * (kh - 1) + 1;
        int inW = (rows.ww() - 1) * g.strideW() + g.dilationW() * (kw - 1) + 1;
        ConvGeometry unpadded = new ConvGeometry(g.strideH(), g.strideW(), 0, 0, 0, 0, g.dilationH(), g.dilationW(), g.groups());
        Tensor back = rows.coeff().conv2dAdjoint(weight, inH, inW, unpadded);
        int[] oy = new int[m], ox = new int[m];
        for (int r = 0; r < m; r++) {
            oy[r] = rows.oy()[r] * g.strideH() - g.padTop();
            ox[r] = rows.ox()[r] * g.strideW() - g.padLeft();
        }
        Rows next = new Rows(back, oy, ox, bias, rows.err());
        Shape in = net.node(node.inputs().getFirst()).shape();
        zeroOutside(next, in.dim(1), in.dim(2));
        return next;
    }

    /** Element-wise {@code scale·z + shift}: the coefficients scale, the bias adds coeff·shift. */
    private Rows throughAffine(Node node, Layer.Affine af, Rows rows) {
        Shape s = node.shape();
        double[] scale = af.scale().data(), shift = af.shift().data();
        double[] cd = rows.coeff().data(), out = new double[cd.length], bias = rows.bias().clone();
        forEachSpan(rows, s.dim(1), s.dim(2), (r, cell0, flat0, n) -> {
            for (int cell = cell0, flat = flat0; cell < cell0 + n; cell++, flat++) {
                bias[r] += cd[cell] * shift[flat];
                out[cell] = cd[cell] * scale[flat];
            }
        });
        return new Rows(new Tensor(out, rows.coeff().shape()), rows.oy(), rows.ox(), bias, rows.err());
    }

    /** The activation's lines: coeff⁺·lowerSlope + coeff⁻·upperSlope, the bias adds the matching intercepts. */
    private Rows throughActivation(Node node, Rows rows) {
        LinearRelaxation<Tensor> rel = activations.apply(node.id());
        Shape s = node.shape();
        if (rel.inputShift() != null || rel.lowerSlope().size() != s.numel() || rel.upperSlope().size() != s.numel()) return null;
        double[] ls = rel.lowerSlope().data(), us = rel.upperSlope().data();
        double[] li = rel.lowerIntercept() == null ? null : rel.lowerIntercept().data();
        double[] ui = rel.upperIntercept() == null ? null : rel.upperIntercept().data();
        if ((li != null && li.length != s.numel()) || (ui != null && ui.length != s.numel())) return null;
        double[] cd = rows.coeff().data(), out = new double[cd.length], bias = rows.bias().clone();
        // Branch-free (the coefficients' signs are unpredictable): v⁺·lowerSlope + v⁻·upperSlope, one term exactly zero.
        forEachSpan(rows, s.dim(1), s.dim(2), (r, cell0, flat0, n) -> {
            double add = 0;
            for (int cell = cell0, flat = flat0; cell < cell0 + n; cell++, flat++) {
                double pos = Math.max(cd[cell], 0), neg = Math.min(cd[cell], 0);
                out[cell] = pos * ls[flat] + neg * us[flat];
                if (li != null) add += pos * li[flat];
                if (ui != null) add += neg * ui[flat];
            }
            bias[r] += add;
        });
        return new Rows(new Tensor(out, rows.coeff().shape()), rows.oy(), rows.ox(), bias, rows.err());
    }

    private static void zeroOutside(Rows rows, int h, int w) {
        double[] cd = rows.coeff().data();
        int c = rows.channels(), hh = rows.hh(), ww = rows.ww();
        for (int r = 0; r < rows.m(); r++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < hh; p++) {
                    int y = rows.oy()[r] + p, base = ((r * c + ch) * hh + p) * ww;
                    for (int q = 0; q < ww; q++) {
                        int x = rows.ox()[r] + q;
                        if (y < 0 || y >= h || x < 0 || x >= w) cd[base + q] = 0;
                    }
                }
    }

    /** A run of {@code n} consecutive window cells of one row that lie inside the map. */
    @FunctionalInterface
    private interface Span {
        void at(int row, int cell, int flat, int n);
    }

    /**
     * Visits every window cell inside the h × w map, one run of a window line at a time: its row, the first cell's
     * index in the rows' tensor and its flat index in the map (both advance by one along the run). Runs, not cells,
     * because the six visitors make the call megamorphic: a call per cell was 15 % of CROWN's time on oval21.
     */
    private static void forEachSpan(Rows rows, int h, int w, Span visit) {
        int c = rows.channels(), hh = rows.hh(), ww = rows.ww();
        for (int r = 0; r < rows.m(); r++) {
            int oy = rows.oy()[r], ox = rows.ox()[r];
            int p0 = Math.max(0, -oy), p1 = Math.min(hh, h - oy), q0 = Math.max(0, -ox), q1 = Math.min(ww, w - ox);
            for (int ch = 0; ch < c; ch++)
                for (int p = p0; p < p1; p++) {
                    int cell = ((r * c + ch) * hh + p) * ww, flat = (ch * h + oy + p) * w + ox;
                    if (q1 > q0) visit.at(r, cell + q0, flat + q0, q1 - q0);
                }
        }
    }
}
