package dev.verity.onnx;

import dev.verity.model.Layer;
import dev.verity.model.Shape;
import dev.verity.onnx.OnnxValue.Computed;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Maps one ONNX node with at least one computed input onto IR layers. Every attribute is interpreted
 * relative to the full ONNX tensor (batch axis included, see {@link Computed}); semantics are those of
 * the ONNX operator specification (Operators.md). What Verity cannot represent exactly is an error
 * naming the op, the node and the file, never an approximation.
 */
final class OpMapper {
    private final IrGraph ir;
    /** Whether no value other than the one being mapped reads the IR node of a computed value (so it may be rewritten). */
    private final Predicate<Computed> exclusive;

    OpMapper(IrGraph ir, Predicate<Computed> exclusive) {
        this.ir = ir;
        this.exclusive = exclusive;
    }

    /** The values of the node's outputs, in order (fewer than declared when the rest are not produced). */
    List<OnnxValue> map(OnnxNode node, List<OnnxValue> in) {
        if (!node.domain().isEmpty() && !node.domain().equals("ai.onnx")) throw node.unsupported("custom operator domain '" + node.domain() + "'");
        return switch (node.opType()) {
            case "Relu" -> unary(node, in, new Layer.Relu());
            case "LeakyRelu" -> unary(node, in, new Layer.LeakyRelu(node.getFloat("alpha", 0.01f)));
            case "Sigmoid" -> unary(node, in, new Layer.Sigmoid());
            case "Tanh" -> unary(node, in, new Layer.Tanh());
            case "Identity" -> List.of(computed(node, in, 0, "input"));
            case "Dropout" -> dropout(node, in);
            case "Cast" -> cast(node, in);
            case "Neg" -> {
                Computed x = computed(node, in, 0, "input");
                yield List.of(affine(node, x, Tensor.full(-1, x.sampleDims()), Tensor.zeros(x.sampleDims())));
            }
            case "Add", "Sub", "Mul", "Div" -> List.of(arithmetic(node, in));
            case "Gemm" -> List.of(gemm(node, in));
            case "MatMul" -> List.of(matmul(node, in));
            case "Conv" -> List.of(conv(node, in));
            case "MaxPool", "AveragePool" -> List.of(pool(node, in));
            case "GlobalAveragePool", "GlobalMaxPool" -> List.of(globalPool(node, in));
            case "BatchNormalization" -> List.of(batchNorm(node, in));
            case "Pad" -> List.of(pad(node, in));
            case "Flatten" -> {
                Computed x = computed(node, in, 0, "input");
                yield List.of(reshapeTo(node, x, ConstantFolder.flattenDims(x.dims(), node.getInt("axis", 1))));
            }
            case "Reshape" -> {
                Computed x = computed(node, in, 0, "data");
                if (in.size() > 1 && in.get(1) instanceof Computed) throw node.unsupported("a computed target shape");
                long[] target = ConstantFolder.reshapeTarget(node, constants(in));
                yield List.of(reshapeTo(node, x, ConstantFolder.reshapeDims(node, x.dims(), target)));
            }
            case "Squeeze", "Unsqueeze" -> List.of(squeeze(node, in));
            case "Transpose" -> List.of(transpose(node, in));
            case "Shape" -> List.of(new OnnxValue.Constant(ConstantFolder.shapeOf(node, computed(node, in, 0, "input").dims())));
            case "Size" -> List.of(new OnnxValue.Constant(ConstTensor.int64Scalar(Shapes.numel(computed(node, in, 0, "input").dims()))));
            case "Concat", "Gather", "Slice", "Expand", "Split", "Tile" ->
                    throw node.unsupported(node.opType() + " of a computed value has no Verity layer");
            default -> throw node.unsupported(null);
        };
    }

    // ---- element-wise ----

    private List<OnnxValue> unary(OnnxNode node, List<OnnxValue> in, Layer layer) {
        Computed x = computed(node, in, 0, "input");
        return List.of(new Computed(add(node, "", layer, x.node()), x.dims(), x.batched()));
    }

