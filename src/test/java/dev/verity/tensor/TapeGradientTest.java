package dev.verity.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.verity.tensor.TestTensors.awayFromZero;
import static dev.verity.tensor.TestTensors.distinct;
import static dev.verity.tensor.TestTensors.gradCheck;
import static dev.verity.tensor.TestTensors.uniform;

/**
 * Every autodiff operation against central finite differences (see {@link TestTensors#gradCheck}).
 * Inputs are sampled away from kinks: relu-like inputs have |x| >= 0.1, max/min operands differ by
 * at least 0.1, pooled values are distinct by 0.1, all far beyond the step 1e-6.
 */
class TapeGradientTest {
    private static final double RTOL = 1e-6;
    private final Random r = new Random(20240601);

    // ---- linear algebra ----

    @Test void matmul() {
        gradCheck(1, RTOL, (t, in) -> t.matmul(in.get(0), in.get(1)), uniform(r, -1, 1, 3, 4), uniform(r, -1, 1, 4, 2));
    }

    @Test void linearWithTrainableWeights() {
        gradCheck(2, RTOL, (t, in) -> t.linear(in.get(0), in.get(1), in.get(2)),
                uniform(r, -1, 1, 2, 3, 4), uniform(r, -1, 1, 5, 4), uniform(r, -1, 1, 5));
    }

    @Test void linearWithoutBias() {
        gradCheck(3, RTOL, (t, in) -> t.linear(in.get(0), in.get(1), null), uniform(r, -1, 1, 3, 4), uniform(r, -1, 1, 2, 4));
    }

    @Test void linearThroughOpsWithConstantWeights() {
        Tensor w = uniform(r, -1, 1, 3, 4), b = uniform(r, -1, 1, 3);
        gradCheck(4, RTOL, (t, in) -> t.linear(in.get(0), w, b), uniform(r, -1, 1, 2, 4));
    }

    @Test void conv2dAllGeometryFeatures() {
        ConvGeometry g = new ConvGeometry(2, 1, 1, 0, 2, 1, 1, 2, 2);
        gradCheck(5, RTOL, (t, in) -> t.conv2d(in.get(0), in.get(1), in.get(2), g),
                uniform(r, -1, 1, 2, 4, 5, 6), uniform(r, -1, 1, 4, 2, 3, 2), uniform(r, -1, 1, 4));
    }

    @Test void conv2dOneByOneWithGroups() {
        ConvGeometry g = new ConvGeometry(1, 1, 0, 0, 0, 0, 1, 1, 2);
        gradCheck(6, RTOL, (t, in) -> t.conv2d(in.get(0), in.get(1), null, g),
                uniform(r, -1, 1, 2, 4, 3, 3), uniform(r, -1, 1, 6, 2, 1, 1));
    }

    @Test void conv2dThroughOpsWithConstantWeights() {
        Tensor w = uniform(r, -1, 1, 3, 2, 3, 3), b = uniform(r, -1, 1, 3);
        gradCheck(7, RTOL, (t, in) -> t.conv2d(in.get(0), w, b, new ConvGeometry(2, 2, 1, 1, 1, 1, 2, 1, 1)), uniform(r, -1, 1, 2, 2, 6, 5));
    }

    // ---- broadcasting binary ops ----

    @Test void addBroadcast() {
        gradCheck(8, RTOL, (t, in) -> t.add(in.get(0), in.get(1)), uniform(r, -1, 1, 2, 1, 3), uniform(r, -1, 1, 4, 1));
    }

    @Test void subBroadcast() {
        gradCheck(9, RTOL, (t, in) -> t.sub(in.get(0), in.get(1)), uniform(r, -1, 1, 3), uniform(r, -1, 1, 2, 3));
    }

    @Test void mulBroadcast() {
        gradCheck(10, RTOL, (t, in) -> t.mul(in.get(0), in.get(1)), uniform(r, -1, 1, 2, 3, 2, 2), uniform(r, -1, 1, 3, 1, 1));
    }

