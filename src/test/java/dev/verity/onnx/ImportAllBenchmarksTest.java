package dev.verity.onnx;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.onnx.proto.Onnx.ModelProto;
import dev.verity.onnx.proto.Onnx.TensorShapeProto;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every shared ONNX network imports, with the sample shapes and layer kinds its benchmark documents. */
class ImportAllBenchmarksTest {

    /** What a family of networks must look like after import (paths relative to verity.shared). */
    private record Expected(String pathRegex, Shape input, Shape output, Set<Class<? extends Layer>> layers) {}

    private static final List<Expected> EXPECTED = List.of(
            new Expected(".*/mnistfc/.*", new Shape(784, 1), new Shape(10), Set.of(Layer.Dense.class, Layer.Relu.class, Layer.Flatten.class)),
            new Expected(".*/(acasxu/ACASXU|test/test_(un)?sat).*", new Shape(1, 1, 5), new Shape(5), Set.of(Layer.Dense.class, Layer.Relu.class)),
            new Expected(".*/test/test_(nano|tiny|small)\\.onnx", new Shape(1), new Shape(1), Set.of(Layer.Dense.class, Layer.Relu.class)),
            new Expected(".*/cifar10_resnet/.*", new Shape(3, 32, 32), new Shape(10), Set.of(Layer.Conv2d.class, Layer.Add.class, Layer.Dense.class)),
            new Expected(".*/sri_resnet_a/.*", new Shape(3, 32, 32), new Shape(10), Set.of(Layer.Conv2d.class, Layer.Add.class, Layer.Dense.class)),
            new Expected(".*/oval21/.*", new Shape(3, 32, 32), new Shape(10), Set.of(Layer.Conv2d.class, Layer.Dense.class)),
            new Expected(".*/marabou-cifar10/.*", new Shape(32, 32, 3), new Shape(10), Set.of(Layer.Transpose.class, Layer.Conv2d.class, Layer.Dense.class)),
            new Expected(".*/verivital/Convnet_maxpool.*", new Shape(1, 28, 28), new Shape(10), Set.of(Layer.Conv2d.class, Layer.MaxPool2d.class)),
            new Expected(".*/verivital/Convnet_avgpool.*", new Shape(1, 28, 28), new Shape(10), Set.of(Layer.Conv2d.class, Layer.AvgPool2d.class)),
            new Expected(".*/eran/nets/ffnnSIGMOID.*", new Shape(1, 28, 28), new Shape(10), Set.of(Layer.Affine.class, Layer.Sigmoid.class)),
            new Expected(".*/eran/nets/mnist_relu.*", new Shape(1, 28, 28), new Shape(10), Set.of(Layer.Dense.class, Layer.Relu.class)),
            new Expected(".*/seed-papers/onnx/.*", new Shape(1, 28, 28), new Shape(10), Set.of(Layer.Dense.class, Layer.Relu.class)),
            new Expected(".*/collins_rul_cnn/.*", new Shape(1, 20, 20), new Shape(1), Set.of(Layer.Conv2d.class)),
            new Expected(".*/reach_prob_density/onnx/vdp.*", new Shape(3), new Shape(3), Set.of(Layer.Dense.class)),
            new Expected(".*/reach_prob_density/onnx/robot.*", new Shape(5), new Shape(5), Set.of(Layer.Dense.class)),
            new Expected(".*/reach_prob_density/onnx/gcas.*", new Shape(14), new Shape(14), Set.of(Layer.Dense.class)),
            new Expected(".*/rl_benchmarks/onnx/cartpole.*", new Shape(4), new Shape(2), Set.of(Layer.Dense.class)),
            new Expected(".*/rl_benchmarks/onnx/lunarlander.*", new Shape(8), new Shape(4), Set.of(Layer.Dense.class)),
            new Expected(".*/rl_benchmarks/onnx/dubinsrejoin.*", new Shape(8), new Shape(8), Set.of(Layer.Dense.class)),
            new Expected(".*/tllverifybench/.*", new Shape(2), new Shape(1), Set.of(Layer.Dense.class, Layer.Relu.class)),
            new Expected(".*/mlp_2_16_16_2\\.onnx", new Shape(2), new Shape(2), Set.of(Layer.Dense.class)),
            new Expected(".*/conv_1x8x8_c4_fc10\\.onnx", new Shape(1, 8, 8), new Shape(10), Set.of(Layer.Conv2d.class, Layer.Dense.class)));

    @TestFactory
    Stream<DynamicTest> everySharedNetworkImports() {
        Path shared = Benchmarks.shared();
        List<Path> models = Benchmarks.models(shared);
        assertTrue(models.size() >= 79, "expected the 79 shared networks, found " + models.size());
        return models.stream().map(file -> DynamicTest.dynamicTest(Benchmarks.relative(shared, file), () -> check(shared, file)));
    }

    private static void check(Path shared, Path file) throws Exception {
        Network net = OnnxImporter.load(file);
        String rel = "/" + Benchmarks.relative(shared, file).replace('\\', '/');

        // The sample shapes hold exactly the elements of the declared ONNX input and output (batch dimension 1).
        ModelProto model = ModelProto.parseFrom(OrtRunner.readModel(file));
        try (OrtRunner ort = new OrtRunner(OrtRunner.readModel(file))) {
            assertEquals(ort.inputSize(), net.inputShape().numel(), "input size");
        }
        var outDims = model.getGraph().getOutput(0).getType().getTensorType().getShape().getDimList();
        long declaredOut = 1;
        for (TensorShapeProto.Dimension d : outDims) declaredOut *= d.hasDimValue() ? d.getDimValue() : 1;
        assertEquals(declaredOut, net.outputShape().numel(), "output size");

        List<Expected> matching = EXPECTED.stream().filter(e -> rel.matches(e.pathRegex())).toList();
        assertFalse(matching.isEmpty(), "no expectation for " + rel + " (add one to EXPECTED)");
        Expected e = matching.getFirst();
        assertEquals(e.input(), net.inputShape(), "input shape");
        assertEquals(e.output(), net.outputShape(), "output shape");
        Set<Class<?>> kinds = net.nodes().stream().map(Node::layer).map(Object::getClass).collect(Collectors.toSet());
        for (Class<? extends Layer> k : e.layers()) assertTrue(kinds.contains(k), rel + " should contain a " + k.getSimpleName() + ", has " + kinds);
        assertTrue(net.parameterCount() > 0, "parameters");
    }
}