    private List<OnnxValue> dropout(OnnxNode node, List<OnnxValue> in) {
        // Inference semantics: the identity. opset 12 made training_mode an input; it must be false.
        if (in.size() > 2 && in.get(2) != null) {
            if (!(in.get(2) instanceof OnnxValue.Constant(ConstTensor t)) || t.longAt(0) != 0)
                throw node.unsupported("training_mode must be a constant false");
        }
        return List.of(computed(node, in, 0, "data"));
    }

    private List<OnnxValue> cast(OnnxNode node, List<OnnxValue> in) {
        int to = (int) node.getInt("to", 0);
        if (to != ConstTensor.FLOAT && to != ConstTensor.DOUBLE)
            throw node.unsupported("Cast of a computed value to " + TensorProtos.typeName(to) + " (only FLOAT and DOUBLE keep the value)");
        return List.of(computed(node, in, 0, "input"));
    }

    /** Add/Sub/Mul/Div: with a constant operand an Affine, for two computed values an Add (Sub: Add of an Affine(-1)). */
    private OnnxValue arithmetic(OnnxNode node, List<OnnxValue> in) {
        if (in.size() != 2 || in.get(0) == null || in.get(1) == null) throw node.invalid("needs two inputs");
        String op = node.opType();
        if (in.get(0) instanceof Computed a && in.get(1) instanceof Computed b) {
            if (op.equals("Mul") || op.equals("Div")) throw node.unsupported("the product or quotient of two computed values has no Verity layer");
            if (!Arrays.equals(a.dims(), b.dims()))
                throw node.unsupported("broadcasting " + op + " of computed values of shapes " + Shapes.str(a.dims()) + " and " + Shapes.str(b.dims()));
            if (a.batched() != b.batched()) {
                a = asBatched(node, a);
                b = asBatched(node, b);
            }
            int bNode = b.node();
            if (op.equals("Sub")) {
                // The negation may be folded into b's producer only if nothing else (a included) reads it.
                bNode = ir.affine(node.irName() + "/neg", b.node(), Tensor.full(-1, b.sampleDims()), Tensor.zeros(b.sampleDims()),
                        a.node() != b.node() && exclusive.test(b));
            }
            return new Computed(add(node, "", new Layer.Add(), a.node(), bNode), a.dims(), a.batched());
        }
        boolean constFirst = in.get(0) instanceof OnnxValue.Constant;
        Computed x = (Computed) in.get(constFirst ? 1 : 0);
        ConstTensor c = ((OnnxValue.Constant) in.get(constFirst ? 0 : 1)).tensor();
        double[] v = expandTo(node, c, x);
        int n = v.length;
        double[] scale = new double[n], shift = new double[n];
        for (int i = 0; i < n; i++) {
            switch (op) {
                case "Add" -> { scale[i] = 1; shift[i] = v[i]; }
                case "Sub" -> { scale[i] = constFirst ? -1 : 1; shift[i] = constFirst ? v[i] : -v[i]; }
                case "Mul" -> scale[i] = v[i];
                default -> {
                    if (constFirst) throw node.unsupported("division by a computed value has no Verity layer");
                    if (v[i] == 0) throw node.invalid("division by a constant containing 0");
                    scale[i] = 1 / v[i];
                }
            }
        }
        int[] s = x.sampleDims();
        return affine(node, x, new Tensor(scale, s), new Tensor(shift, s));
    }

    /** The constant broadcast to the computed operand's shape, which broadcasting must not change. */
    private static double[] expandTo(OnnxNode node, ConstTensor c, Computed x) {
        int[] out;
        try {
            out = Shapes.broadcast(x.dims(), c.shape());
        } catch (IllegalArgumentException e) {
            throw node.invalid(e.getMessage());
        }
        if (!Arrays.equals(out, x.dims()))
            throw node.unsupported("the constant of shape " + Shapes.str(c.shape()) + " broadcasts the computed value " + Shapes.str(x.dims())
                    + " to " + Shapes.str(out));
        return c.broadcastTo(x.dims()).doubles();
    }

    private Computed affine(OnnxNode node, Computed x, Tensor scale, Tensor shift) {
        int id = ir.affine(node.irName(), x.node(), scale, shift, exclusive.test(x));
        return new Computed(id, x.dims(), x.batched());
    }

    // ---- linear layers ----

