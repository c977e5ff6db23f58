package dev.verity.onnx;

import dev.verity.model.Network;
import dev.verity.spec.Box;
import dev.verity.spec.VnnlibReader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Every shared network gives the same outputs in Verity's double forward pass as in onnxruntime, on
 * random float32 inputs drawn from the network's VNN-LIB input box (the first instance in its
 * benchmark's instances.csv), from the reference box of the oracle nets, or else from [0, 1] (the
 * seed-paper MNIST nets, whose inputs are pixels in [0, 1]).
 */
class OnnxRuntimeCrossCheckTest {
    private static final int SAMPLES = 3;

    @TestFactory
    Stream<DynamicTest> verityMatchesOnnxRuntime() {
        Path shared = Benchmarks.shared();
        Map<Path, Path> properties = Benchmarks.firstProperty(shared);
        return Benchmarks.models(shared).stream().map(file -> DynamicTest.dynamicTest(
                Benchmarks.relative(shared, file), () -> check(shared, file, properties.get(file))));
    }

    private static void check(Path shared, Path file, Path vnnlib) throws Exception {
        if (Benchmarks.relative(shared, file).startsWith("benchmarks/vnncomp"))
            assertNotNull(vnnlib, "every VNN-COMP network has an instance in its benchmark's instances.csv");
        Network net = OnnxImporter.load(file);
        int n = net.inputShape().numel();
        double[][] box = inputBox(file, vnnlib, n);
        Random random = new Random(file.getFileName().toString().hashCode());
        float[][] inputs = new float[SAMPLES][n];
        for (float[] x : inputs)
            for (int i = 0; i < n; i++) x[i] = OrtRunner.drawIn(random, box[0][i], box[1][i]);
        try (OrtRunner ort = new OrtRunner(OrtRunner.readModel(file))) {
            ort.assertMatches(file.getFileName().toString(), net, inputs);
        }
    }

    /** {lower, upper} over the flattened input. */
    private static double[][] inputBox(Path file, Path vnnlib, int n) {
        if (vnnlib != null) {
            Box b = VnnlibReader.read(vnnlib).cases().getFirst().input();
            assertEquals(n, b.dimension(), "inputs of " + vnnlib.getFileName());
            return new double[][] {b.lower(), b.upper()};
        }
        double[][] oracle = Benchmarks.oracleBox(file);
        if (oracle != null) return oracle;
        double[] lo = new double[n], hi = new double[n];
        java.util.Arrays.fill(hi, 1);
        return new double[][] {lo, hi};
    }
}