    @Test void divBroadcast() {
        // denominators in [0.5, 1.5]: smooth and well conditioned
        gradCheck(11, RTOL, (t, in) -> t.div(in.get(0), in.get(1)), uniform(r, -1, 1, 2, 3), uniform(r, 0.5, 1.5, 2, 1));
    }

    @Test void mulWithItself() {
        // the same var as both operands: two contributions accumulate into one gradient
        gradCheck(12, RTOL, (t, in) -> t.mul(in.get(0), in.get(0)), uniform(r, -1, 1, 3, 2));
    }

    @Test void maxAndMinBroadcast() {
        Tensor b = uniform(r, -1, 1, 3);
        Tensor a = awayFromZero(r, 2, 3).add(b); // a - b has |.| >= 0.1 everywhere
        gradCheck(13, RTOL, (t, in) -> t.max(in.get(0), in.get(1)), a, b.copy());
        gradCheck(14, RTOL, (t, in) -> t.min(in.get(0), in.get(1)), a, b.copy());
    }

    // ---- unary ops ----

    @Test void negAndScale() {
        gradCheck(15, RTOL, (t, in) -> t.neg(in.get(0)), uniform(r, -1, 1, 2, 3));
        gradCheck(16, RTOL, (t, in) -> t.scale(in.get(0), -2.5), uniform(r, -1, 1, 2, 3));
    }

    @Test void relu() {
        gradCheck(17, RTOL, (t, in) -> t.relu(in.get(0)), awayFromZero(r, 3, 4));
    }

    @Test void leakyRelu() {
        gradCheck(18, RTOL, (t, in) -> t.leakyRelu(in.get(0), 0.2), awayFromZero(r, 3, 4));
    }

    @Test void sigmoid() {
        gradCheck(19, RTOL, (t, in) -> t.sigmoid(in.get(0)), uniform(r, -4, 4, 3, 4));
    }

    @Test void tanh() {
        gradCheck(20, RTOL, (t, in) -> t.tanh(in.get(0)), uniform(r, -2, 2, 3, 4));
    }

    @Test void clamp() {
        // values at least 0.05 away from the bounds -0.45 and 0.55, some inside, some outside
        Tensor x = uniform(r, -1, 1, 4, 4).map(v -> Math.abs(v - 0.55) < 0.05 || Math.abs(v + 0.45) < 0.05 ? v + 0.12 : v);
        gradCheck(21, RTOL, (t, in) -> t.clamp(in.get(0), -0.45, 0.55), x);
    }

    // ---- reductions and losses ----

    @Test void sumAlongAxis() {
        gradCheck(22, RTOL, (t, in) -> t.sum(in.get(0), 1, false), uniform(r, -1, 1, 2, 3, 4));
        gradCheck(23, RTOL, (t, in) -> t.sum(in.get(0), -1, true), uniform(r, -1, 1, 2, 3, 4));
    }

    @Test void meanAlongAxis() {
        gradCheck(24, RTOL, (t, in) -> t.mean(in.get(0), 0, false), uniform(r, -1, 1, 3, 2));
        gradCheck(25, RTOL, (t, in) -> t.mean(in.get(0), 2, true), uniform(r, -1, 1, 2, 2, 3));
    }

    @Test void sumAndMeanOfEverything() {
        gradCheck(26, RTOL, (t, in) -> t.sum(in.get(0)), uniform(r, -1, 1, 2, 3));
        gradCheck(27, RTOL, (t, in) -> t.mean(in.get(0)), uniform(r, -1, 1, 2, 3));
    }

    @Test void softmax() {
        gradCheck(28, RTOL, (t, in) -> t.softmax(in.get(0), 1), uniform(r, -2, 2, 3, 4));
        gradCheck(29, RTOL, (t, in) -> t.softmax(in.get(0), 1), uniform(r, -2, 2, 2, 3, 2)); // middle axis
    }

