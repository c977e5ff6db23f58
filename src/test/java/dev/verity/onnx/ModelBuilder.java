package dev.verity.onnx;

import com.google.protobuf.ByteString;
import dev.verity.onnx.proto.Onnx.AttributeProto;
import dev.verity.onnx.proto.Onnx.GraphProto;
import dev.verity.onnx.proto.Onnx.ModelProto;
import dev.verity.onnx.proto.Onnx.NodeProto;
import dev.verity.onnx.proto.Onnx.OperatorSetIdProto;
import dev.verity.onnx.proto.Onnx.TensorProto;
import dev.verity.onnx.proto.Onnx.TensorShapeProto;
import dev.verity.onnx.proto.Onnx.TypeProto;
import dev.verity.onnx.proto.Onnx.ValueInfoProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Builds small ONNX models with the generated protobuf classes, for tests that also run them in onnxruntime. */
final class ModelBuilder {
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("test");
    private final int opset;
    private final Random random;
    private int nodeCount;

    ModelBuilder(int opset, long seed) {
        this.opset = opset;
        this.random = new Random(seed);
    }

    /** A float input; a negative dimension is symbolic ("N"). */
    ModelBuilder input(String name, long... dims) {
        graph.addInput(valueInfo(name, TensorProto.DataType.FLOAT_VALUE, dims));
        return this;
    }

    ModelBuilder output(String name) {
        graph.addOutput(ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        return this;
    }

    /** A float initializer with the given values (raw little-endian data, as exporters write it). */
    ModelBuilder floats(String name, float[] values, long... dims) {
        graph.addInitializer(floatTensor(name, values, dims));
        return this;
    }

    /** A float initializer of uniform random values in [lo, hi). */
    ModelBuilder random(String name, double lo, double hi, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * random.nextDouble());
        return floats(name, v, dims);
    }

    /** An int64 initializer stored in int64_data (the other encoding exporters use). */
    ModelBuilder longs(String name, long[] values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
        for (long d : dims) t.addDims(d);
        for (long v : values) t.addInt64Data(v);
        graph.addInitializer(t);
        return this;
    }

    /** Adds a node; attributes are given as name/value pairs (Long, Double, String, long[], float[], TensorProto). */
    ModelBuilder node(String op, String[] inputs, String[] outputs, Object... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase() + "_" + nodeCount++);
        for (String i : inputs) n.addInput(i);
        for (String o : outputs) n.addOutput(o);
        for (int i = 0; i < attributes.length; i += 2) n.addAttribute(attribute((String) attributes[i], attributes[i + 1]));
        graph.addNode(n);
        return this;
    }

    /** Adds a node with the given node name. */
    ModelBuilder named(String nodeName, String op, String output, String[] inputs, Object... attributes) {
        node(op, inputs, new String[] {output}, attributes);
        int last = graph.getNodeCount() - 1;
        graph.setNode(last, graph.getNode(last).toBuilder().setName(nodeName));
        return this;
    }

    /** A node with one output. */
    ModelBuilder node(String op, String output, String[] inputs, Object... attributes) {
        return node(op, inputs, new String[] {output}, attributes);
    }

    ModelProto model() {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("verity-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph).build();
    }

    byte[] bytes() { return model().toByteArray(); }

    static String[] in(String... names) { return names; }

    static TensorProto floatTensor(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    private static ValueInfoProto valueInfo(String name, int elemType, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N") : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    private static AttributeProto attribute(String name, Object value) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        switch (value) {
            case Integer i -> a.setType(AttributeProto.AttributeType.INT).setI(i);
            case Long l -> a.setType(AttributeProto.AttributeType.INT).setI(l);
            case Double d -> a.setType(AttributeProto.AttributeType.FLOAT).setF(d.floatValue());
            case Float f -> a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
            case String s -> a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
            case long[] ls -> {
                a.setType(AttributeProto.AttributeType.INTS);
                for (long l : ls) a.addInts(l);
            }
            case float[] fs -> {
                a.setType(AttributeProto.AttributeType.FLOATS);
                for (float f : fs) a.addFloats(f);
            }
            case TensorProto t -> a.setType(AttributeProto.AttributeType.TENSOR).setT(t);
            default -> throw new IllegalArgumentException("attribute value " + value);
        }
        return a.build();
    }
}
