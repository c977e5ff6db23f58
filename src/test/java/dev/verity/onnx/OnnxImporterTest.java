package dev.verity.onnx;

import dev.verity.InvalidInputException;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.onnx.proto.Onnx.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static dev.verity.onnx.ModelBuilder.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One small model per mapped op and tricky attribute, built with the protobuf builders and compared
 * against onnxruntime on the same bytes; plus the structure of folds and the errors for what Verity
 * cannot represent.
 */
class OnnxImporterTest {

    // ---- Gemm / MatMul ----

    @Test
    void gemmWithoutTransposeAndAlphaBeta() throws Exception {
        ModelBuilder m = new ModelBuilder(13, 1).input("x", 1, 4).random("B", -1, 1, 4, 3).random("C", -1, 1, 3)
                .node("Gemm", "y", in("x", "B", "C"), "alpha", 0.5, "beta", 2.0, "transB", 0L).output("y");
        Network net = check(m);
        assertEquals(List.of(Layer.Input.class, Layer.Dense.class), layerKinds(net));
        assertEquals(new Shape(3), net.outputShape());
    }

    @Test
    void gemmWithTransposedBAndRowBias() throws Exception {
        check(new ModelBuilder(13, 2).input("x", 1, 4).random("B", -1, 1, 3, 4).random("C", -1, 1, 1, 3)
                .node("Gemm", "y", in("x", "B", "C"), "transB", 1L).output("y"));
    }

    @Test
    void gemmOnAnUnbatchedMatrixWithAPerRowBias() throws Exception {
        // Input [2, 4] has no batch axis: the sample is the matrix; C [2, 3] differs per row -> Dense + Affine.
        Network net = check(new ModelBuilder(13, 3).input("x", 2, 4).random("B", -1, 1, 4, 3).random("C", -1, 1, 2, 3)
                .node("Gemm", "y", in("x", "B", "C")).output("y"));
        assertEquals(new Shape(2, 4), net.inputShape());
        assertEquals(List.of(Layer.Input.class, Layer.Dense.class, Layer.Affine.class), layerKinds(net));
    }