    /** Gemm {@code Y = alpha op(A) op(B) + beta C} with computed A [M, K]: a Dense with weight alpha op(B)^T. */
    private OnnxValue gemm(OnnxNode node, List<OnnxValue> in) {
        if (!(in.get(0) instanceof Computed a)) throw node.unsupported("Gemm of a constant A and a computed B");
        if (node.getInt("transA", 0) != 0) throw node.unsupported("transA=1 on the computed input A");
        ConstTensor b = constant(node, in, 1, "B");
        if (a.rank() != 2 || b.rank() != 2) throw node.invalid("Gemm needs 2-D A and B, got " + Shapes.str(a.dims()) + " and " + Shapes.str(b.shape()));
        boolean transB = node.getInt("transB", 0) != 0;
        int m = a.dims()[0], k = a.dims()[1];
        int[] bs = b.shape();
        int n = transB ? bs[0] : bs[1];
        if ((transB ? bs[1] : bs[0]) != k)
            throw node.invalid("A " + Shapes.str(a.dims()) + " and B " + Shapes.str(bs) + (transB ? " (transposed)" : "") + " do not multiply");
        double alpha = node.getFloat("alpha", 1), beta = node.getFloat("beta", 1);
        double[] bv = b.doubles();
        double[] w = new double[n * k];
        for (int o = 0; o < n; o++)
            for (int i = 0; i < k; i++) w[o * k + i] = alpha * (transB ? bv[o * k + i] : bv[i * n + o]);
        double[] bias = new double[n];
        double[] rowBias = null;
        if (in.size() > 2 && in.get(2) != null) {
            ConstTensor c = constant(node, in, 2, "C");
            double[] cv;
            try {
                cv = c.broadcastTo(new int[] {m, n}).doubles();
            } catch (IllegalArgumentException e) {
                throw node.invalid("C of shape " + Shapes.str(c.shape()) + " does not broadcast to [" + m + ", " + n + "]");
            }
            for (int i = 0; i < cv.length; i++) cv[i] *= beta;
            boolean sameRows = true;
            for (int i = n; i < cv.length; i++) sameRows &= cv[i] == cv[i % n];
            if (sameRows) System.arraycopy(cv, 0, bias, 0, n);
            else rowBias = cv;
        }
        int id = add(node, "", new Layer.Dense(new Tensor(w, n, k), new Tensor(bias, n)), a.node());
        Computed y = new Computed(id, new int[] {m, n}, a.batched());
        // A bias that differs between rows of an unbatched A is an element-wise shift after the Dense.
        return rowBias == null ? y : affine(node, y, Tensor.full(1, y.sampleDims()), new Tensor(rowBias, y.sampleDims()));
    }

    /** MatMul (NumPy matmul semantics) with one constant operand; a following Add of a constant folds into the bias. */
    private OnnxValue matmul(OnnxNode node, List<OnnxValue> in) {
        if (in.get(0) instanceof Computed && in.get(1) instanceof Computed)
            throw node.unsupported("the product of two computed values has no Verity layer");
        if (in.get(1) instanceof OnnxValue.Constant(ConstTensor w)) return matmulByConstant(node, (Computed) in.get(0), w);
        return constantTimesMatrix(node, ((OnnxValue.Constant) in.get(0)).tensor(), (Computed) in.get(1));
    }

    /** {@code x [..., K] @ w}: w [K, N] is a Dense on the last axis; w [K] contracts the last axis away. */
    private OnnxValue matmulByConstant(OnnxNode node, Computed x, ConstTensor w) {
        int[] xd = x.dims(), wd = w.shape();
        int k = xd[xd.length - 1];
        if (wd.length > 2) {
            for (int i = 0; i < wd.length - 2; i++)
                if (wd[i] != 1) throw node.unsupported("a batched constant operand of shape " + Shapes.str(wd));
            wd = Arrays.copyOfRange(wd, wd.length - 2, wd.length);
        }
        if (wd.length == 0 || wd[0] != k) throw node.invalid("MatMul of " + Shapes.str(xd) + " and " + Shapes.str(w.shape()));
        int n = wd.length == 2 ? wd[1] : 1;
        double[] wv = w.doubles();
        double[] t = new double[n * k];
        for (int o = 0; o < n; o++)
            for (int i = 0; i < k; i++) t[o * k + i] = wv[i * n + o];
        int id = add(node, "", new Layer.Dense(new Tensor(t, n, k), Tensor.zeros(n)), x.node());
        int[] outDims = xd.clone();
        outDims[outDims.length - 1] = n;
        Computed y = new Computed(id, outDims, x.batched());
        // NumPy matmul: a 1-D w contracts the last axis away; a w of rank > 2 (unit leading axes) adds leading axes.
        int[] base = wd.length == 1 ? Arrays.copyOf(xd, xd.length - 1) : outDims;
        int lead = w.rank() <= 2 ? 0 : xd.length == 1 ? w.rank() - 2 : Math.max(0, w.rank() - xd.length);
        int[] want = new int[lead + base.length];
        Arrays.fill(want, 0, lead, 1);
        System.arraycopy(base, 0, want, lead, base.length);
        return Arrays.equals(want, outDims) ? y : reshapeTo(node, y, want);
    }

