package dev.verity.onnx;

import dev.verity.model.BatchAxis;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.onnx.proto.Onnx.GraphProto;
import dev.verity.onnx.proto.Onnx.ModelProto;
import dev.verity.onnx.proto.Onnx.OperatorSetIdProto;
import dev.verity.tensor.PoolGeometry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.verity.onnx.GraphWriter.floatAttr;
import static dev.verity.onnx.GraphWriter.intAttr;
import static dev.verity.onnx.GraphWriter.intsAttr;

/**
 * Writes a Verity {@link Network} as an ONNX model that {@link OnnxImporter} reads back to the same function
 * and onnxruntime runs.
 *
 * <p>The graph input is named after the network's input node and has shape {@code [batch, ...inputShape]} with a
 * symbolic batch axis; the output likewise. Every attribute is written for the batched tensor (Verity's layers
 * count sample axes, see {@link BatchAxis}). Weights become float32 initializers, as ONNX models in the wild
 * are: the exported function is the network's with every parameter rounded to float32. Nodes the output does
 * not depend on are left out.
 *
 * <p>Layers: Input, Dense (Gemm; MatMul + Add on samples of rank > 1), Conv2d (Conv), Relu, LeakyRelu, Sigmoid,
 * Tanh, MaxPool2d (MaxPool), AvgPool2d (AveragePool), Flatten, Reshape, Transpose, Pad, Add, Affine (Mul + Add).
 * A layer whose configuration opset {@value #OPSET} cannot express exactly is an {@link IllegalArgumentException}
 * naming the layer and node: an average pool with dilations, or a ceil-mode pool whose last window starts past
 * the input and its begin padding (onnxruntime keeps that window, Verity drops it; see {@code OpMapper}).
 */
public final class OnnxExporter {
    /** The ONNX operator set: 13 takes Pad's pads and Reshape's shape as inputs, as every newer opset does. */
    public static final int OPSET = 13;
    /** The IR version (ONNX 1.10), read by onnxruntime 1.10 and later. */
    public static final long IR_VERSION = 8;

    private OnnxExporter() {}