    @Test
    void gemmTransAOnTheComputedInputIsRejected() {
        ModelBuilder m = new ModelBuilder(13, 4).input("x", 1, 4).random("B", -1, 1, 1, 3)
                .named("g7", "Gemm", "y", in("x", "B"), "transA", 1L).output("y");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxImporter.parse(m.bytes(), "gemm.onnx"));
        assertTrue(e.getMessage().contains("'Gemm'") && e.getMessage().contains("'g7'") && e.getMessage().contains("gemm.onnx")
                && e.getMessage().contains("transA"), e.getMessage());
    }

    @Test
    void matMulThenAddFoldsIntoOneDense() throws Exception {
        ModelBuilder m = new ModelBuilder(13, 5).input("x", 1, 5).random("W", -1, 1, 5, 4).random("b", -1, 1, 4).random("c", -1, 1, 4)
                .node("MatMul", "h", in("x", "W")).node("Add", "y", in("b", "h"))
                .node("Relu", "r", in("y")).random("W2", -1, 1, 4, 2).node("MatMul", "z", in("r", "W2")).node("Add", "out", in("z", "c2"))
                .random("c2", -1, 1, 1, 2).output("out");
        Network net = check(m);
        assertEquals(List.of(Layer.Input.class, Layer.Dense.class, Layer.Relu.class, Layer.Dense.class), layerKinds(net));
    }

    @Test
    void matMulWithAConstantLeftOperandOnTheLastTwoAxes() throws Exception {
        // A [5, 4] @ x [1, 3, 4, 2] -> [1, 3, 5, 2]: transpose, Dense, transpose back.
        check(new ModelBuilder(13, 6).input("x", 1, 3, 4, 2).random("A", -1, 1, 5, 4).node("MatMul", "y", in("A", "x")).output("y"));
    }

    @Test
    void matMulOnAVectorInputWithoutBatchAxis() throws Exception {
        // Like the VNN-COMP test nets: input [6], W [3, 6] @ x, then x @ v with a 1-D v.
        Network net = check(new ModelBuilder(13, 7).input("x", 6).random("W", -1, 1, 3, 6).random("v", -1, 1, 3, 2)
                .node("MatMul", "h", in("W", "x")).node("Relu", "r", in("h")).node("MatMul", "y", in("r", "v")).output("y"));
        assertEquals(new Shape(6), net.inputShape());
        assertEquals(new Shape(2), net.outputShape());
        check(new ModelBuilder(13, 8).input("x", 1, 6).random("v", -1, 1, 6).node("MatMul", "y", in("x", "v")).output("y"));
    }

    // ---- Conv / pooling ----

    @Test
    void convWithAsymmetricPadsStrideDilationAndGroups() throws Exception {
        Network net = check(new ModelBuilder(13, 9).input("x", 1, 4, 9, 10).random("W", -1, 1, 6, 2, 3, 2).random("b", -1, 1, 6)
                .node("Conv", "y", in("x", "W", "b"), "group", 2L, "pads", new long[] {0, 1, 2, 1}, "strides", new long[] {2, 1},
                        "dilations", new long[] {1, 2}, "kernel_shape", new long[] {3, 2})
                .output("y"));
        assertEquals(new Shape(6, 5, 10), net.outputShape());
    }

    @Test
    void convWithAutoPad() throws Exception {
        for (String mode : List.of("SAME_UPPER", "SAME_LOWER", "VALID")) {
            check(new ModelBuilder(13, 10).input("x", 1, 2, 7, 8).random("W", -1, 1, 3, 2, 4, 3)
                    .node("Conv", "y", in("x", "W"), "auto_pad", mode, "strides", new long[] {2, 3}).output("y"));
        }
    }

    @Test
    void oneDimensionalConvIsATwoDimensionalConvOfHeightOne() throws Exception {
        Network net = check(new ModelBuilder(13, 11).input("x", 1, 3, 12).random("W", -1, 1, 4, 3, 3).random("b", -1, 1, 4)
                .node("Conv", "c", in("x", "W", "b"), "pads", new long[] {2, 1}, "strides", new long[] {2}, "dilations", new long[] {2})
                .node("Relu", "r", in("c")).node("MaxPool", "y", in("r"), "kernel_shape", new long[] {2}).output("y"));
        assertEquals(new Shape(3, 12), net.inputShape());
        assertEquals(new Shape(4, 5), net.outputShape());
    }

    @Test
    void maxPoolWithCeilModePadsAndDilation() throws Exception {
        check(new ModelBuilder(13, 12).input("x", 1, 2, 9, 9)
                .node("MaxPool", "y", in("x"), "kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 2}, "pads", new long[] {1, 1, 0, 0},
                        "ceil_mode", 1L)
                .output("y"));
        check(new ModelBuilder(13, 13).input("x", 1, 2, 10, 9)
                .node("MaxPool", "y", in("x"), "kernel_shape", new long[] {2, 3}, "dilations", new long[] {2, 1}, "strides", new long[] {1, 2})
                .output("y"));
    }

    @Test
    void averagePoolWithAndWithoutCountIncludePad() throws Exception {
        for (long include : new long[] {0, 1}) {
            check(new ModelBuilder(13, 14).input("x", 1, 2, 8, 7)
                    .node("AveragePool", "y", in("x"), "kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 2},
                            "pads", new long[] {1, 1, 1, 0}, "count_include_pad", include)
                    .output("y"));
            // ceil_mode: the last column window covers the end pad and one cell past it (divisor: the full kernel, as onnxruntime).
            check(new ModelBuilder(13, 15).input("x", 1, 2, 8, 7)
                    .node("AveragePool", "y", in("x"), "kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 2},
                            "pads", new long[] {1, 0, 1, 1}, "ceil_mode", 1L, "count_include_pad", include)
                    .output("y"));
        }
        check(new ModelBuilder(13, 16).input("x", 1, 3, 5, 6).node("GlobalAveragePool", "y", in("x")).output("y"));
    }

    @Test
    void aCeilModeWindowStartingPastTheInputIsRejected() {
        // Height 8, kernel 2, stride 3, top pad 1: ceil gives a 4th window starting after the last row.
        ModelBuilder m = new ModelBuilder(13, 44).input("x", 1, 1, 8, 8).named("ap", "AveragePool", "y", in("x"), "kernel_shape", new long[] {2, 2},
                "strides", new long[] {3, 3}, "pads", new long[] {1, 0, 0, 0}, "ceil_mode", 1L).output("y");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxImporter.parse(m.bytes(), "pool.onnx"));
        assertTrue(e.getMessage().contains("'AveragePool'") && e.getMessage().contains("'ap'") && e.getMessage().contains("ceil_mode"), e.getMessage());
    }

    // ---- batch normalisation ----

    @Test
    void batchNormFoldsIntoThePrecedingConvAndDense() throws Exception {
        ModelBuilder m = new ModelBuilder(13, 17).input("x", 1, 2, 6, 6).random("W", -1, 1, 3, 2, 3, 3).random("b", -1, 1, 3);
        bnParams(m, "bn1", 3);
        m.node("Conv", "c", in("x", "W", "b")).node("BatchNormalization", "n", in("c", "bn1_s", "bn1_b", "bn1_m", "bn1_v"), "epsilon", 1e-3)
                .node("Relu", "r", in("n")).node("Flatten", "f", in("r")).random("G", -1, 1, 5, 48)
                .node("Gemm", "g", in("f", "G"), "transB", 1L);
        bnParams(m, "bn2", 5);
        m.node("BatchNormalization", "y", in("g", "bn2_s", "bn2_b", "bn2_m", "bn2_v")).output("y");
        Network net = check(m);
        assertEquals(List.of(Layer.Input.class, Layer.Conv2d.class, Layer.Relu.class, Layer.Flatten.class, Layer.Dense.class), layerKinds(net));
    }

    @Test
    void batchNormStaysAnAffineWhenTheConvOutputIsAlsoUsedElsewhere() throws Exception {
        ModelBuilder m = new ModelBuilder(13, 18).input("x", 1, 2, 5, 5).random("W", -1, 1, 2, 2, 3, 3);
        bnParams(m, "bn", 2);
        m.node("Conv", "c", in("x", "W"), "pads", new long[] {1, 1, 1, 1})
                .node("BatchNormalization", "n", in("c", "bn_s", "bn_b", "bn_m", "bn_v"))
                .node("Add", "y", in("n", "c")).output("y");
        Network net = check(m);
        assertTrue(layerKinds(net).contains(Layer.Affine.class), layerKinds(net).toString());
    }

    @Test
    void batchNormAfterAnActivationIsAnAffine() throws Exception {
        ModelBuilder m = new ModelBuilder(13, 19).input("x", 1, 3, 4, 4);
        bnParams(m, "bn", 3);
        Network net = check(m.node("Relu", "r", in("x")).node("BatchNormalization", "y", in("r", "bn_s", "bn_b", "bn_m", "bn_v")).output("y"));
        assertEquals(List.of(Layer.Input.class, Layer.Relu.class, Layer.Affine.class), layerKinds(net));
    }

    private static void bnParams(ModelBuilder m, String p, int c) {
        m.random(p + "_s", 0.5, 2, c).random(p + "_b", -1, 1, c).random(p + "_m", -1, 1, c).random(p + "_v", 0.1, 2, c);
    }

    // ---- shape ops ----

    @Test
    void reshapeWithZeroCopyAndInferredDimension() throws Exception {
        Network net = check(new ModelBuilder(13, 20).input("x", 1, 2, 3, 4).longs("s1", new long[] {0, -1, 4}, 3).longs("s2", new long[] {0, 24}, 2)
                .node("Reshape", "a", in("x", "s1")).node("Relu", "r", in("a")).node("Reshape", "b", in("r", "s2"))
                .random("W", -1, 1, 24, 3).node("MatMul", "y", in("b", "W")).output("y"));
        assertEquals(new Shape(6, 4), net.node(1).shape());
    }

    @Test
    void flattenAxisIsRelativeToTheFullOnnxTensor() throws Exception {
        // axis 2 on [1, 3, 4, 5] gives [3, 20]: the batch axis merges into the first output axis.
        Network net = check(new ModelBuilder(13, 21).input("x", 1, 3, 4, 5).node("Flatten", "f", in("x"), "axis", 2L)
                .random("W", -1, 1, 20, 7).node("MatMul", "y", in("f", "W")).output("y"));
        assertEquals(new Shape(3, 7), net.outputShape());
        check(new ModelBuilder(13, 22).input("x", 1, 3, 4).node("Flatten", "y", in("x"), "axis", 0L).output("y"));
        check(new ModelBuilder(13, 23).input("x", 1, 3, 4).node("Flatten", "y", in("x"), "axis", -1L).output("y"));
    }

    @Test
    void transposeOfSampleAxes() throws Exception {
        Network net = check(new ModelBuilder(13, 24).input("x", 1, 2, 3, 4).node("Transpose", "t", in("x"), "perm", new long[] {0, 3, 1, 2})
                .node("Flatten", "f", in("t")).random("W", -1, 1, 5, 24).node("Gemm", "y", in("f", "W"), "transB", 1L).output("y"));
        assertTrue(layerKinds(net).contains(Layer.Transpose.class));
    }

    @Test
    void transposeMovingTheBatchAxisIsRejected() {
        ModelBuilder m = new ModelBuilder(13, 25).input("x", 1, 2, 3).named("tp", "Transpose", "y", in("x"), "perm", new long[] {1, 0, 2}).output("y");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxImporter.parse(m.bytes(), "t.onnx"));
        assertTrue(e.getMessage().contains("'Transpose'") && e.getMessage().contains("'tp'") && e.getMessage().contains("batch axis"), e.getMessage());
    }

    @Test
    void squeezeAndUnsqueezeOfComputedValues() throws Exception {
        check(new ModelBuilder(13, 26).input("x", 1, 3, 1, 4).longs("a", new long[] {2}, 1).longs("b", new long[] {1, 3}, 2)
                .node("Squeeze", "s", in("x", "a")).node("Relu", "r", in("s")).node("Unsqueeze", "y", in("r", "b")).output("y"));
        check(new ModelBuilder(11, 27).input("x", 1, 3, 1, 4).node("Squeeze", "s", in("x"), "axes", new long[] {2})
                .node("Unsqueeze", "y", in("s"), "axes", new long[] {-1}).output("y"));
    }

    @Test
    void padConstantFromInputs() throws Exception {
        Network net = check(new ModelBuilder(13, 28).input("x", 1, 2, 5, 5).longs("p", new long[] {0, 0, 1, 2, 0, 0, 3, 0}, 8)
                .floats("v", new float[] {0.5f}).node("Pad", "pd", in("x", "p", "v"))
                .random("W", -1, 1, 3, 2, 3, 3).node("Conv", "y", in("pd", "W")).output("y"));
        assertTrue(layerKinds(net).contains(Layer.Pad.class));
    }

    @Test
    void padConstantFromAttributesOfOpset10() throws Exception {
        check(new ModelBuilder(10, 29).input("x", 1, 2, 3, 4)
                .node("Pad", "y", in("x"), "mode", "constant", "pads", new long[] {0, 1, 0, 2, 0, 0, 1, 1}, "value", -1.0).output("y"));
    }

    @Test
    void padWithAReflectModeIsRejected() {
        ModelBuilder m = new ModelBuilder(13, 30).input("x", 1, 2, 3, 4).longs("p", new long[] {0, 0, 1, 1, 0, 0, 1, 1}, 8)
                .named("pad_1", "Pad", "y", in("x", "p"), "mode", "reflect").output("y");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxImporter.parse(m.bytes(), "p.onnx"));
        assertTrue(e.getMessage().contains("'Pad'") && e.getMessage().contains("'pad_1'") && e.getMessage().contains("reflect"), e.getMessage());
    }

    /** The chain PyTorch emits for {@code x.view(x.size(0), -1)}: Shape → Gather → Unsqueeze → Concat → Reshape. */
    @Test
    void shapeGatherUnsqueezeConcatReshapeChainFolds() throws Exception {
        TensorProto zero = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(0).build();
        TensorProto minusOne = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE).addDims(1).addInt64Data(-1).build();
        Network net = check(new ModelBuilder(13, 31).input("x", 1, 2, 3, 3)
                .node("Relu", "r", in("x")).node("Shape", "s", in("r")).node("Constant", "i0", in(), "value", zero)
                .node("Gather", "b", in("s", "i0"), "axis", 0L).longs("ax", new long[] {0}, 1).node("Unsqueeze", "b1", in("b", "ax"))
                .node("Constant", "m1", in(), "value", minusOne).node("Concat", "shp", in("b1", "m1"), "axis", 0L)
                .node("Reshape", "flat", in("r", "shp")).random("W", -1, 1, 4, 18).node("Gemm", "y", in("flat", "W"), "transB", 1L).output("y"));
        assertEquals(List.of(Layer.Input.class, Layer.Relu.class, Layer.Flatten.class, Layer.Dense.class), layerKinds(net));
    }

    @Test
    void constantFoldingOfSliceCastConstantOfShapeAndArithmetic() throws Exception {
        // target = Concat(Slice(Shape(x), 0, 2), Cast(ConstantOfShape([1]) * 12.0 to int64)) = [1, 3, 12]
        TensorProto twelve = ModelBuilder.floatTensor("", new float[] {12f}, 1);
        check(new ModelBuilder(13, 32).input("x", 1, 3, 4, 3).node("Shape", "s", in("x"))
                .longs("st", new long[] {0}, 1).longs("en", new long[] {2}, 1).node("Slice", "head", in("s", "st", "en"))
                .longs("one", new long[] {1}, 1).node("ConstantOfShape", "ones", in("one"), "value", ModelBuilder.floatTensor("", new float[] {1f}, 1))
                .node("Constant", "c12", in(), "value", twelve).node("Mul", "p", in("ones", "c12"))
                .node("Cast", "pi", in("p"), "to", (long) TensorProto.DataType.INT64_VALUE)
                .node("Concat", "target", in("head", "pi"), "axis", 0L).node("Reshape", "y", in("x", "target")).output("y"));
    }

    @Test
    void constantFoldingOfLessCommonOpsMatchesOnnxRuntime() throws Exception {
        // c = Max(ReduceSum(Pow(Expand(Where(g < 5, g, Sqrt(g)), [4,2,3]), 2), axes 2), Min(expanded, 3)), where
        // g = Gather(Slice(Transpose(Reshape(Range(0, 12, 1), [3, 4])), steps -1 / -2), [[1], [-1]], axis 1); y = x + c.
        Network net = check(new ModelBuilder(13, 45).input("x", 1, 4, 2, 3)
                .floats("r0", new float[] {0}).floats("r1", new float[] {12}).floats("r2", new float[] {1})
                .node("Range", "r", in("r0", "r1", "r2")).longs("s34", new long[] {3, 4}, 2).node("Reshape", "m", in("r", "s34"))
                .node("Transpose", "t", in("m"))
                .longs("st", new long[] {3, 2}, 2).longs("en", new long[] {-10, -10}, 2).longs("ax", new long[] {0, 1}, 2)
                .longs("sp", new long[] {-1, -2}, 2).node("Slice", "sl", in("t", "st", "en", "ax", "sp"))
                .longs("idx", new long[] {1, -1}, 2, 1).node("Gather", "g", in("sl", "idx"), "axis", 1L)
                .floats("five", new float[] {5}).node("Less", "lt", in("g", "five")).node("Sqrt", "sq", in("g"))
                .node("Where", "w", in("lt", "g", "sq")).longs("shape", new long[] {4, 2, 3}, 3).node("Expand", "e", in("w", "shape"))
                .floats("two", new float[] {2}).node("Pow", "p", in("e", "two")).longs("rax", new long[] {2}, 1)
                .node("ReduceSum", "rs", in("p", "rax")).floats("three", new float[] {3}).node("Min", "mn", in("e", "three"))
                .node("Max", "c", in("rs", "mn")).node("Add", "y", in("x", "c")).output("y"));
        assertEquals(List.of(Layer.Input.class, Layer.Affine.class), layerKinds(net));
    }

    // ---- element-wise ----

    @Test
    void subDivNormalisationBecomesOneAffine() throws Exception {
        ModelBuilder m = new ModelBuilder(13, 33).input("x", 1, 3, 4, 4)
                .floats("mean", new float[] {0.485f, 0.456f, 0.406f}, 1, 3, 1, 1).floats("std", new float[] {0.229f, 0.224f, 0.225f}, 3, 1, 1)
                .node("Sub", "s", in("x", "mean")).node("Div", "d", in("s", "std"))
                .random("W", -1, 1, 2, 3, 3, 3).node("Conv", "y", in("d", "W")).output("y");
        Network net = check(m);
        assertEquals(List.of(Layer.Input.class, Layer.Affine.class, Layer.Conv2d.class), layerKinds(net));
    }

    @Test
    void constantOnTheLeftAndNegation() throws Exception {
        check(new ModelBuilder(13, 34).input("x", 1, 2, 3).random("c", -1, 1, 3).random("k", 0.5, 2, 2, 1)
                .node("Sub", "a", in("c", "x")).node("Mul", "b", in("k", "a")).node("Neg", "n", in("b"))
                .node("Add", "y", in("n", "c")).output("y"));
    }

    @Test
    void residualAddAndSubOfComputedValues() throws Exception {
        Network net = check(new ModelBuilder(13, 35).input("x", 1, 2, 4, 4).random("W1", -1, 1, 2, 2, 3, 3).random("W2", -1, 1, 2, 2, 1, 1)
                .node("Conv", "a", in("x", "W1"), "pads", new long[] {1, 1, 1, 1}).node("Conv", "b", in("x", "W2"))
                .node("Relu", "ra", in("a")).node("Add", "s", in("ra", "b")).node("Sub", "y", in("s", "a")).output("y"));
        assertTrue(layerKinds(net).contains(Layer.Add.class));
        // x - x: the negation must not be folded into the shared producer.
        check(new ModelBuilder(13, 36).input("x", 1, 3).random("W", -1, 1, 3, 3).node("MatMul", "h", in("x", "W"))
                .node("Sub", "z", in("h", "h")).node("Add", "y", in("z", "h")).output("y"));
    }

    @Test
    void activationsIdentityAndDropout() throws Exception {
        Network net = check(new ModelBuilder(13, 37).input("x", 1, 6).node("LeakyRelu", "a", in("x"), "alpha", 0.2)
                .node("Sigmoid", "b", in("a")).node("Identity", "c", in("b")).node("Dropout", "d", in("c")).node("Tanh", "y", in("d")).output("y"));
        assertEquals(List.of(Layer.Input.class, Layer.LeakyRelu.class, Layer.Sigmoid.class, Layer.Tanh.class), layerKinds(net));
    }

    @Test
    void symbolicBatchDimensionIsStripped() throws Exception {
        Network net = check(new ModelBuilder(13, 38).input("x", -1, 4).random("W", -1, 1, 4, 2).node("MatMul", "y", in("x", "W")).output("y"));
        assertEquals(new Shape(4), net.inputShape());
    }

    // ---- errors ----

    @Test
    void unsupportedOpNamesTheOpTheNodeAndTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.onnx");
        Files.write(file, new ModelBuilder(13, 39).input("x", 1, 10).named("sm_3", "Softmax", "y", in("x")).output("y").bytes());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxImporter.load(file));
        assertTrue(e.getMessage().startsWith("unsupported ONNX op 'Softmax' (node 'sm_3') in ") && e.getMessage().contains("model.onnx"), e.getMessage());
    }

    @Test
    void concatOfComputedValuesIsRejected() {
        ModelBuilder m = new ModelBuilder(13, 40).input("x", 1, 3).node("Relu", "r", in("x")).named("cat", "Concat", "y", in("x", "r"), "axis", 1L).output("y");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxImporter.parse(m.bytes(), "c.onnx"));
        assertTrue(e.getMessage().contains("'Concat'") && e.getMessage().contains("'cat'") && e.getMessage().contains("c.onnx"), e.getMessage());
    }

    @Test
    void corruptAndMissingFilesNameThePath(@TempDir Path dir) throws Exception {
        Path corrupt = dir.resolve("corrupt.onnx");
        Files.write(corrupt, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 0x01, 0x02});
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxImporter.load(corrupt));
        assertTrue(e.getMessage().contains(corrupt.toString()), e.getMessage());
        Path missing = dir.resolve("missing.onnx");
        e = assertThrows(InvalidInputException.class, () -> OnnxImporter.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        Path badGzip = dir.resolve("bad.onnx.gz");
        Files.write(badGzip, new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        e = assertThrows(InvalidInputException.class, () -> OnnxImporter.load(badGzip));
        assertTrue(e.getMessage().contains(badGzip.toString()), e.getMessage());
    }

    @Test
    void theGraphMustHaveExactlyOneNonInitializerInput() {
        ModelBuilder m = new ModelBuilder(13, 41).input("x", 1, 3).input("z", 1, 3).node("Add", "y", in("x", "z")).output("y");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxImporter.parse(m.bytes(), "two.onnx"));
        assertTrue(e.getMessage().contains("two.onnx") && e.getMessage().contains("exactly one"), e.getMessage());
    }

    @Test
    void gzipCompressedModelsLoadDirectly(@TempDir Path dir) throws Exception {
        ModelBuilder m = new ModelBuilder(13, 42).input("x", 1, 4).random("B", -1, 1, 3, 4).node("Gemm", "y", in("x", "B"), "transB", 1L).output("y");
        Path gz = dir.resolve("m.onnx.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(m.bytes());
        }
        Network net = OnnxImporter.load(gz);
        try (OrtRunner ort = new OrtRunner(m.bytes())) {
            ort.assertMatches("gz", net, randomInputs(net, 43));
        }
    }

    // ---- helpers ----

    /** Imports the model, checks it against onnxruntime on 3 random inputs in [-1, 1], returns the network. */
    private static Network check(ModelBuilder m) throws Exception {
        byte[] bytes = m.bytes();
        Network net = OnnxImporter.parse(bytes, "test.onnx");
        try (OrtRunner ort = new OrtRunner(bytes)) {
            assertEquals(ort.inputSize(), net.inputShape().numel(), "input size");
            ort.assertMatches("model", net, randomInputs(net, bytes.length));
        }
        return net;
    }

    private static float[][] randomInputs(Network net, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[3][net.inputShape().numel()];
        for (float[] v : x)
            for (int i = 0; i < v.length; i++) v[i] = OrtRunner.drawIn(r, -1, 1);
        return x;
    }

    private static List<Class<?>> layerKinds(Network net) {
        return net.nodes().stream().map(Node::layer).<Class<?>>map(Object::getClass).toList();
    }
}
