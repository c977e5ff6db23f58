package dev.verity.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.verity.tensor.TestTensors.assertTensor;
import static dev.verity.tensor.TestTensors.s;
import static dev.verity.tensor.TestTensors.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** conv2d forward against hand-computed values and a direct nested-loop reference. */
class Conv2dTest {

    /** The definition of ONNX Conv, written as plainly as possible. */
    static Tensor reference(Tensor x, Tensor w, Tensor b, ConvGeometry g) {
        int batch = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
        int o = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
        int oh = g.outH(h, kh), ow = g.outW(wd, kw), og = o / g.groups();
        assertEquals(c, cg * g.groups());
        double[] xd = x.data(), wt = w.data(), y = new double[batch * o * oh * ow];
        for (int n = 0; n < batch; n++)
            for (int oc = 0; oc < o; oc++) {
                int grp = oc / og;
                for (int yy = 0; yy < oh; yy++)
                    for (int xx = 0; xx < ow; xx++) {
                        double acc = b == null ? 0 : b.data()[oc];
                        for (int ic = 0; ic < cg; ic++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++) {
                                    int ih = yy * g.strideH() - g.padTop() + i * g.dilationH();
                                    int iw = xx * g.strideW() - g.padLeft() + j * g.dilationW();
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                                    acc += xd[((n * c + grp * cg + ic) * h + ih) * wd + iw] * wt[((oc * cg + ic) * kh + i) * kw + j];
                                }
                        y[((n * o + oc) * oh + yy) * ow + xx] = acc;
                    }
            }
        return new Tensor(y, batch, o, oh, ow);
    }

