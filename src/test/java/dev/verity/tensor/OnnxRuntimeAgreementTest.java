package dev.verity.tensor;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.verity.onnx.proto.Onnx;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The kernels' geometry semantics (asymmetric padding, dilation, ceil mode, count_include_pad, groups)
 * against onnxruntime itself: each case is a one-node ONNX model run in float32, compared with
 * {@link Float32Ops}. This is the reference a falsifying counterexample is re-checked against.
 */
class OnnxRuntimeAgreementTest {
    private static final int OPSET = 19; // AveragePool dilations need 19

    /** Runs one ONNX node on the given float32 inputs (named by the map's keys, in order). */
    private static Tensor runNode(String opType, Map<String, Tensor> inputs, Onnx.AttributeProto... attrs) throws OrtException {
        Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("g");
        Onnx.NodeProto.Builder node = Onnx.NodeProto.newBuilder().setOpType(opType).setName("n").addOutput("Y");
        for (var e : inputs.entrySet()) {
            node.addInput(e.getKey());
            graph.addInput(valueInfo(e.getKey(), e.getValue().shape()));
        }
        for (Onnx.AttributeProto a : attrs) node.addAttribute(a);
        graph.addNode(node).addOutput(Onnx.ValueInfoProto.newBuilder().setName("Y")
                .setType(Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE))));
        byte[] model = Onnx.ModelProto.newBuilder().setIrVersion(9)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph).build().toByteArray();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> feed = new HashMap<>();
            try {
                for (var e : inputs.entrySet()) {
                    double[] d = e.getValue().data();
                    float[] f = new float[d.length];
                    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
                    feed.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(f), Arrays.stream(e.getValue().shape()).asLongStream().toArray()));
                }
                try (OrtSession.Result result = session.run(feed)) {
                    OnnxTensor y = (OnnxTensor) result.get(0);
                    int[] shape = Arrays.stream(y.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
                    FloatBuffer fb = y.getFloatBuffer();
                    double[] out = new double[fb.remaining()];
                    for (int i = 0; i < out.length; i++) out[i] = fb.get(i);
                    return new Tensor(out, shape);
                }
            } finally {
                for (OnnxTensor t : feed.values()) t.close();
            }
        }
    }

    private static Onnx.ValueInfoProto valueInfo(String name, int[] shape) {
        Onnx.TensorShapeProto.Builder s = Onnx.TensorShapeProto.newBuilder();
        for (int d : shape) s.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    private static Onnx.AttributeProto ints(String name, long... v) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    private static Onnx.AttributeProto integer(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static void assertAgrees(Tensor ort, Tensor ours) {
        assertArrayEquals(ort.shape(), ours.shape(), "output shape");
        for (int i = 0; i < ort.size(); i++)
            assertEquals(ort.data()[i], ours.data()[i], 1e-5 * Math.max(1, Math.abs(ort.data()[i])), "element " + i);
    }

    private static Tensor pool(String op, Tensor x, PoolGeometry g) throws OrtException {
        var in = new LinkedHashMap<String, Tensor>();
        in.put("X", x);
        var attrs = new java.util.ArrayList<>(java.util.List.of(
                ints("kernel_shape", g.kernelH(), g.kernelW()), ints("strides", g.strideH(), g.strideW()),
                ints("pads", g.padTop(), g.padLeft(), g.padBottom(), g.padRight()),
                ints("dilations", g.dilationH(), g.dilationW()), integer("ceil_mode", g.ceilMode() ? 1 : 0)));
        if (op.equals("AveragePool")) attrs.add(integer("count_include_pad", g.countIncludePad() ? 1 : 0));
        return runNode(op, in, attrs.toArray(Onnx.AttributeProto[]::new));
    }

    private final Random r = new Random(99);

    @Test void averagePoolCeilModeAsymmetricPaddingBothDivisors() throws OrtException {
        Tensor x = TestTensors.uniform(r, -1, 1, 2, 2, 5, 6);
        for (boolean include : new boolean[] {true, false}) {
            PoolGeometry g = new PoolGeometry(3, 2, 2, 2, 1, 1, 1, 0, 1, 1, true, include);
            assertAgrees(pool("AveragePool", x, g), Float32Ops.INSTANCE.avgPool2d(x, g));
            PoolGeometry h = new PoolGeometry(2, 3, 2, 3, 0, 1, 1, 2, 1, 1, true, include);
            assertAgrees(pool("AveragePool", x, h), Float32Ops.INSTANCE.avgPool2d(x, h));
        }
    }

    @Test void averagePoolWithDilation() throws OrtException {
        Tensor x = TestTensors.uniform(r, -1, 1, 1, 2, 6, 5);
        for (boolean include : new boolean[] {true, false}) {
            PoolGeometry g = new PoolGeometry(2, 2, 1, 2, 1, 1, 1, 1, 2, 1, false, include);
            assertAgrees(pool("AveragePool", x, g), Float32Ops.INSTANCE.avgPool2d(x, g));
        }
    }

    @Test void maxPoolPaddingDilationCeilMode() throws OrtException {
        Tensor x = TestTensors.uniform(r, -1, 1, 2, 2, 5, 6);
        PoolGeometry g = new PoolGeometry(2, 3, 2, 1, 1, 0, 0, 1, 1, 2, true, false);
        assertAgrees(pool("MaxPool", x, g), Float32Ops.INSTANCE.maxPool2d(x, g));
        PoolGeometry h = new PoolGeometry(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true, false);
        assertAgrees(pool("MaxPool", x.neg(), h), Float32Ops.INSTANCE.maxPool2d(x.neg(), h));
    }

    @Test void convWithGroupsStridesDilationAndAsymmetricPadding() throws OrtException {
        Tensor x = TestTensors.uniform(r, -1, 1, 2, 4, 7, 6);
        Tensor w = TestTensors.uniform(r, -1, 1, 6, 2, 3, 2);
        Tensor b = TestTensors.uniform(r, -1, 1, 6);
        ConvGeometry g = new ConvGeometry(2, 1, 1, 0, 2, 1, 1, 2, 2);
        var in = new LinkedHashMap<String, Tensor>();
        in.put("X", x);
        in.put("W", w);
        in.put("B", b);
        Tensor ort = runNode("Conv", in, ints("strides", 2, 1), ints("pads", 1, 0, 2, 1), ints("dilations", 1, 2),
                integer("group", 2), ints("kernel_shape", 3, 2));
        assertAgrees(ort, Float32Ops.INSTANCE.conv2d(x, w, b, g));
    }
}
