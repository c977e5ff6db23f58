package dev.verity.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.verity.InvalidInputException;
import dev.verity.io.HeapBudget;
import dev.verity.io.UserFiles;
import dev.verity.model.Network;
import dev.verity.onnx.proto.Onnx.ModelProto;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an ONNX model ({@code .onnx}, or gzip-compressed such as the VNN-COMP 2022 {@code .onnx.gz}
 * files) into a Verity {@link Network}.
 *
 * <p><b>Batch axis.</b> IR shapes are sample shapes. The ONNX input's leading dimension is taken as the
 * batch axis and stripped when it is symbolic, or 1 in a tensor of rank >= 2 ({@code [1, 784, 1]} →
 * {@code [784, 1]}). A rank-1 input ({@code [1]} in the VNN-COMP test nets) has no batch axis: the whole
 * tensor is the sample. Every attribute (Flatten/Concat axes, Reshape targets, Transpose perms, pads...)
 * is interpreted relative to the full ONNX tensor; a node that would mix the batch axis into the sample
 * in a way that is not a plain reshape (a Transpose moving it, padding it) is rejected.
 *
 * <p><b>Ops.</b> On computed values: Gemm, MatMul with a constant operand, Conv (1-D and 2-D, groups,
 * dilations, auto_pad), MaxPool, AveragePool, GlobalAveragePool/GlobalMaxPool, BatchNormalization
 * (inference), Pad (constant mode), Relu, LeakyRelu, Sigmoid, Tanh, Add/Sub/Mul/Div/Neg with a constant
 * (an Affine), Add/Sub of two computed values, Flatten, Reshape, Squeeze, Unsqueeze, Transpose,
 * Identity, Dropout (inference), Cast to a float type, Shape and Size. Every node whose inputs are all
 * constants is evaluated at import time ({@link ConstantFolder}). Constant element-wise maps, a bias Add
 * after MatMul and batch normalisation are folded into the preceding Dense/Conv2d/Affine when no other
 * value reads it.
 *
 * <p><b>Errors.</b> A missing or unreadable file, a corrupt protobuf, an op or attribute value Verity
 * cannot represent exactly: {@link InvalidInputException}, naming the file (and the op and node).
 */
public final class OnnxImporter {
    private OnnxImporter() {}

    /** The network in the ONNX file at {@code path} (plain or gzip-compressed). */
    public static Network load(Path path) {
        if (!Files.isRegularFile(path)) throw new InvalidInputException("ONNX model not found: " + path);
        try {
            HeapBudget.requireForModel(Files.size(path), path.toString()); // before reading a file that cannot fit
        } catch (java.io.IOException e) {
            throw UserFiles.failure(path, e);
        }
        return parse(UserFiles.readAllBytes(path), path.toString());
    }

    /** The network in serialized ONNX model bytes; {@code source} names them in error messages. */
    public static Network parse(byte[] modelBytes, String source) {
        HeapBudget.requireForModel(modelBytes.length, source);
        ModelProto model;
        try {
            model = ModelProto.parseFrom(modelBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidInputException(source + " is not a valid ONNX model (corrupt protobuf: " + e.getMessage() + ")", e);
        }
        if (!model.hasGraph() || model.getGraph().getOutputCount() == 0)
            throw new InvalidInputException(source + " is not a valid ONNX model (no graph with an output)");
        Network net = new GraphImporter(model.getGraph(), source).run();
        FiniteParameters.require(net, source);
        return net;
    }

}
