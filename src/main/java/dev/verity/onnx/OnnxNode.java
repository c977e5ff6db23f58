package dev.verity.onnx;

import dev.verity.InvalidInputException;
import dev.verity.onnx.proto.Onnx.AttributeProto;
import dev.verity.onnx.proto.Onnx.NodeProto;
import dev.verity.onnx.proto.Onnx.TensorProto;

/**
 * One ONNX node with typed attribute access and the error messages every mapping uses, which always
 * name the op type, the node and the model file.
 */
final class OnnxNode {
    private final NodeProto proto;
    private final String source;

    OnnxNode(NodeProto proto, String source) {
        this.proto = proto;
        this.source = source;
    }

    String opType() { return proto.getOpType(); }

    String domain() { return proto.getDomain(); }

    /** The node name, or (many exporters leave it empty) a description by its first output. */
    String label() {
        if (!proto.getName().isEmpty()) return proto.getName();
        return proto.getOutputCount() > 0 ? "<unnamed, output '" + proto.getOutput(0) + "'>" : "<unnamed>";
    }

    /** A name for the IR node(s) this node becomes. */
    String irName() {
        if (!proto.getName().isEmpty()) return proto.getName();
        return proto.getOutputCount() > 0 ? proto.getOutput(0) : proto.getOpType();
    }

    int inputCount() { return proto.getInputCount(); }

    /** The i-th input name, or null when absent or empty (an omitted optional input). */
    String input(int i) {
        if (i >= proto.getInputCount()) return null;
        String s = proto.getInput(i);
        return s.isEmpty() ? null : s;
    }

    int outputCount() { return proto.getOutputCount(); }

    String output(int i) { return proto.getOutput(i); }

    // ---- attributes (ONNX Operators.md defaults are passed by the caller) ----

    private AttributeProto attr(String name) {
        for (AttributeProto a : proto.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    boolean has(String name) { return attr(name) != null; }

    long getInt(String name, long dflt) {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        if (a.getType() != AttributeProto.AttributeType.INT && !a.hasI()) throw invalid("attribute '" + name + "' is not an int");
        return a.getI();
    }

    float getFloat(String name, float dflt) {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        if (a.getType() != AttributeProto.AttributeType.FLOAT && !a.hasF()) throw invalid("attribute '" + name + "' is not a float");
        return a.getF();
    }

    String getString(String name, String dflt) {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        return a.getS().toStringUtf8();
    }

    /** An INTS attribute, or null when absent. */
    long[] getInts(String name) {
        AttributeProto a = attr(name);
        if (a == null) return null;
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) v[i] = a.getInts(i);
        return v;
    }

    /** An INTS attribute as ints, or {@code dflt} when absent. */
    int[] getIntArray(String name, int[] dflt) {
        long[] v = getInts(name);
        if (v == null) return dflt;
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) throw invalid("attribute '" + name + "' value " + v[i] + " out of range");
            out[i] = (int) v[i];
        }
        return out;
    }

    /** A FLOATS attribute, or null when absent. */
    float[] getFloats(String name) {
        AttributeProto a = attr(name);
        if (a == null) return null;
        float[] v = new float[a.getFloatsCount()];
        for (int i = 0; i < v.length; i++) v[i] = a.getFloats(i);
        return v;
    }

    TensorProto getTensor(String name) {
        AttributeProto a = attr(name);
        return a == null || !a.hasT() ? null : a.getT();
    }

    // ---- errors ----

    /** The op (or this use of it) has no Verity mapping. */
    InvalidInputException unsupported(String why) {
        return new InvalidInputException("unsupported ONNX op '" + opTypeWithDomain() + "' (node '" + label() + "') in " + source
                + (why == null ? "" : ": " + why));
    }

    /** The node is malformed or uses a value Verity cannot honour. */
    InvalidInputException invalid(String detail) {
        return new InvalidInputException("ONNX op '" + opTypeWithDomain() + "' (node '" + label() + "') in " + source + ": " + detail);
    }

    private String opTypeWithDomain() {
        String d = domain();
        return d.isEmpty() || d.equals("ai.onnx") ? opType() : d + "." + opType();
    }
}
