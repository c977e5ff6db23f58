package dev.verity.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.verity.tensor.TestTensors.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The public adjoints satisfy {@code <A x, y> = <x, A^T y>} for random x and y. */
class AdjointTest {
    private final Random r = new Random(77);

    private static double dot(Tensor a, Tensor b) {
        assertArrayEquals(a.shape(), b.shape());
        double s = 0;
        for (int i = 0; i < a.size(); i++) s += a.data()[i] * b.data()[i];
        return s;
    }

    @Test void conv2dAdjoint() {
        // stride 2 on an even input with a 3-wide kernel: the last input row/column is never read
        ConvGeometry g = new ConvGeometry(2, 2, 0, 1, 0, 1, 1, 2, 2); // rows read: 0..6 of 8
        Tensor x = uniform(r, -1, 1, 3, 4, 8, 7), w = uniform(r, -1, 1, 6, 2, 3, 2);
        Tensor ax = x.conv2d(w, null, g);
        Tensor y = uniform(r, -1, 1, ax.shape());
        Tensor aty = y.conv2dAdjoint(w, 8, 7, g);
        assertArrayEquals(x.shape(), aty.shape());
        assertEquals(dot(ax, y), dot(x, aty), 1e-11);
        for (int c = 0; c < 4; c++) assertEquals(0.0, aty.get(0, c, 7, 0), 0.0, "row 7 is never read");
        assertThrows(IllegalArgumentException.class, () -> y.conv2dAdjoint(w, 9, 9, g));
    }

    @Test void conv2dAdjointOfOneByOne() {
        ConvGeometry g = new ConvGeometry(1, 1, 0, 0, 0, 0, 1, 1, 1);
        Tensor x = uniform(r, -1, 1, 2, 3, 4, 4), w = uniform(r, -1, 1, 5, 3, 1, 1);
        Tensor y = uniform(r, -1, 1, 2, 5, 4, 4);
        assertEquals(dot(x.conv2d(w, null, g), y), dot(x, y.conv2dAdjoint(w, 4, 4, g)), 1e-11);
    }

    @Test void avgPool2dAdjoint() {
        for (boolean include : new boolean[] {true, false}) {
            PoolGeometry g = new PoolGeometry(3, 2, 2, 1, 1, 0, 1, 1, 1, 2, true, include);
            Tensor x = uniform(r, -1, 1, 2, 3, 6, 5);
            Tensor ax = x.avgPool2d(g);
            Tensor y = uniform(r, -1, 1, ax.shape());
            assertEquals(dot(ax, y), dot(x, y.avgPool2dAdjoint(6, 5, g)), 1e-12);
        }
    }

    @Test void padAdjoint() {
        int[] pads = {0, 2, 1, 1, 0, 3};
        Tensor x = uniform(r, -1, 1, 2, 3, 4);
        Tensor ax = x.pad(pads, 0);
        Tensor y = uniform(r, -1, 1, ax.shape());
        Tensor aty = y.padAdjoint(pads);
        assertArrayEquals(x.shape(), aty.shape());
        assertEquals(dot(ax, y), dot(x, aty), 1e-12);
    }
}
