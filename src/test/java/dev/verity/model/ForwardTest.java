package dev.verity.model;

import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Forward passes of small networks whose outputs are computed by hand in the comments. */
class ForwardTest {

    private static double[] run(Network net, double... x) {
        return Forward.evaluate(net, new Tensor(x.clone(), net.inputShape().dims())).data();
    }

    @Test
    void denseReluDense() {
        // h = relu(W1 x + b1), W1 = [[1, -1], [2, 1]], b1 = [0, -1]; y = [1, 1] h + 0.5
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, -1}, {2, 1}}), Tensor.vector(0, -1)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1}}), Tensor.vector(0.5)));
        Network net = b.build();
        // x = (1, 2): W1 x + b1 = (-1, 3) -> relu (0, 3) -> 3.5
        assertArrayEquals(new double[] {3.5}, run(net, 1, 2), 1e-15);
        // x = (3, 1): (2, 6) -> 8.5
        assertArrayEquals(new double[] {8.5}, run(net, 3, 1), 1e-15);
    }

    @Test
    void residualAddReadsBothBranches() {
        // y = relu(W x) + x with W = [[0, 1], [-1, 0]]: x = (1, 2) -> W x = (2, -1) -> relu (2, 0) -> y = (3, 2)
        var b = Network.builder(new Shape(2));
        int fc = b.add(new Layer.Dense(Tensor.matrix(new double[][] {{0, 1}, {-1, 0}}), Tensor.vector(0, 0)));
        int r = b.add(null, new Layer.Relu(), fc);
        b.add("residual", new Layer.Add(), r, b.input());
        assertArrayEquals(new double[] {3, 2}, run(b.build(), 1, 2), 1e-15);
    }

    @Test
    void affineNormalisation() {
        // (x - 0.1307) / 0.3081 as scale 1/0.3081, shift -0.1307/0.3081
        double s = 1 / 0.3081, t = -0.1307 / 0.3081;
        var b = Network.builder(new Shape(3));
        b.add(new Layer.Affine(Tensor.vector(s, s, s), Tensor.vector(t, t, t)));
        double[] y = run(b.build(), 0, 0.1307, 1);
        assertArrayEquals(new double[] {-0.1307 / 0.3081, 0, (1 - 0.1307) / 0.3081}, y, 1e-12);
    }

    @Test
    void convolutionWithPaddingAndStride() {
        // Input 1x3x3 = [[1,2,3],[4,5,6],[7,8,9]], kernel 2x2 all ones, bias 1, stride 2, pad 1 (all sides):
        // padded 5x5, windows at (0,0),(0,2),(2,0),(2,2) of the padded grid:
        //   top-left     = 1               -> 2
        //   top-right    = 2 + 3           -> 6
        //   bottom-left  = 4 + 7           -> 12
        //   bottom-right = 5 + 6 + 8 + 9   -> 29
        var b = Network.builder(new Shape(1, 3, 3));
        b.add(new Layer.Conv2d(Tensor.full(1, 1, 1, 2, 2), Tensor.vector(1), ConvGeometry.simple(2, 1)));
        Network net = b.build();
        assertEquals(new Shape(1, 2, 2), net.outputShape());
        assertArrayEquals(new double[] {2, 6, 12, 29}, run(net, 1, 2, 3, 4, 5, 6, 7, 8, 9), 1e-15);
    }

    @Test
    void poolingAndTransposeKeepRowMajorOrder() {
        // 1x4x4 input 0..15; 2x2 max pool stride 2 -> [[5,7],[13,15]]; avg pool -> [[2.5,4.5],[10.5,12.5]]
        double[] x = new double[16];
        for (int i = 0; i < 16; i++) x[i] = i;
        var bm = Network.builder(new Shape(1, 4, 4));
        bm.add(new Layer.MaxPool2d(PoolGeometry.simple(2, 2)));
        assertArrayEquals(new double[] {5, 7, 13, 15}, run(bm.build(), x), 0);
        var ba = Network.builder(new Shape(1, 4, 4));
        ba.add(new Layer.AvgPool2d(PoolGeometry.simple(2, 2)));
        assertArrayEquals(new double[] {2.5, 4.5, 10.5, 12.5}, run(ba.build(), x), 1e-15);
        // [2,3] = [[0,1,2],[3,4,5]] transposed to [3,2] = [[0,3],[1,4],[2,5]], flattened
        var bt = Network.builder(new Shape(2, 3));
        bt.add(new Layer.Transpose(new int[] {1, 0}));
        bt.add(new Layer.Flatten());
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, run(bt.build(), 0, 1, 2, 3, 4, 5), 0);
    }

    @Test
    void padAndReshape() {
        // [1,2] = [[1,2]] padded by one row below and one column left with 9: [[9,1,2],[9,9,9]]
        var b = Network.builder(new Shape(1, 2));
        b.add(new Layer.Pad(new int[] {0, 1, 1, 0}, 9));
        b.add(new Layer.Reshape(new Shape(3, 2)));
        Network net = b.build();
        assertEquals(new Shape(3, 2), net.outputShape());
        assertArrayEquals(new double[] {9, 1, 2, 9, 9, 9}, run(net, 1, 2), 0);
    }

    @Test
    void activations() {
        var b = Network.builder(new Shape(3));
        int in = b.input();
        b.add(null, new Layer.LeakyRelu(0.1), in);
        assertArrayEquals(new double[] {-0.2, 0, 3}, run(b.build(), -2, 0, 3), 1e-15);
        var s = Network.builder(new Shape(2));
        s.add(new Layer.Sigmoid());
        assertArrayEquals(new double[] {0.5, 1 / (1 + Math.exp(-2))}, run(s.build(), 0, 2), 1e-15);
        var t = Network.builder(new Shape(2));
        t.add(new Layer.Tanh());
        assertArrayEquals(new double[] {Math.tanh(-1), Math.tanh(0.5)}, run(t.build(), -1, 0.5), 1e-15);
    }

    @Test
    void batchEqualsSamplesAndFloat32IsClose() {
        SplittableRandom rnd = new SplittableRandom(7);
        var b = Network.builder(new Shape(1, 6, 6));
        b.add(new Layer.Conv2d(randn(rnd, 3, 1, 3, 3), randn(rnd, 3), ConvGeometry.simple(1, 1)));
        b.add(new Layer.Relu());
        b.add(new Layer.MaxPool2d(PoolGeometry.simple(2, 2)));
        b.add(new Layer.Flatten());
        b.add(new Layer.Dense(randn(rnd, 4, 27), randn(rnd, 4)));
        Network net = b.build();
        int batch = 3;
        Tensor xs = randn(rnd, batch, 1, 6, 6);
        double[] all = Forward.run(net, TensorOps.INSTANCE, xs).data();
        double[] all32 = Forward.run(net, Float32Ops.INSTANCE, xs).data();
        for (int i = 0; i < batch; i++) {
            double[] xi = java.util.Arrays.copyOfRange(xs.data(), i * 36, (i + 1) * 36);
            double[] yi = run(net, xi);
            for (int j = 0; j < 4; j++) {
                assertEquals(yi[j], all[i * 4 + j], 1e-12);
                assertEquals(yi[j], all32[i * 4 + j], 1e-4 * Math.max(1, Math.abs(yi[j])));
            }
        }
    }

    @Test
    void rejectsInputOfTheWrongShape() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Relu());
        Network net = b.build();
        assertThrows(IllegalArgumentException.class, () -> Forward.run(net, TensorOps.INSTANCE, Tensor.zeros(1, 3)));
    }

    private static Tensor randn(SplittableRandom rnd, int... shape) {
        Tensor t = Tensor.zeros(shape);
        double[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = rnd.nextDouble(-1, 1);
        return t;
    }
}