    @Test void logSoftmax() {
        gradCheck(30, RTOL, (t, in) -> t.logSoftmax(in.get(0), -1), uniform(r, -2, 2, 3, 4));
        gradCheck(31, RTOL, (t, in) -> t.logSoftmax(in.get(0), 0), uniform(r, -2, 2, 3, 2));
    }

    @Test void crossEntropy() {
        gradCheck(32, RTOL, (t, in) -> t.crossEntropy(in.get(0), new int[] {2, 0, 3}), uniform(r, -2, 2, 3, 4));
    }

    // ---- pooling and layout ----

    @Test void maxPoolWithPaddingDilationAndCeilMode() {
        PoolGeometry g = new PoolGeometry(2, 3, 2, 1, 1, 0, 0, 1, 1, 2, true, false);
        gradCheck(33, RTOL, (t, in) -> t.maxPool2d(in.get(0), g), distinct(r, 2, 2, 5, 6));
    }

    @Test void maxPoolOverlappingWindows() {
        gradCheck(34, RTOL, (t, in) -> t.maxPool2d(in.get(0), PoolGeometry.simple(3, 1)), distinct(r, 1, 2, 4, 4));
    }

    @Test void avgPoolCountingPadding() {
        PoolGeometry g = new PoolGeometry(3, 2, 2, 2, 1, 1, 1, 0, 1, 1, true, true);
        gradCheck(35, RTOL, (t, in) -> t.avgPool2d(in.get(0), g), uniform(r, -1, 1, 2, 2, 5, 5));
    }

    @Test void avgPoolExcludingPaddingWithDilation() {
        PoolGeometry g = new PoolGeometry(2, 2, 1, 2, 1, 1, 1, 1, 2, 1, false, false);
        gradCheck(36, RTOL, (t, in) -> t.avgPool2d(in.get(0), g), uniform(r, -1, 1, 1, 2, 5, 4));
    }

    @Test void pad() {
        gradCheck(37, RTOL, (t, in) -> t.pad(in.get(0), new int[] {0, 1, 2, 1, 0, 1}, 0.7), uniform(r, -1, 1, 2, 3, 2));
    }

    @Test void reshapeAndFlatten() {
        gradCheck(38, RTOL, (t, in) -> t.reshape(in.get(0), 3, -1), uniform(r, -1, 1, 2, 3, 2));
        gradCheck(39, RTOL, (t, in) -> t.flatten(in.get(0)), uniform(r, -1, 1, 2, 3, 2));
    }

    @Test void transpose() {
        gradCheck(40, RTOL, (t, in) -> t.transpose(in.get(0), 2, 0, 1), uniform(r, -1, 1, 2, 3, 4));
    }

    // ---- compositions: a small CNN with a shared (reused) intermediate ----

    @Test void smallConvNetWithResidualAndLoss() {
        ConvGeometry g = ConvGeometry.simple(1, 1);
        Tensor x = uniform(r, -1, 1, 2, 2, 4, 4);
        Tensor w1 = uniform(r, -0.5, 0.5, 2, 2, 3, 3), b1 = uniform(r, -0.1, 0.1, 2);
        Tensor w2 = uniform(r, -0.5, 0.5, 3, 8), b2 = uniform(r, -0.1, 0.1, 3);
        // tanh keeps it smooth; the residual reuses h, so gradients from two consumers meet
        gradCheck(41, RTOL, (t, in) -> {
            Var h = t.tanh(t.conv2d(in.get(0), in.get(1), in.get(2), g));
            Var res = t.add(h, in.get(0));
            Var pooled = t.avgPool2d(res, PoolGeometry.simple(2, 2));
            Var logits = t.linear(t.flatten(pooled), in.get(3), in.get(4));
            return t.crossEntropy(logits, new int[] {1, 2});
        }, x, w1, b1, w2, b2);
    }
}