    /** Writes {@code net} as an ONNX model to {@code out} (replacing the file if it exists). */
    public static void write(Network net, Path out) {
        byte[] bytes = toBytes(net);
        try {
            Files.write(out, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ONNX model " + out + ": " + e.getMessage(), e);
        }
    }

    /** {@code net} as serialized ONNX model bytes. */
    public static byte[] toBytes(Network net) {
        return toModel(net).toByteArray();
    }

    static ModelProto toModel(Network net) {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("verity")
                .setGraph(graph(net))
                .build();
    }

    private static GraphProto graph(Network net) {
        String inputName = net.input().name();
        if (inputName == null || inputName.isEmpty())
            throw new IllegalArgumentException("the network's input node has no name; ONNX needs one for the graph input");
        GraphWriter g = new GraphWriter("verity");
        boolean[] live = live(net);
        String[] value = new String[net.nodes().size()];
        for (Node node : net.nodes()) {
            if (!live[node.id()]) continue;
            value[node.id()] = g.fresh(node.id() == 0 ? inputName : node.name());
            List<String> in = node.inputs().stream().map(i -> value[i]).toList();
            emit(g, net, node, in, value[node.id()]);
        }
        String out = value[net.output().id()];
        if (net.output().id() == 0) {
            // A graph input cannot also be the graph output in every runtime: copy it.
            String copy = g.fresh("output");
            g.node("Identity", List.of(out), copy);
            out = copy;
        }
        g.output(out, net.outputShape());
        return g.build();
    }

    /** The ONNX nodes computing {@code node}'s value, named {@code out}, from the values {@code in}. */
    private static void emit(GraphWriter g, Network net, Node node, List<String> in, String out) {
        switch (node.layer()) {
            case Layer.Input i -> g.input(out, i.shape());
            case Layer.Dense d -> {
                Shape x = net.node(node.inputs().getFirst()).shape();
                if (x.rank() == 1) {
                    // Gemm needs 2-D operands: [batch, in] x weight^T, exactly the Dense on a vector sample.
                    String w = g.floats(out + "/weight", d.weight());
                    String b = g.floats(out + "/bias", d.bias());
                    g.node("Gemm", List.of(in.getFirst(), w, b), out, intAttr("transB", 1));
                } else {
                    // On a sample of rank > 1 the Dense acts on the last axis: NumPy-style MatMul, then the bias.
                    String w = g.floats(out + "/weight", d.weight().transpose(1, 0));
                    String b = g.floats(out + "/bias", d.bias());
                    String product = g.fresh(out + "/matmul");
                    g.node("MatMul", List.of(in.getFirst(), w), product);
                    g.node("Add", List.of(product, b), out);
                }
            }
            case Layer.Conv2d c -> {
                var geo = c.geometry();
                String w = g.floats(out + "/weight", c.weight());
                String b = g.floats(out + "/bias", c.bias());
                g.node("Conv", List.of(in.getFirst(), w, b), out,
                        intsAttr("kernel_shape", c.weight().dim(2), c.weight().dim(3)),
                        intsAttr("strides", geo.strideH(), geo.strideW()),
                        intsAttr("pads", geo.padTop(), geo.padLeft(), geo.padBottom(), geo.padRight()),
                        intsAttr("dilations", geo.dilationH(), geo.dilationW()),
                        intAttr("group", geo.groups()));
            }
            case Layer.Relu r -> g.node("Relu", in, out);
            case Layer.LeakyRelu l -> g.node("LeakyRelu", in, out, floatAttr("alpha", l.alpha()));
            case Layer.Sigmoid s -> g.node("Sigmoid", in, out);
            case Layer.Tanh t -> g.node("Tanh", in, out);
            case Layer.MaxPool2d m -> {
                PoolGeometry p = m.geometry();
                checkCeilMode(node, p, net.node(node.inputs().getFirst()).shape());
                g.node("MaxPool", in, out, intsAttr("kernel_shape", p.kernelH(), p.kernelW()), intsAttr("strides", p.strideH(), p.strideW()),
                        intsAttr("pads", p.padTop(), p.padLeft(), p.padBottom(), p.padRight()),
                        intsAttr("dilations", p.dilationH(), p.dilationW()), intAttr("ceil_mode", p.ceilMode() ? 1 : 0));
            }
            case Layer.AvgPool2d a -> {
                PoolGeometry p = a.geometry();
                if (p.dilationH() != 1 || p.dilationW() != 1)
                    throw unsupported(node, "AveragePool has dilations only from opset 19 (this exporter writes opset " + OPSET + ")");
                checkCeilMode(node, p, net.node(node.inputs().getFirst()).shape());
                // Both divide by the full kernel size with count_include_pad, else by the real cells (see PoolKernel).
                g.node("AveragePool", in, out, intsAttr("kernel_shape", p.kernelH(), p.kernelW()), intsAttr("strides", p.strideH(), p.strideW()),
                        intsAttr("pads", p.padTop(), p.padLeft(), p.padBottom(), p.padRight()),
                        intAttr("ceil_mode", p.ceilMode() ? 1 : 0), intAttr("count_include_pad", p.countIncludePad() ? 1 : 0));
            }
            case Layer.Flatten f -> g.node("Flatten", in, out, intAttr("axis", 1));
            case Layer.Reshape r -> {
                String shape = g.longs(out + "/shape", r.target().withBatch(-1));
                g.node("Reshape", List.of(in.getFirst(), shape), out);
            }
            case Layer.Transpose t -> g.node("Transpose", in, out, intsAttr("perm", BatchAxis.perm(t.perm())));
            case Layer.Pad p -> {
                String pads = g.longs(out + "/pads", BatchAxis.pads(p.pads()));
                String value = g.floatScalar(out + "/value", p.value());
                g.node("Pad", List.of(in.getFirst(), pads, value), out);
            }
            case Layer.Add a -> g.node("Add", in, out);
            case Layer.Affine a -> {
                // Sample-shaped constants broadcast over the batch axis; Mul then Add rounds as Verity's float32 pass does.
                String scale = g.floats(out + "/scale", a.scale());
                String shift = g.floats(out + "/shift", a.shift());
                String scaled = g.fresh(out + "/mul");
                g.node("Mul", List.of(in.getFirst(), scale), scaled);
                g.node("Add", List.of(scaled, shift), out);
            }
        }
    }

    /**
     * ONNX sizes a ceil-mode pool as {@code ceil((in + pads - dilation (k - 1) - 1) / stride) + 1}; {@link PoolGeometry}
     * drops a last window that would start past the input and its begin padding. Where the two disagree the
     * exported model would have another output shape, so it is refused.
     */
    private static void checkCeilMode(Node node, PoolGeometry p, Shape in) {
        if (!p.ceilMode()) return;
        int h = in.dim(1), w = in.dim(2);
        int onnxH = Math.ceilDiv(h + p.padTop() + p.padBottom() - p.dilationH() * (p.kernelH() - 1) - 1, p.strideH()) + 1;
        int onnxW = Math.ceilDiv(w + p.padLeft() + p.padRight() - p.dilationW() * (p.kernelW() - 1) - 1, p.strideW()) + 1;
        if (onnxH != p.outH(h) || onnxW != p.outW(w))
            throw unsupported(node, "with ceil_mode its last window starts past the input and its begin padding; ONNX runtimes keep"
                    + " that window, Verity drops it (onnx/onnx#3314)");
    }

    /** Which nodes the output depends on (inputs always precede their readers). */
    private static boolean[] live(Network net) {
        boolean[] live = new boolean[net.nodes().size()];
        live[0] = true;
        live[net.output().id()] = true;
        for (int id = net.output().id(); id > 0; id--)
            if (live[id]) for (int i : net.node(id).inputs()) live[i] = true;
        return live;
    }

    private static IllegalArgumentException unsupported(Node node, String why) {
        return new IllegalArgumentException("cannot export layer " + node.layer().describe() + " of node '" + node.name() + "' to ONNX: " + why);
    }
}