    /** {@code a [M, K] @ x}: for a vector x [K] a Dense; for x [..., K, N] a Dense between two transposes of the last two axes. */
    private OnnxValue constantTimesMatrix(OnnxNode node, ConstTensor a, Computed x) {
        if (a.rank() != 2) throw node.unsupported("a constant first operand of rank " + a.rank());
        int m = a.shape()[0], k = a.shape()[1];
        int[] xd = x.dims();
        Tensor weight = a.toTensor(m, k);
        Tensor zero = Tensor.zeros(m);
        if (xd.length == 1) {
            if (xd[0] != k) throw node.invalid("MatMul of " + Shapes.str(a.shape()) + " and " + Shapes.str(xd));
            return new Computed(add(node, "", new Layer.Dense(weight, zero), x.node()), new int[] {m}, x.batched());
        }
        if (xd[xd.length - 2] != k) throw node.invalid("MatMul of " + Shapes.str(a.shape()) + " and " + Shapes.str(xd));
        int sampleRank = x.sampleDims().length;
        if (sampleRank < 2) throw node.unsupported("the contracted axis of the computed operand " + Shapes.str(xd) + " is its batch axis");
        int[] swap = new int[sampleRank];
        for (int i = 0; i < sampleRank; i++) swap[i] = i;
        swap[sampleRank - 1] = sampleRank - 2;
        swap[sampleRank - 2] = sampleRank - 1;
        int t1 = add(node, "/transpose_in", new Layer.Transpose(swap), x.node());
        int d = add(node, "", new Layer.Dense(weight, zero), t1);
        int t2 = add(node, "/transpose_out", new Layer.Transpose(swap), d);
        int[] outDims = xd.clone();
        outDims[outDims.length - 2] = m;
        return new Computed(t2, outDims, x.batched());
    }

    // ---- convolution and pooling ----

    /** Conv with 2 spatial axes, or 1 (as 2-D over a height-1 image); weight [O, C/group, k...], optional bias [O]. */
    private OnnxValue conv(OnnxNode node, List<OnnxValue> in) {
        Computed x = asBatched(node, computed(node, in, 0, "X"));
        ConstTensor w = constant(node, in, 1, "W");
        int spatial = x.rank() - 2;
        if (spatial != 1 && spatial != 2) throw node.unsupported("Conv with " + spatial + " spatial axes (Verity has 1-D and 2-D)");
        int[] xd = x.dims(), wd = w.shape();
        int group = (int) node.getInt("group", 1);
        if (wd.length != x.rank() || group < 1 || wd[1] * group != xd[1] || wd[0] % group != 0)
            throw node.invalid("weight " + Shapes.str(wd) + " with group " + group + " does not fit input " + Shapes.str(xd));
        int[] kernel = Arrays.copyOfRange(wd, 2, wd.length);
        int[] declared = node.getIntArray("kernel_shape", kernel);
        if (!Arrays.equals(declared, kernel)) throw node.invalid("kernel_shape " + Arrays.toString(declared) + " differs from the weight " + Shapes.str(wd));
        Window win = Window.resolve(node, Arrays.copyOfRange(xd, 2, xd.length), kernel);
        double[] bias = new double[wd[0]];
        if (in.size() > 2 && in.get(2) != null) {
            ConstTensor b = constant(node, in, 2, "B");
            if (b.numel() != wd[0]) throw node.invalid("bias " + Shapes.str(b.shape()) + " for " + wd[0] + " output channels");
            bias = b.doubles();
        }
        int[] w2 = spatial == 2 ? wd : new int[] {wd[0], wd[1], 1, wd[2]};
        Layer.Conv2d layer = new Layer.Conv2d(w.toTensor(w2), new Tensor(bias, wd[0]), win.asTwoD().conv(group));
        return spatial == 2 ? spatialLayer(node, x, layer) : spatialLayer1d(node, x, layer);
    }

