package dev.verity.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.verity.tensor.TestTensors.assertTensor;
import static dev.verity.tensor.TestTensors.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Max and average pooling (padding, dilation, ceil mode, count_include_pad) on hand-computed examples. */
class PoolTest {
    /** 1..16 in a 4x4 image: {@code [1,1,4,4]}. */
    private static final Tensor GRID = new Tensor(new double[] {
            1, 2, 3, 4,
            5, 6, 7, 8,
            9, 10, 11, 12,
            13, 14, 15, 16}, 1, 1, 4, 4);

    private static PoolGeometry geometry(int k, int stride, int pad, boolean ceil, boolean includePad) {
        return new PoolGeometry(k, k, stride, stride, pad, pad, pad, pad, 1, 1, ceil, includePad);
    }

    @Test void maxPoolPlain() {
        assertTensor(s(1, 1, 2, 2), new double[] {6, 8, 14, 16}, GRID.maxPool2d(PoolGeometry.simple(2, 2)), 0.0);
        assertTensor(s(1, 1, 3, 3), new double[] {6, 7, 8, 10, 11, 12, 14, 15, 16}, GRID.maxPool2d(PoolGeometry.simple(2, 1)), 0.0);
    }

    @Test void maxPoolWithPaddingIgnoresPaddedCells() {
        // windows start at -1, 1, 3 along both axes; padding is -inf, so negative inputs still win
        assertTensor(s(1, 1, 3, 3), new double[] {1, 3, 4, 9, 11, 12, 13, 15, 16}, GRID.maxPool2d(geometry(2, 2, 1, false, false)), 0.0);
        Tensor neg = GRID.neg();
        assertTensor(s(1, 1, 3, 3), new double[] {-1, -2, -4, -5, -6, -8, -13, -14, -16}, neg.maxPool2d(geometry(2, 2, 1, false, false)), 0.0);
    }

    @Test void maxPoolCeilModeAddsAPartialWindow() {
        // k=3, s=2 on 4 cells: floor mode gives 1 window, ceil mode a second one starting at 2
        assertTensor(s(1, 1, 1, 1), new double[] {11}, GRID.maxPool2d(geometry(3, 2, 0, false, false)), 0.0);
        assertTensor(s(1, 1, 2, 2), new double[] {11, 12, 15, 16}, GRID.maxPool2d(geometry(3, 2, 0, true, false)), 0.0);
    }

    @Test void maxPoolWithDilation() {
        // 2x2 kernel, dilation 2: cells (i, j), (i, j+2), (i+2, j), (i+2, j+2)
        PoolGeometry g = new PoolGeometry(2, 2, 1, 1, 0, 0, 0, 0, 2, 2, false, false);
        assertTensor(s(1, 1, 2, 2), new double[] {11, 12, 15, 16}, GRID.maxPool2d(g), 0.0);
        Tensor x = TestTensors.distinct(new Random(1), 1, 1, 4, 4);
        Tensor y = x.maxPool2d(g);
        for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) {
            double m = Math.max(Math.max(x.get(0, 0, i, j), x.get(0, 0, i, j + 2)), Math.max(x.get(0, 0, i + 2, j), x.get(0, 0, i + 2, j + 2)));
            assertEquals(m, y.get(0, 0, i, j), 0.0);
        }
    }

    @Test void avgPoolPaddingExcludedOrIncluded() {
        assertTensor(s(1, 1, 2, 2), new double[] {3.5, 5.5, 11.5, 13.5}, GRID.avgPool2d(PoolGeometry.simple(2, 2)), 1e-15);
        // windows start at -1, 1, 3: corners hold one real cell, edges two, the centre four
        assertTensor(s(1, 1, 3, 3), new double[] {1, 2.5, 4, 7, 8.5, 10, 13, 14.5, 16},
                GRID.avgPool2d(geometry(2, 2, 1, false, false)), 1e-15);
        assertTensor(s(1, 1, 3, 3), new double[] {0.25, 1.25, 1, 3.5, 8.5, 5, 3.25, 7.25, 4},
                GRID.avgPool2d(geometry(2, 2, 1, false, true)), 1e-15);
    }

    @Test void avgPoolCeilModeOverhangCountsOnlyWithCountIncludePad() {
        // k=3, s=2, ceil: windows [0..2] and [2..4]; cell 4 lies past the input (no padding there).
        // Excluding padding it is ignored; counting padding the divisor is the full kernel (onnxruntime).
        assertTensor(s(1, 1, 2, 2), new double[] {54 / 9.0, 45 / 6.0, 72 / 6.0, 54 / 4.0},
                GRID.avgPool2d(geometry(3, 2, 0, true, false)), 1e-14);
        assertTensor(s(1, 1, 2, 2), new double[] {54 / 9.0, 45 / 9.0, 72 / 9.0, 54 / 9.0},
                GRID.avgPool2d(geometry(3, 2, 0, true, true)), 1e-14);
    }

    @Test void avgPoolCeilModeWithAsymmetricPadding() {
        // a column 1,2,3,4 with one cell of padding on top only, k=2, s=2, ceil: windows {-1,0}, {1,2}, {3,4}
        Tensor col = new Tensor(new double[] {1, 2, 3, 4}, 1, 1, 4, 1);
        PoolGeometry incl = new PoolGeometry(2, 1, 2, 1, 1, 0, 0, 0, 1, 1, true, true);
        PoolGeometry excl = new PoolGeometry(2, 1, 2, 1, 1, 0, 0, 0, 1, 1, true, false);
        assertEquals(3, incl.outH(4));
        assertTensor(s(1, 1, 3, 1), new double[] {0.5, 2.5, 2}, col.avgPool2d(incl), 1e-15);
        assertTensor(s(1, 1, 3, 1), new double[] {1, 2.5, 4}, col.avgPool2d(excl), 1e-15);
    }

    @Test void poolsEveryPlaneOfABatchIndependently() {
        Random r = new Random(2);
        Tensor x = TestTensors.uniform(r, -1, 1, 2, 3, 5, 5);
        PoolGeometry g = geometry(3, 2, 1, true, false);
        Tensor y = x.maxPool2d(g), a = x.avgPool2d(g);
        assertArrayEquals(s(2, 3, 3, 3), y.shape());
        for (int n = 0; n < 2; n++) for (int c = 0; c < 3; c++) {
            Tensor plane = new Tensor(java.util.Arrays.copyOfRange(x.data(), (n * 3 + c) * 25, (n * 3 + c + 1) * 25), 1, 1, 5, 5);
            Tensor py = plane.maxPool2d(g), pa = plane.avgPool2d(g);
            for (int i = 0; i < 9; i++) {
                assertEquals(py.data()[i], y.get(n, c, i / 3, i % 3), 0.0);
                assertEquals(pa.data()[i], a.get(n, c, i / 3, i % 3), 0.0);
            }
        }
    }

    @Test void rejectsWrongRank() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1, 4, 4).maxPool2d(PoolGeometry.simple(2, 2)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1, 1, 1, 1).avgPool2d(PoolGeometry.simple(2, 2)));
    }
}
