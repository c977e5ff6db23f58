package dev.verity.onnx;

import com.google.protobuf.ByteString;
import dev.verity.model.Shape;
import dev.verity.onnx.proto.Onnx.AttributeProto;
import dev.verity.onnx.proto.Onnx.GraphProto;
import dev.verity.onnx.proto.Onnx.NodeProto;
import dev.verity.onnx.proto.Onnx.TensorProto;
import dev.verity.onnx.proto.Onnx.TensorShapeProto;
import dev.verity.onnx.proto.Onnx.TypeProto;
import dev.verity.onnx.proto.Onnx.ValueInfoProto;
import dev.verity.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Accumulates one ONNX graph for {@link OnnxExporter}: nodes, initializers and the float32 graph input and
 * output. Value names (node outputs and initializers share one namespace in ONNX) are kept unique, since
 * Verity's node names need not be; each node is named after its output value.
 */
final class GraphWriter {
    /** The symbolic name of the batch axis on the graph input and output. */
    static final String BATCH = "batch";

    private final GraphProto.Builder graph;
    private final Set<String> names = new HashSet<>();

    GraphWriter(String graphName) {
        graph = GraphProto.newBuilder().setName(graphName);
    }

    /** {@code base}, or {@code base_1}, {@code base_2}... if already taken; the returned name is reserved. */
    String fresh(String base) {
        String name = base;
        for (int k = 1; !names.add(name); k++) name = base + "_" + k;
        return name;
    }

    /** Declares the float32 graph input {@code [batch, ...sample]}; {@code name} must have come from {@link #fresh}. */
    void input(String name, Shape sample) {
        graph.addInput(batchedFloat(name, sample));
    }

    /** Declares the float32 graph output {@code [batch, ...sample]}. */
    void output(String name, Shape sample) {
        graph.addOutput(batchedFloat(name, sample));
    }

    /** Adds a node named after its single output. */
    void node(String opType, List<String> inputs, String output, AttributeProto... attributes) {
        graph.addNode(NodeProto.newBuilder().setOpType(opType).setName(output)
                .addAllInput(inputs).addOutput(output).addAllAttribute(List.of(attributes)));
    }

    /**
     * A float32 initializer holding {@code t}'s values with the given dims (its own shape when none are given),
     * as raw little-endian data. A finite value beyond the float32 range would change the function, so it is refused.
     */
    String floats(String base, Tensor t, int... dims) {
        double[] v = t.data();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) {
            float f = (float) d;
            if (Float.isInfinite(f) && !Double.isInfinite(d))
                throw new IllegalArgumentException(base + " holds " + d + ", which is beyond the float32 range of ONNX weights");
            b.putFloat(f);
        }
        String name = fresh(base);
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.flip()));
        for (int d : dims.length > 0 ? dims : t.shape()) p.addDims(d);
        graph.addInitializer(p);
        return name;
    }

    /** A float32 scalar initializer (rank 0). */
    String floatScalar(String base, double value) {
        return floats(base, Tensor.scalar(value));
    }

    /** A 1-D int64 initializer (shapes, pads), stored in int64_data. */
    String longs(String base, int... values) {
        String name = fresh(base);
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(values.length);
        for (int v : values) p.addInt64Data(v);
        graph.addInitializer(p);
        return name;
    }

    GraphProto build() { return graph.build(); }

    // ---- attributes ----

    static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floatAttr(String name, double value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF((float) value).build();
    }

    static AttributeProto intsAttr(String name, int... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (int v : values) a.addInts(v);
        return a.build();
    }

    private static ValueInfoProto batchedFloat(String name, Shape sample) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
        for (int d : sample.dims()) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        TypeProto.Tensor tensor = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tensor)).build();
    }
}