    private OnnxValue pool(OnnxNode node, List<OnnxValue> in) {
        Computed x = asBatched(node, computed(node, in, 0, "X"));
        int spatial = x.rank() - 2;
        if (spatial != 1 && spatial != 2) throw node.unsupported(node.opType() + " with " + spatial + " spatial axes (Verity has 1-D and 2-D)");
        int[] kernel = node.getIntArray("kernel_shape", null);
        if (kernel == null || kernel.length != spatial) throw node.invalid("kernel_shape must give " + spatial + " values");
        int[] xd = x.dims();
        Window win = Window.resolve(node, Arrays.copyOfRange(xd, 2, xd.length), kernel).asTwoD();
        boolean ceil = node.getInt("ceil_mode", 0) != 0;
        boolean max = node.opType().equals("MaxPool");
        boolean includePad = !max && node.getInt("count_include_pad", 0) != 0;
        PoolGeometry g = win.pool(ceil, includePad);
        if (ceil) checkCeilWindows(node, g, spatial == 2 ? xd[2] : 1, xd[xd.length - 1]);
        Layer layer = max ? new Layer.MaxPool2d(g) : new Layer.AvgPool2d(g);
        return spatial == 2 ? spatialLayer(node, x, layer) : spatialLayer1d(node, x, layer);
    }

    /**
     * With ceil_mode the ONNX formula {@code ceil((in + pads - dilation (k - 1) - 1) / stride) + 1} can add a last
     * window that starts past the input and its begin padding. PyTorch (and {@link PoolGeometry}) drop it;
     * onnxruntime 1.20 keeps it and fills it with an undefined value; the ONNX spec leaves it open
     * (onnx/onnx#3314). Such a model has no agreed meaning, so it is refused rather than guessed.
     */
    private static void checkCeilWindows(OnnxNode node, PoolGeometry g, int h, int w) {
        int spanH = h + g.padTop() + g.padBottom() - g.dilationH() * (g.kernelH() - 1) - 1;
        int spanW = w + g.padLeft() + g.padRight() - g.dilationW() * (g.kernelW() - 1) - 1;
        if (Math.ceilDiv(spanH, g.strideH()) + 1 != g.outH(h) || Math.ceilDiv(spanW, g.strideW()) + 1 != g.outW(w))
            throw node.unsupported("ceil_mode=1 adds a window that starts past the input and its begin padding; ONNX runtimes disagree"
                    + " on whether it exists (onnx/onnx#3314)");
    }

    private OnnxValue globalPool(OnnxNode node, List<OnnxValue> in) {
        Computed x = asBatched(node, computed(node, in, 0, "X"));
        int spatial = x.rank() - 2;
        if (spatial != 1 && spatial != 2) throw node.unsupported(node.opType() + " with " + spatial + " spatial axes");
        int[] xd = x.dims();
        int h = spatial == 2 ? xd[2] : 1, w = xd[xd.length - 1];
        var g = new PoolGeometry(h, w, 1, 1, 0, 0, 0, 0, 1, 1, false, false);
        Layer layer = node.opType().equals("GlobalMaxPool") ? new Layer.MaxPool2d(g) : new Layer.AvgPool2d(g);
        return spatial == 2 ? spatialLayer(node, x, layer) : spatialLayer1d(node, x, layer);
    }

    private Computed spatialLayer(OnnxNode node, Computed x, Layer layer) {
        int id = add(node, "", layer, x.node());
        return new Computed(id, Shapes.withLeading(1, ir.shape(id).dims()), true);
    }

