package dev.verity.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Clean accuracy on the full 10,000-image MNIST test set equals what each network's publisher reports
 * (benchmark readmes; shared/benchmarks/SOURCES.md for the seed-paper conversions). A wrong transpose,
 * axis or normalisation anywhere in import or forward pass moves these numbers.
 */
class AccuracyAcceptanceTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "vnncomp2021/mnistfc/mnist-net_256x2.onnx, datasets/mnist, accuracy 0.9808 (9808/10000)",
            "vnncomp2021/mnistfc/mnist-net_256x4.onnx, datasets/mnist, accuracy 0.9764 (9764/10000)",
            "vnncomp2021/mnistfc/mnist-net_256x6.onnx, datasets/mnist, accuracy 0.9689 (9689/10000)",
            "vnncomp2021/verivital/Convnet_avgpool.onnx, datasets/mnist, accuracy 0.9795 (9795/10000)",
            "vnncomp2021/verivital/Convnet_maxpool.onnx, datasets/mnist, accuracy 0.9792 (9792/10000)",
            "seed-papers/onnx/ADV_MLP_B_0.03.onnx, datasets/mnist, accuracy 0.9847 (9847/10000)",
            "seed-papers/onnx/LPD_MLP_B_0.1.onnx, datasets/mnist, accuracy 0.9591 (9591/10000)",
            "seed-papers/onnx/LPD_MLP_B_0.3.onnx, datasets/mnist, accuracy 0.6078 (6078/10000)",
            "seed-papers/onnx/NOR_MLP_B.onnx, datasets/mnist, accuracy 0.9795 (9795/10000)",
            "seed-papers/onnx/RSL18a_linf0.1.onnx, datasets/mnist, accuracy 0.9582 (9582/10000)",
            "seed-papers/onnx/mnist_cnn_small_LPD.onnx, datasets/mnist, accuracy 0.9890 (9890/10000)",
            "seed-papers/onnx/wong2018_mnist.onnx, datasets/mnist, accuracy 0.9820 (9820/10000)",
            "seed-papers/onnx/wong2018_fashion_mnist.onnx, datasets/fashion-mnist, accuracy 0.7827 (7827/10000)",
    })
    void matchesThePublishedAccuracy(String model, String data, String expectedLastLine) {
        Path benchmarks = CliTest.shared().resolve("benchmarks");
        var r = CliTest.cli("accuracy", benchmarks.resolve(model).toString(), "--data", benchmarks.resolve(data).toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(expectedLastLine, r.lastLine());
    }
}
