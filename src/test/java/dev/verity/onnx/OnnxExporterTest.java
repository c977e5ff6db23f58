package dev.verity.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.onnx.proto.Onnx.ModelProto;
import dev.verity.onnx.proto.Onnx.NodeProto;
import dev.verity.onnx.proto.Onnx.TensorProto;
import dev.verity.onnx.proto.Onnx.TensorShapeProto;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exported networks read back by {@link OnnxImporter} compute the original function, and onnxruntime runs them
 * (batch > 1 through the symbolic batch axis) to the values of Verity's float32 forward pass. Weights are drawn
 * as float32 values, so the export rounds nothing and the round trip can be compared in double.
 */
class OnnxExporterTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
    private static final int BATCH = 3;

    static Stream<Arguments> networks() {
        return Stream.of(
                Arguments.of("mlp [784]", mlp(1)),
                Arguments.of("mlp [1,28,28] + Flatten", flattenMlp(2)),
                Arguments.of("CONV (paper 003)", conv(3)),
                Arguments.of("every layer type", mixed(4)));
    }

    // ---- (i) the importer reads the export back to the same function ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void importerReadsBackTheSameFunction(String name, Network net) {
        Network back = OnnxImporter.parse(OnnxExporter.toBytes(net), name);
        assertEquals(net.inputShape(), back.inputShape());
        assertEquals(net.outputShape(), back.outputShape());
        assertEquals(net.input().name(), back.input().name());
        assertEquals(net.parameterCount(), back.parameterCount(), "every weight exported once, none invented");

        Tensor x = inputs(new Random(name.hashCode()), net.inputShape());
        Tensor want = Forward.run(net, TensorOps.INSTANCE, x), got = Forward.run(back, TensorOps.INSTANCE, x);
        assertArrayEquals(want.shape(), got.shape());
        // Float32 weights make the export exact; only the importer's folding of Mul+Add may reassociate.
        assertClose(name + " (import)", want.data(), got.data(), 1e-12);
    }

    // ---- (ii) onnxruntime runs the export like Verity's float32 forward pass ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void onnxRuntimeMatchesFloat32Forward(String name, Network net) throws OrtException {
        Tensor x = inputs(new Random(~name.hashCode()), net.inputShape());
        float[] ort = runOrt(OnnxExporter.toBytes(net), net, x);
        Tensor want = Forward.run(net, Float32Ops.INSTANCE, x);
        assertEquals(want.size(), ort.length);
        double[] got = new double[ort.length];
        for (int i = 0; i < ort.length; i++) got[i] = ort[i];
        // Float32 accumulation order differs between onnxruntime and Verity (which sums in double within an op).
        assertClose(name + " (onnxruntime)", want.data(), got, 1e-5);
    }

    // ---- the model itself ----

    @Test
    void declaresFloat32BatchedInputAndOutputAtOpset13() throws Exception {
        Network net = conv(5);
        ModelProto m = ModelProto.parseFrom(OnnxExporter.toBytes(net));
        assertEquals(8, m.getIrVersion());
        assertEquals(1, m.getOpsetImportCount());
        assertEquals(13, m.getOpsetImport(0).getVersion());
        assertEquals("", m.getOpsetImport(0).getDomain());

        var in = m.getGraph().getInput(0);
        assertEquals(1, m.getGraph().getInputCount(), "initializers are not listed as inputs");
        assertEquals("pixels", in.getName());
        assertEquals(TensorProto.DataType.FLOAT_VALUE, in.getType().getTensorType().getElemType());
        List<TensorShapeProto.Dimension> dims = in.getType().getTensorType().getShape().getDimList();
        assertEquals("batch", dims.get(0).getDimParam());
        assertEquals(List.of(1L, 28L, 28L), dims.subList(1, 4).stream().map(TensorShapeProto.Dimension::getDimValue).toList());

        var out = m.getGraph().getOutput(0);
        assertEquals(TensorProto.DataType.FLOAT_VALUE, out.getType().getTensorType().getElemType());
        List<TensorShapeProto.Dimension> outDims = out.getType().getTensorType().getShape().getDimList();
        assertEquals(2, outDims.size());
        assertEquals("batch", outDims.get(0).getDimParam());
        assertEquals(10, outDims.get(1).getDimValue());

        assertEquals(List.of("Conv", "Relu", "Flatten", "Gemm", "Relu", "Gemm"), m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList());
        NodeProto conv = m.getGraph().getNode(0);
        assertEquals(List.of(2L, 2L), ints(conv, "strides"));
        assertEquals(List.of(1L, 1L, 1L, 1L), ints(conv, "pads"));
        assertEquals(List.of(4L, 4L), ints(conv, "kernel_shape"));
        for (TensorProto t : m.getGraph().getInitializerList()) assertEquals(TensorProto.DataType.FLOAT_VALUE, t.getDataType(), t.getName());
        // 16*1*4*4 + 16 + 100*3136 + 100 + 10*100 + 10 floats of 4 bytes.
        long floats = m.getGraph().getInitializerList().stream().mapToLong(t -> t.getRawData().size() / 4).sum();
        assertEquals(net.parameterCount(), floats);
    }

    @Test
    void uniqueValueNamesAndNoUnusedNodes() throws Exception {
        ModelProto m = ModelProto.parseFrom(OnnxExporter.toBytes(mixed(6)));
        List<String> outputs = m.getGraph().getNodeList().stream().flatMap(n -> n.getOutputList().stream()).toList();
        List<String> initializers = m.getGraph().getInitializerList().stream().map(TensorProto::getName).toList();
        long all = Stream.concat(Stream.concat(outputs.stream(), initializers.stream()), Stream.of("image")).distinct().count();
        assertEquals(outputs.size() + initializers.size() + 1, all, "the two nodes named 'block' get distinct values");
        assertTrue(outputs.contains("block") && outputs.contains("block_1"), outputs.toString());
        assertFalse(outputs.contains("unused"), "a node the output does not read is left out");
    }

    @Test
    void writesAFileTheImporterAndOnnxRuntimeLoad(@TempDir Path dir) throws Exception {
        Network net = mlp(7);
        Path file = dir.resolve("mlp.onnx");
        OnnxExporter.write(net, file);
        assertArrayEquals(OnnxExporter.toBytes(net), Files.readAllBytes(file));
        Network back = OnnxImporter.load(file);
        Tensor x = inputs(new Random(7), net.inputShape());
        assertClose("file", Forward.run(net, TensorOps.INSTANCE, x).data(), Forward.run(back, TensorOps.INSTANCE, x).data(), 1e-12);
        float[] ort = runOrt(Files.readAllBytes(file), net, x);
        assertEquals(BATCH * 10, ort.length);
    }

    @Test
    void inputOnlyNetworkIsAnIdentity() throws OrtException {
        Network net = Network.builder(new Shape(2, 3), "x").build();
        Tensor x = inputs(new Random(8), net.inputShape());
        assertClose("identity", x.data(), Forward.run(OnnxImporter.parse(OnnxExporter.toBytes(net), "identity"), TensorOps.INSTANCE, x).data(), 0);
        float[] ort = runOrt(OnnxExporter.toBytes(net), net, x);
        for (int i = 0; i < ort.length; i++) assertEquals(x.data()[i], ort[i], 0);
    }

    // ---- what opset 13 cannot express ----

    @Test
    void dilatedAveragePoolIsRefused() {
        var b = Network.builder(new Shape(1, 6, 6));
        b.add("smooth", new Layer.AvgPool2d(new PoolGeometry(2, 2, 1, 1, 0, 0, 0, 0, 2, 2, false, false)), b.input());
        var e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.toBytes(b.build()));
        assertTrue(e.getMessage().contains("AvgPool2d") && e.getMessage().contains("'smooth'") && e.getMessage().contains("dilations"), e.getMessage());
    }

    @Test
    void ceilModePoolWithAWindowPastThePaddingIsRefused() {
        // in 4, kernel 2, stride 3, end pad 2: ONNX's ceil formula gives 3 windows, the third starting at 6 >= 4.
        var b = Network.builder(new Shape(1, 4, 4));
        b.add("pool", new Layer.MaxPool2d(new PoolGeometry(2, 2, 3, 3, 0, 0, 2, 2, 1, 1, true, false)), b.input());
        Network net = b.build();
        assertEquals(new Shape(1, 2, 2), net.outputShape());
        var e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.toBytes(net));
        assertTrue(e.getMessage().contains("MaxPool2d") && e.getMessage().contains("'pool'") && e.getMessage().contains("ceil_mode"), e.getMessage());
    }

    // ---- networks ----

    /** Dense 784 -> 64 -> ReLU -> 10 on a vector input. */
    static Network mlp(long seed) {
        Random r = new Random(seed);
        var b = Network.builder(new Shape(784), "x");
        b.add(dense(r, 64, 784));
        b.add(new Layer.Relu());
        b.add(dense(r, 10, 64));
        return b.build();
    }

    /** An image input flattened, then Dense 784 -> 50 -> ReLU -> 10. */
    static Network flattenMlp(long seed) {
        Random r = new Random(seed);
        var b = Network.builder(new Shape(1, 28, 28), "image");
        b.add(new Layer.Flatten());
        b.add(dense(r, 50, 784));
        b.add(new Layer.Relu());
        b.add(dense(r, 10, 50));
        return b.build();
    }

    /** The CONV network of paper 003: Conv 16 4x4 stride 2 (pad 1) -> ReLU -> Flatten -> Dense 100 -> ReLU -> Dense 10. */
    static Network conv(long seed) {
        Random r = new Random(seed);
        var b = Network.builder(new Shape(1, 28, 28), "pixels");
        b.add(new Layer.Conv2d(uniform(r, 0.25, 16, 1, 4, 4), uniform(r, 0.1, 16), ConvGeometry.simple(2, 1)));
        b.add(new Layer.Relu());
        b.add(new Layer.Flatten());
        b.add(dense(r, 100, 16 * 14 * 14));
        b.add(new Layer.Relu());
        b.add(dense(r, 10, 100));
        return b.build();
    }

    /**
     * Every exported layer type, with the awkward settings: asymmetric pads, groups, dilations, count_include_pad
     * both ways, a ceil-mode pool with a partial last window, a Dense on the last axis of a rank-3 sample, a
     * residual Add, two nodes with one name and a node the output does not read.
     */
    static Network mixed(long seed) {
        Random r = new Random(seed);
        var b = Network.builder(new Shape(3, 10, 10), "image");
        b.add("unused", new Layer.Tanh(), b.input());
        b.add("normalise", new Layer.Affine(uniform(r, 2, 3, 10, 10), uniform(r, 1, 3, 10, 10)), b.input());
        b.add("pad", new Layer.Pad(new int[] {0, 1, 2, 0, 2, 1}, -0.25), b.last());                            // [3, 13, 13]
        b.add("conv", new Layer.Conv2d(uniform(r, 0.5, 6, 1, 3, 3), uniform(r, 0.1, 6),
                new ConvGeometry(1, 2, 2, 0, 1, 1, 2, 1, 3)), b.last());                                       // [6, 12, 6]
        b.add(new Layer.LeakyRelu(0.125));
        b.add("maxpool", new Layer.MaxPool2d(new PoolGeometry(2, 2, 2, 1, 1, 1, 0, 0, 1, 2, false, false)), b.last()); // [6, 6, 5]
        b.add("avg_with_pad", new Layer.AvgPool2d(new PoolGeometry(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false, true)), b.last());
        b.add("avg_ceil", new Layer.AvgPool2d(new PoolGeometry(2, 2, 2, 2, 0, 0, 0, 0, 1, 1, true, false)), b.last()); // [6, 3, 3]
        b.add(new Layer.Sigmoid());
        b.add("to_hwc", new Layer.Transpose(new int[] {1, 2, 0}), b.last());                                   // [3, 3, 6]
        b.add("dense_last_axis", dense(r, 4, 6), b.last());                                                     // [3, 3, 4]
        b.add(new Layer.Tanh());
        int rows = b.add("rows", new Layer.Reshape(new Shape(4, 9)), b.last());
        int mixedRows = b.add("block", dense(r, 9, 9), rows);
        b.add("block", new Layer.Add(), rows, mixedRows);
        b.add(new Layer.Relu());
        b.add(new Layer.Flatten());                                                                           // [36]
        b.add("logits", dense(r, 5, 36), b.last());
        return b.build();
    }

    private static Layer.Dense dense(Random r, int out, int in) {
        return new Layer.Dense(uniform(r, 1 / Math.sqrt(in), out, in), uniform(r, 0.1, out));
    }

    /** Uniform in [-scale, scale], rounded to float32 so that the export keeps every value exactly. */
    private static Tensor uniform(Random r, double scale, int... shape) {
        Tensor t = Tensor.zeros(shape);
        double[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (scale * (2 * r.nextDouble() - 1));
        return t;
    }

    /** A batch of {@link #BATCH} float32 inputs in [0, 1]. */
    private static Tensor inputs(Random r, Shape sample) {
        Tensor x = Tensor.zeros(sample.withBatch(BATCH));
        double[] d = x.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextDouble();
        return x;
    }

    // ---- helpers ----

    /** Runs the model in onnxruntime on the batch {@code x} and checks the output has shape {@code [batch, ...outputShape]}. */
    private static float[] runOrt(byte[] model, Network net, Tensor x) throws OrtException {
        float[] in = new float[x.size()];
        for (int i = 0; i < in.length; i++) in[i] = (float) x.data()[i];
        long[] shape = Arrays.stream(x.shape()).asLongStream().toArray();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = ENV.createSession(model, options);
                 OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(in), shape);
                 OrtSession.Result r = session.run(Map.of(net.input().name(), t))) {
                OnnxTensor out = (OnnxTensor) r.get(0);
                long[] want = Arrays.stream(net.outputShape().withBatch(x.dim(0))).asLongStream().toArray();
                assertArrayEquals(want, out.getInfo().getShape(), "onnxruntime output shape");
                FloatBuffer fb = out.getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                return v;
            }
        }
    }

    /** max |want - got| <= tol * max(1, max |want|). */
    private static void assertClose(String what, double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length, what + ": sizes");
        double scale = 1, err = 0;
        int worst = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            double e = Math.abs(want[i] - got[i]);
            if (e > err || Double.isNaN(e)) {
                err = e;
                worst = i;
            }
        }
        double error = err, bound = tol * scale;
        int at = worst;
        assertTrue(error <= bound, () -> what + ": max error " + error + " > " + bound + " at " + at + " (want " + want[at] + ", got " + got[at] + ")");
    }

    private static List<Long> ints(NodeProto node, String attribute) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(attribute)).findFirst().orElseThrow().getIntsList();
    }
}