    /** A 1-D layer over {@code [1, C, L]}: reshape to {@code [C, 1, L]}, apply the 2-D layer, reshape back. */
    private Computed spatialLayer1d(OnnxNode node, Computed x, Layer layer) {
        int[] s = x.sampleDims();
        int up = add(node, "/to2d", new Layer.Reshape(new Shape(s[0], 1, s[1])), x.node());
        int id = add(node, "", layer, up);
        Shape out = ir.shape(id);
        int down = add(node, "/to1d", new Layer.Reshape(new Shape(out.dim(0), out.dim(2))), id);
        return new Computed(down, new int[] {1, out.dim(0), out.dim(2)}, true);
    }

    /** Inference batch normalisation over ONNX axis 1: {@code y = scale (x - mean) / sqrt(var + epsilon) + B}. */
    private OnnxValue batchNorm(OnnxNode node, List<OnnxValue> in) {
        Computed x = computed(node, in, 0, "X");
        if (node.getInt("training_mode", 0) != 0) throw node.unsupported("training_mode=1");
        if (node.getInt("spatial", 1) == 0 && x.rank() > 2) throw node.unsupported("spatial=0 (per-activation statistics)");
        if (x.rank() < 2) throw node.invalid("input " + Shapes.str(x.dims()) + " has no channel axis");
        double[] gamma = constant(node, in, 1, "scale").doubles(), beta = constant(node, in, 2, "B").doubles();
        double[] mean = constant(node, in, 3, "input_mean").doubles(), var = constant(node, in, 4, "input_var").doubles();
        int[] xd = x.dims();
        int channels = xd[1];
        if (gamma.length != channels || beta.length != channels || mean.length != channels || var.length != channels)
            throw node.invalid("parameters do not have " + channels + " channels");
        double eps = node.getFloat("epsilon", 1e-5f);
        int inner = Shapes.numelInt(xd) / (xd[0] * channels);
        int n = Shapes.numelInt(xd);
        double[] scale = new double[n], shift = new double[n];
        for (int i = 0; i < n; i++) {
            int c = (i / inner) % channels;
            double a = gamma[c] / Math.sqrt(var[c] + eps);
            scale[i] = a;
            shift[i] = beta[c] - mean[c] * a;
        }
        int[] s = x.sampleDims();
        return affine(node, x, new Tensor(scale, s), new Tensor(shift, s));
    }

    /** Constant-mode Pad; pads from the attribute (opset < 11) or input 1, value from the attribute or input 2, axes (opset 18) input 3. */
    private OnnxValue pad(OnnxNode node, List<OnnxValue> in) {
        Computed x = computed(node, in, 0, "data");
        String mode = node.getString("mode", "constant");
        if (!mode.equals("constant")) throw node.unsupported("mode '" + mode + "' (only constant padding)");
        int r = x.rank();
        long[] given = node.has("pads") ? node.getInts("pads") : constant(node, in, 1, "pads").longs();
        double value = node.has("value") ? node.getFloat("value", 0)
                : in.size() > 2 && in.get(2) != null ? constant(node, in, 2, "constant_value").doubleAt(0) : 0;
        long[] pads = new long[2 * r];
        if (in.size() > 3 && in.get(3) != null) {
            long[] axes = constant(node, in, 3, "axes").longs();
            if (given.length != 2 * axes.length) throw node.invalid("pads " + Arrays.toString(given) + " for axes " + Arrays.toString(axes));
            for (int i = 0; i < axes.length; i++) {
                int ax = Shapes.axis(axes[i], r);
                pads[ax] = given[i];
                pads[ax + r] = given[i + axes.length];
            }
        } else {
            if (given.length != 2 * r) throw node.invalid("pads " + Arrays.toString(given) + " for an input of rank " + r);
            pads = given;
        }
        boolean zero = true;
        for (long p : pads) {
            if (p < 0) throw node.unsupported("negative pads (cropping) " + Arrays.toString(pads));
            zero &= p == 0;
        }
        if (zero) return x;
        if (x.batched() && (pads[0] != 0 || pads[r] != 0)) throw node.unsupported("padding of the batch axis " + Arrays.toString(pads));
        int off = x.batched() ? 1 : 0, sr = r - off;
        int[] sp = new int[2 * sr];
        int[] out = x.dims();
        for (int i = 0; i < sr; i++) {
            sp[i] = Math.toIntExact(pads[i + off]);
            sp[i + sr] = Math.toIntExact(pads[i + off + r]);
        }
        for (int i = 0; i < r; i++) out[i] += (int) (pads[i] + pads[i + r]);
        return new Computed(add(node, "", new Layer.Pad(sp, value), x.node()), out, x.batched());
    }

