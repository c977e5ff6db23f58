package dev.verity.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.verity.tensor.TestTensors.assertTensor;
import static dev.verity.tensor.TestTensors.s;
import static dev.verity.tensor.TestTensors.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Forward semantics of the non-convolution tensor operations on hand-computed examples. */
class TensorTest {
    private static final double EPS = 1e-12;

    // ---- matrix products ----

    @Test void matmulOfTwoByThreeAndThreeByTwo() {
        Tensor a = t(s(2, 3), 1, 2, 3, 4, 5, 6);
        Tensor b = t(s(3, 2), 7, 8, 9, 10, 11, 12);
        // [1*7+2*9+3*11, 1*8+2*10+3*12; 4*7+5*9+6*11, 4*8+5*10+6*12]
        assertTensor(s(2, 2), new double[] {58, 64, 139, 154}, a.matmul(b), EPS);
    }

    @Test void transposedProductsMatchExplicitTransposes() {
        Random r = new Random(1);
        Tensor a = TestTensors.uniform(r, -1, 1, 4, 3), b = TestTensors.uniform(r, -1, 1, 4, 5), c = TestTensors.uniform(r, -1, 1, 5, 3);
        TestTensors.assertSame(a.transpose(1, 0).matmul(b), a.matmulTransA(b), 1e-14);   // [3,5]
        TestTensors.assertSame(a.matmul(c.transpose(1, 0)), a.matmulTransB(c), 1e-14);   // [4,5]
        assertArrayEquals(s(3, 5), a.matmulTransA(b).shape());
        assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
        assertThrows(IllegalArgumentException.class, () -> a.reshape(12).matmul(b));
    }

    @Test void linearOverLeadingAxes() {
        Tensor x = t(s(2, 1, 3), 1, 2, 3, -1, 0, 2);
        Tensor w = t(s(2, 3), 1, 0, -1, 2, 1, 0);
        Tensor b = Tensor.vector(0.5, -0.5);
        // row 1: [1-3, 2+2] + b = [-1.5, 3.5]; row 2: [-1-2, -2+0] + b = [-2.5, -2.5]
        assertTensor(s(2, 1, 2), new double[] {-1.5, 3.5, -2.5, -2.5}, x.linear(w, b), EPS);
        assertTensor(s(2, 1, 2), new double[] {-2, 4, -3, -2}, x.linear(w, null), EPS);
        assertThrows(IllegalArgumentException.class, () -> x.linear(w.transpose(1, 0), null));
    }

    // ---- broadcasting binary ops ----