    @Test void twoByTwoKernelByHand() {
        Tensor x = t(s(1, 1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
        Tensor w = t(s(1, 1, 2, 2), 1, 0, 0, -1);   // x[i][j] - x[i+1][j+1]
        Tensor y = x.conv2d(w, Tensor.vector(10), ConvGeometry.simple(1, 0));
        assertTensor(s(1, 1, 2, 2), new double[] {6, 6, 6, 6}, y, 0.0);
        // stride 2 with one cell of zero padding: windows start at -1 and 1
        Tensor z = x.conv2d(w, null, ConvGeometry.simple(2, 1));
        // (0,0): 0 - x[0][0] = -1; (0,1): 0 - x[0][2] = -3; (1,0): 0 - x[2][0] = -7; (1,1): x[1][1] - x[2][2] = 5 - 9
        assertTensor(s(1, 1, 2, 2), new double[] {-1, -3, -7, -4}, z, 0.0);
    }

    @Test void dilationByHand() {
        Tensor x = t(s(1, 1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
        Tensor w = t(s(1, 1, 2, 2), 1, 1, 1, 1);
        // dilation 2: the four corners of the 3x3 image
        Tensor y = x.conv2d(w, null, new ConvGeometry(1, 1, 0, 0, 0, 0, 2, 2, 1));
        assertTensor(s(1, 1, 1, 1), new double[] {1 + 3 + 7 + 9}, y, 0.0);
    }

    @Test void groupsByHand() {
        // two channels, two groups: each output channel sees only its own input channel
        Tensor x = t(s(1, 2, 1, 2), 1, 2, 10, 20);
        Tensor w = t(s(2, 1, 1, 1), 3, -1);
        Tensor y = x.conv2d(w, Tensor.vector(0.5, 0), new ConvGeometry(1, 1, 0, 0, 0, 0, 1, 1, 2));
        assertTensor(s(1, 2, 1, 2), new double[] {3.5, 6.5, -10, -20}, y, 0.0);
    }

    private static void againstReference(long seed, int batch, int c, int h, int w, int o, int kh, int kw, ConvGeometry g, boolean bias) {
        Random r = new Random(seed);
        Tensor x = TestTensors.uniform(r, -1, 1, batch, c, h, w);
        Tensor wt = TestTensors.uniform(r, -1, 1, o, c / g.groups(), kh, kw);
        Tensor b = bias ? TestTensors.uniform(r, -1, 1, o) : null;
        Tensor expected = reference(x, wt, b, g);
        Tensor actual = x.conv2d(wt, b, g);
        TestTensors.assertSame(expected, actual, 1e-12);
    }

    @Test void strideTwoAsymmetricPadding() {
        againstReference(1, 2, 3, 7, 6, 4, 3, 2, new ConvGeometry(2, 2, 1, 0, 2, 1, 1, 1, 1), true);
    }

    @Test void stridesDifferPerAxisWithDilation() {
        againstReference(2, 2, 2, 9, 8, 3, 3, 3, new ConvGeometry(1, 3, 2, 1, 0, 3, 2, 1, 1), true);
    }

    @Test void groupsWithPaddingAndDilation() {
        againstReference(3, 3, 4, 6, 6, 6, 2, 2, new ConvGeometry(1, 2, 1, 1, 1, 1, 2, 2, 2), true);
        againstReference(4, 1, 4, 5, 5, 4, 3, 3, new ConvGeometry(1, 1, 1, 1, 1, 1, 1, 1, 4), false); // depthwise
    }

    @Test void oneByOneKernelTakesTheDirectPath() {
        againstReference(5, 2, 3, 4, 5, 6, 1, 1, new ConvGeometry(1, 1, 0, 0, 0, 0, 1, 1, 1), true);
        againstReference(6, 2, 4, 3, 3, 2, 1, 1, new ConvGeometry(1, 1, 0, 0, 0, 0, 1, 1, 2), false);
        againstReference(7, 2, 3, 5, 5, 2, 1, 1, ConvGeometry.simple(2, 1), true);  // 1x1 but strided and padded
    }

    @Test void kernelWiderThanTheInputWithPadding() {
        againstReference(8, 1, 1, 2, 2, 1, 3, 3, ConvGeometry.simple(1, 1), true);
    }

    @Test void largeBatchGoesThroughTheParallelPathUnchanged() {
        // enough work (32 samples x 16*72*144 MACs > Parallel.MIN_PARALLEL_WORK) for the chunked loop to engage
        assertEquals(true, 32L * 16 * 72 * 144 > Parallel.MIN_PARALLEL_WORK);
        againstReference(9, 32, 8, 12, 12, 16, 3, 3, ConvGeometry.simple(1, 1), true);
    }

    @Test void inputAdjointIsTheSameInBlocksOfAnySize() {
        // backwardInput multiplies blocks of samples in one GEMM and adds their columns back with the samples as the
        // innermost axis (whole vectors of samples, a scalar tail): a block of 1, blocks below and above the vector
        // length, a ragged last block and one block for all must all equal the plain definition, cell by cell. 19
        // samples of 3×9×7 cells: neither the samples nor the cells are a multiple of the vector length or the tile.
        Random r = new Random(11);
        ConvGeometry g = new ConvGeometry(2, 1, 1, 0, 2, 1, 2, 1, 1);
        int[] in = {19, 3, 9, 7};
        Tensor w = TestTensors.uniform(r, -1, 1, 6, 3, 3, 2), x = TestTensors.uniform(r, -1, 1, in);
        Tensor y = reference(x, w, null, g);
        Tensor gy = TestTensors.uniform(r, -1, 1, y.shape());
        Tensor whole = Conv2dKernel.backwardInput(gy, w, in, g);
        int cellsPerSample = 3 * 3 * 2 * y.dim(2) * y.dim(3);
        for (int block : new int[] {1, 3, 8, 11, 19}) {
            Tensor blocked = Conv2dKernel.backwardInput(gy, w, in, g, block * cellsPerSample);
            assertArrayEquals(whole.data(), blocked.data(), 1e-12, "block of " + block);
        }
        int perSample = x.size() / in[0];
        for (int j = 0; j < x.size(); j += 5) {   // adjoint cell j = <conv(e_j), gy>
            double[] e = new double[x.size()];
            e[j] = 1;
            Tensor ye = reference(new Tensor(e, in), w, null, g);
            double cell = 0;
            for (int i = 0; i < ye.size(); i++) cell += ye.data()[i] * gy.data()[i];
            assertEquals(cell, whole.data()[j], 1e-12, "sample " + j / perSample + " cell " + j % perSample);
        }
    }

    /**
     * Unit-stride, one-group convolutions on maps of at least 16×16 take their adjoint as a convolution with the flipped
     * kernel; the others — padded beyond the kernel's reach, strided, grouped, 1×1, small maps — keep col2im. Every kind
     * satisfies <conv(x), gy> = <x, adjoint(gy)> with the plain definition, and each adjoint cell is <conv(e_j), gy>.
     */
    @Test void inputAdjointMatchesTheDefinitionOnEveryPath() {
        Random r = new Random(13);
        ConvGeometry[] geometries = {
                ConvGeometry.simple(1, 1),                       // transposed, symmetric
                new ConvGeometry(1, 1, 0, 2, 1, 0, 1, 1, 1),     // transposed, asymmetric
                new ConvGeometry(1, 1, 2, 1, 1, 2, 2, 1, 1),     // transposed, dilated
                new ConvGeometry(1, 1, 3, 0, 0, 0, 1, 1, 1),     // padded beyond the reach at the top: col2im
                new ConvGeometry(2, 1, 1, 1, 1, 1, 1, 1, 1),     // strided: col2im
                new ConvGeometry(1, 1, 1, 1, 1, 1, 1, 1, 2),     // groups: col2im
                ConvGeometry.simple(1, 1),                       // 1x1 kernel with padding: col2im
                ConvGeometry.simple(1, 1)};                      // a small map: col2im
        int[][] kernels = {{3, 3}, {3, 3}, {3, 3}, {3, 3}, {3, 3}, {3, 3}, {1, 1}, {3, 3}};
        boolean[] transposed = {true, true, true, false, false, false, false, false};
        for (int t = 0; t < geometries.length; t++) {
            ConvGeometry g = geometries[t];
            int[] in = t == geometries.length - 1 ? new int[] {2, 4, 7, 6} : new int[] {2, 4, 17, 16};
            Tensor w = TestTensors.uniform(r, -1, 1, 6, 4 / g.groups(), kernels[t][0], kernels[t][1]);
            assertEquals(transposed[t], Conv2dKernel.transposedGeometry(Conv2dKernel.Dims.of(in, w.shape(), g)) != null, "path of geometry " + t);
            Tensor x = TestTensors.uniform(r, -1, 1, in);
            Tensor y = reference(x, w, null, g);
            Tensor gy = TestTensors.uniform(r, -1, 1, y.shape());
            Tensor adj = Conv2dKernel.backwardInput(gy, w, in, g);
            assertArrayEquals(in, adj.shape());
            double lhs = 0, rhs = 0;
            for (int i = 0; i < y.size(); i++) lhs += y.data()[i] * gy.data()[i];
            for (int i = 0; i < x.size(); i++) rhs += x.data()[i] * adj.data()[i];
            assertEquals(lhs, rhs, 1e-9 * (1 + Math.abs(lhs)), "geometry " + t);
            for (int j = 0; j < x.size(); j += 37) {
                double[] e = new double[x.size()];
                e[j] = 1;
                Tensor ye = reference(new Tensor(e, in), w, null, g);
                double cell = 0;
                for (int i = 0; i < ye.size(); i++) cell += ye.data()[i] * gy.data()[i];
                assertEquals(cell, adj.data()[j], 1e-12, "geometry " + t + " cell " + j);
            }
        }
    }

    @Test void outputShapeAndErrors() {
        Tensor x = Tensor.zeros(2, 4, 8, 8);
        assertArrayEquals(s(2, 6, 4, 4), x.conv2d(Tensor.zeros(6, 2, 3, 3), null, new ConvGeometry(2, 2, 1, 1, 1, 1, 1, 1, 2)).shape());
        assertThrows(IllegalArgumentException.class, () -> x.conv2d(Tensor.zeros(6, 3, 3, 3), null, ConvGeometry.simple(1, 0)));
        assertThrows(IllegalArgumentException.class, () -> x.conv2d(Tensor.zeros(6, 4, 3, 3), Tensor.zeros(5), ConvGeometry.simple(1, 0)));
        assertThrows(IllegalArgumentException.class, () -> x.conv2d(Tensor.zeros(6, 4, 9, 9), null, ConvGeometry.simple(1, 0)));
        assertThrows(IllegalArgumentException.class, () -> x.reshape(8, 8, 8).conv2d(Tensor.zeros(6, 8, 3, 3), null, ConvGeometry.simple(1, 0)));
    }
}