    // ---- shape ops ----

    private OnnxValue squeeze(OnnxNode node, List<OnnxValue> in) {
        Computed x = computed(node, in, 0, "data");
        if (in.size() > 1 && in.get(1) instanceof Computed) throw node.unsupported("computed axes");
        long[] axes = ConstantFolder.axesOf(node, constants(in), 1);
        int[] dims = node.opType().equals("Squeeze") ? ConstantFolder.squeezeDims(node, x.dims(), axes)
                : ConstantFolder.unsqueezeDims(node, x.dims(), axes);
        return reshapeTo(node, x, dims);
    }

    private OnnxValue transpose(OnnxNode node, List<OnnxValue> in) {
        Computed x = computed(node, in, 0, "data");
        int[] perm = ConstantFolder.permOf(node, x.rank());
        if (x.batched() && perm[0] != 0) throw node.unsupported("perm " + Arrays.toString(perm) + " moves the batch axis (element 0 must stay 0)");
        int off = x.batched() ? 1 : 0;
        int[] sp = new int[perm.length - off];
        boolean identity = true;
        for (int i = 0; i < sp.length; i++) {
            sp[i] = perm[i + off] - off;
            identity &= sp[i] == i;
        }
        int[] out = Shapes.permute(x.dims(), perm);
        if (identity) return x;
        return new Computed(add(node, "", new Layer.Transpose(sp), x.node()), out, x.batched());
    }

    /** A row-major reshape of x to the ONNX shape {@code dims}: no layer if the sample shape does not change. */
    private Computed reshapeTo(OnnxNode node, Computed x, int[] dims) {
        if (Shapes.numel(dims) != Shapes.numel(x.dims())) throw node.invalid("cannot reshape " + Shapes.str(x.dims()) + " to " + Shapes.str(dims));
        boolean batched = OnnxValue.leadingBatchAxis(dims);
        int[] sample = batched ? Shapes.tail(dims) : dims;
        if (Arrays.equals(sample, x.sampleDims())) return new Computed(x.node(), dims, batched);
        Layer layer = sample.length == 1 ? new Layer.Flatten() : new Layer.Reshape(new Shape(sample));
        return new Computed(add(node, "", layer, x.node()), dims, batched);
    }

    /** x with its leading axis (which must be 1) as the batch axis, as convolutions and pooling need. */
    private Computed asBatched(OnnxNode node, Computed x) {
        if (x.batched()) return x;
        int[] d = x.dims();
        if (d.length < 2 || d[0] != 1) throw node.unsupported("input " + Shapes.str(d) + " has no batch axis of size 1");
        int id = add(node, "/batch", new Layer.Reshape(new Shape(Shapes.tail(d))), x.node());
        return new Computed(id, d, true);
    }

    // ---- helpers ----

    private int add(OnnxNode node, String suffix, Layer layer, int... inputs) {
        try {
            return ir.add(node.irName() + suffix, layer, inputs);
        } catch (IllegalArgumentException e) {
            throw node.invalid(e.getMessage());
        }
    }

    private static Computed computed(OnnxNode node, List<OnnxValue> in, int i, String role) {
        if (i >= in.size() || in.get(i) == null) throw node.invalid("missing input " + role);
        if (!(in.get(i) instanceof Computed c)) throw node.unsupported("input " + role + " is a constant while another input is computed");
        return c;
    }

    private static ConstTensor constant(OnnxNode node, List<OnnxValue> in, int i, String role) {
        if (i >= in.size() || in.get(i) == null) throw node.invalid("missing input " + role);
        if (!(in.get(i) instanceof OnnxValue.Constant(ConstTensor t))) throw node.unsupported("input " + role + " must be a constant, it is computed");
        return t;
    }

    /** The constant inputs, with null for computed or omitted ones (for helpers that read optional constant inputs). */
    private static List<ConstTensor> constants(List<OnnxValue> in) {
        return in.stream().map(v -> v instanceof OnnxValue.Constant(ConstTensor t) ? t : null).toList();
    }
}