    @Test void broadcastAddOfRank3AndRank2() {
        Tensor a = t(s(2, 1, 3), 1, 2, 3, 10, 20, 30);
        Tensor b = t(s(4, 1), 100, 200, 300, 400);
        Tensor c = a.add(b);
        assertArrayEquals(s(2, 4, 3), c.shape());
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 4; j++)
                for (int k = 0; k < 3; k++)
                    assertEquals(a.get(i, 0, k) + b.get(j, 0), c.get(i, j, k), EPS, i + "," + j + "," + k);
    }

    @Test void broadcastBothSidesAndScalars() {
        Tensor col = t(s(3, 1), 1, 2, 3), row = t(s(1, 2), 10, 20);
        assertTensor(s(3, 2), new double[] {10, 20, 20, 40, 30, 60}, col.mul(row), EPS);
        assertTensor(s(3, 2), new double[] {-9, -19, -8, -18, -7, -17}, col.sub(row), EPS);
        assertTensor(s(2, 2), new double[] {0.5, 1, 1.5, 2}, t(s(2, 2), 1, 2, 3, 4).div(Tensor.scalar(2)), EPS);
        assertTensor(s(2, 3), new double[] {2, 3, 4, 5, 6, 7}, Tensor.vector(1, 1, 1).add(t(s(2, 3), 1, 2, 3, 4, 5, 6)), EPS);
        assertTensor(s(2), new double[] {2, 0.25}, Tensor.scalar(1).div(Tensor.vector(0.5, 4)), EPS);
    }

    @Test void broadcastMiddleAxisOfRank4() {
        // [2,3,2,2] * [3,1,1]: per-channel scale, the shape a folded batch norm has
        Random r = new Random(2);
        Tensor x = TestTensors.uniform(r, -1, 1, 2, 3, 2, 2), sc = t(s(3, 1, 1), 2, -1, 0.5);
        Tensor y = x.mul(sc);
        for (int b = 0; b < 2; b++) for (int c = 0; c < 3; c++) for (int h = 0; h < 2; h++) for (int w = 0; w < 2; w++)
            assertEquals(x.get(b, c, h, w) * sc.get(c, 0, 0), y.get(b, c, h, w), EPS);
    }

    @Test void elementwiseMinMaxBroadcast() {
        Tensor a = t(s(2, 2), 1, 5, -3, 2), b = Tensor.vector(0, 3);
        assertTensor(s(2, 2), new double[] {0, 3, -3, 2}, a.min(b), EPS);
        assertTensor(s(2, 2), new double[] {1, 5, 0, 3}, a.max(b), EPS);
    }

    @Test void incompatibleShapesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(2)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(4, 1).mul(Tensor.zeros(3, 2)));
    }

    @Test void reduceToSumsOverBroadcastAxes() {
        Tensor g = t(s(2, 3), 1, 2, 3, 4, 5, 6);
        assertTensor(s(3), new double[] {5, 7, 9}, Broadcast.reduceTo(g, s(3)), EPS);
        assertTensor(s(2, 1), new double[] {6, 15}, Broadcast.reduceTo(g, s(2, 1)), EPS);
        assertTensor(s(), new double[] {21}, Broadcast.reduceTo(g, s()), EPS);
        assertTensor(s(2, 3), new double[] {1, 1, 1, 2, 2, 2}, Broadcast.expand(t(s(2, 1), 1, 2), s(2, 3)), EPS);
    }

    // ---- unary ops ----

    @Test void activations() {
        Tensor x = Tensor.vector(-2, -0.5, 0, 1.5);
        assertTensor(s(4), new double[] {0, 0, 0, 1.5}, x.relu(), EPS);
        assertTensor(s(4), new double[] {-0.2, -0.05, 0, 1.5}, x.leakyRelu(0.1), EPS);
        assertTensor(s(4), new double[] {1 / (1 + Math.exp(2)), 1 / (1 + Math.exp(0.5)), 0.5, 1 / (1 + Math.exp(-1.5))}, x.sigmoid(), 1e-15);
        assertTensor(s(4), new double[] {Math.tanh(-2), Math.tanh(-0.5), 0, Math.tanh(1.5)}, x.tanh(), EPS);
        assertTensor(s(4), new double[] {-1, -0.5, 0, 1}, x.clamp(-1, 1), EPS);
        assertTensor(s(4), new double[] {2, 0.5, 0, -1.5}, x.neg(), EPS);
        assertTensor(s(4), new double[] {-6, -1.5, 0, 4.5}, x.scale(3), EPS);
        assertThrows(IllegalArgumentException.class, () -> x.clamp(1, -1));
    }

    @Test void sigmoidIsStableForHugeInputs() {
        Tensor y = Tensor.vector(-1000, -40, 40, 1000).sigmoid();
        assertEquals(0.0, y.data()[0], 0.0);
        assertEquals(Math.exp(-40) / (1 + Math.exp(-40)), y.data()[1], 1e-30);
        assertEquals(1.0, y.data()[3], 0.0);
        for (double v : y.data()) assertEquals(false, Double.isNaN(v));
    }

    // ---- reductions ----

    @Test void sumAndMeanAlongAxes() {
        Tensor x = t(s(2, 3), 1, 2, 3, 4, 5, 6);
        assertTensor(s(3), new double[] {5, 7, 9}, x.sum(0, false), EPS);
        assertTensor(s(2, 1), new double[] {6, 15}, x.sum(1, true), EPS);
        assertTensor(s(2), new double[] {2, 5}, x.mean(-1, false), EPS);
        assertTensor(s(1, 3), new double[] {2.5, 3.5, 4.5}, x.mean(0, true), EPS);
        assertTensor(s(), new double[] {21}, x.sum(), EPS);
        assertEquals(3.5, x.mean().item(), EPS);
        Tensor y = TestTensors.uniform(new Random(3), -1, 1, 2, 3, 4);
        Tensor m = y.sum(1, false);
        assertArrayEquals(s(2, 4), m.shape());
        for (int i = 0; i < 2; i++) for (int k = 0; k < 4; k++)
            assertEquals(y.get(i, 0, k) + y.get(i, 1, k) + y.get(i, 2, k), m.get(i, k), EPS);
        assertThrows(IllegalArgumentException.class, () -> x.sum(2, false));
    }

    @Test void softmaxAndLogSoftmax() {
        Tensor x = t(s(2, 3), 1, 2, 3, 1000, 1001, 1002); // second row would overflow a naive exp
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        double[] p = {Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z};
        assertTensor(s(2, 3), new double[] {p[0], p[1], p[2], p[0], p[1], p[2]}, x.softmax(1), 1e-15);
        double lz = Math.log(z);
        assertTensor(s(2, 3), new double[] {1 - lz, 2 - lz, 3 - lz, 1 - lz, 2 - lz, 3 - lz}, x.logSoftmax(-1), 1e-12);
        // along axis 0 every column is normalised
        Tensor c = t(s(2, 2), 0, 1, 0, 3).softmax(0);
        assertTensor(s(2, 2), new double[] {0.5, 1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-2))}, c, 1e-15);
    }

    @Test void crossEntropyIsTheMeanNegativeLogLikelihood() {
        Tensor logits = t(s(2, 2), 0, 0, Math.log(3), 0);
        // sample 0: -log(1/2); sample 1 (label 1): -log(1/(3+1))
        assertEquals((Math.log(2) + Math.log(4)) / 2, logits.crossEntropy(new int[] {0, 1}).item(), 1e-15);
        assertEquals((Math.log(2) + Math.log(4.0 / 3)) / 2, logits.crossEntropy(new int[] {1, 0}).item(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> logits.crossEntropy(new int[] {0, 2}));
        assertThrows(IllegalArgumentException.class, () -> logits.crossEntropy(new int[] {0}));
    }

    @Test void argmaxTakesTheFirstMaximum() {
        Tensor x = t(s(2, 3), 1, 7, 7, 9, 2, 9);
        assertArrayEquals(new int[] {1, 0}, x.argmax(1));
        assertArrayEquals(new int[] {1, 0, 1}, x.argmax(0));
        Tensor y = t(s(2, 2, 2), 0, 5, 1, 4, 3, 3, 2, 8);
        assertArrayEquals(new int[] {1, 0, 0, 1}, y.argmax(1)); // out[i][k] = argmax_j y[i][j][k]
    }

    // ---- layout ----

    @Test void transposeOfRank3ElementByElement() {
        Tensor x = TestTensors.uniform(new Random(4), -1, 1, 2, 3, 4);
        Tensor y = x.transpose(2, 0, 1);
        assertArrayEquals(s(4, 2, 3), y.shape());
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++)
            assertEquals(x.get(i, j, k), y.get(k, i, j), 0.0);
        Tensor z = x.transpose(0, 2, 1);
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++)
            assertEquals(x.get(i, j, k), z.get(i, k, j), 0.0);
        TestTensors.assertSame(x, y.transpose(1, 2, 0), 0.0);
        assertNotSame(x.data(), x.transpose(0, 1, 2).data());
        assertThrows(IllegalArgumentException.class, () -> x.transpose(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> x.transpose(1, 0));
    }

    @Test void padUsesOnnxOrderBeginsThenEnds() {
        Tensor x = t(s(2, 3), 1, 2, 3, 4, 5, 6);
        // axis 0: 1 before, 0 after; axis 1: 0 before, 2 after
        Tensor y = x.pad(new int[] {1, 0, 0, 2}, 9);
        assertTensor(s(3, 5), new double[] {
                9, 9, 9, 9, 9,
                1, 2, 3, 9, 9,
                4, 5, 6, 9, 9}, y, 0.0);
        Tensor z = t(s(1, 1, 2), 1, 2).pad(new int[] {0, 0, 1, 0, 1, 0}, 0);
        assertTensor(s(1, 2, 3), new double[] {0, 1, 2, 0, 0, 0}, z, 0.0);
        TestTensors.assertSame(x, Layout.crop(y, s(2, 3), new int[] {1, 0, 0, 2}), 0.0);
        assertThrows(IllegalArgumentException.class, () -> x.pad(new int[] {1, 1}, 0));
        assertThrows(IllegalArgumentException.class, () -> x.pad(new int[] {-1, 0, 0, 0}, 0));
    }

    @Test void flattenAndReshape() {
        Tensor x = Tensor.zeros(2, 3, 4, 5);
        assertArrayEquals(s(2, 60), x.flatten().shape());
        assertArrayEquals(s(6, 20), x.flatten(2).shape());
        assertArrayEquals(s(1, 120), x.flatten(0).shape());
        assertArrayEquals(s(2, 60), x.reshape(-1, 60).shape());
    }

    @Test void operationsDoNotModifyTheirOperands() {
        Tensor a = t(s(2, 2), 1, -2, 3, -4), b = t(s(2, 2), 5, 6, 7, 8);
        double[] keepA = a.data().clone(), keepB = b.data().clone();
        a.add(b); a.mul(b); a.relu(); a.softmax(1); a.transpose(1, 0); a.pad(new int[] {1, 1, 1, 1}, 0); a.matmul(b); a.clamp(0, 1);
        assertArrayEquals(keepA, a.data());
        assertArrayEquals(keepB, b.data());
    }
}
