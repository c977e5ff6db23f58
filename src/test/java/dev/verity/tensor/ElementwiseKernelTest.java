package dev.verity.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vectorised gradient masks against plain scalar definitions, on arrays long enough to take the
 * vector path (with a ragged tail), seeded with the awkward values: exact zeros, ties, bounds, infinities.
 */
class ElementwiseKernelTest {
    private static final int N = 1031; // not a multiple of any vector length

    private static double[] awkward(Random r) {
        double[] x = new double[N];
        for (int i = 0; i < N; i++) x[i] = switch (i % 7) {
            case 0 -> 0.0;
            case 1 -> -0.0;
            case 2 -> 0.5;     // a clamp bound
            case 3 -> -0.5;    // the other one
            default -> r.nextDouble() * 4 - 2;
        };
        return x;
    }

    private static double[] upstream(Random r) {
        double[] g = new double[N];
        for (int i = 0; i < N; i++) g[i] = i % 11 == 0 ? Double.POSITIVE_INFINITY : r.nextGaussian();
        return g;
    }

    @Test void reluAndLeakyReluGradients() {
        Random r = new Random(1);
        double[] x = awkward(r), g = upstream(r);
        double[] relu = Elementwise.reluBackward(g, x), leaky = Elementwise.leakyReluBackward(g, x, 0.25);
        for (int i = 0; i < N; i++) {
            assertEquals(x[i] > 0 ? g[i] : 0.0, relu[i], 0.0, "relu " + i);
            assertEquals(x[i] > 0 ? g[i] : 0.25 * g[i], leaky[i], 0.0, "leaky " + i);
        }
    }

    @Test void clampGradientOnTheClosedInterval() {
        Random r = new Random(2);
        double[] x = awkward(r), g = upstream(r);
        double[] c = Elementwise.clampBackward(g, x, -0.5, 0.5);
        for (int i = 0; i < N; i++) assertEquals(x[i] >= -0.5 && x[i] <= 0.5 ? g[i] : 0.0, c[i], 0.0, "clamp " + i);
    }

    @Test void maxMinGradientsSplitTiesToTheFirstOperand() {
        Random r = new Random(3);
        double[] a = awkward(r), b = awkward(new Random(4)), g = upstream(r);
        for (boolean max : new boolean[] {true, false}) {
            double[] ga = Elementwise.selectBackward(g, a, b, max, true), gb = Elementwise.selectBackward(g, b, a, max, false);
            for (int i = 0; i < N; i++) {
                boolean aWins = max ? a[i] >= b[i] : a[i] <= b[i];
                assertEquals(aWins ? g[i] : 0.0, ga[i], 0.0, "a " + i);
                assertEquals(aWins ? 0.0 : g[i], gb[i], 0.0, "b " + i);
            }
        }
    }

    @Test void forwardsOnLongArrays() {
        Random r = new Random(5);
        double[] x = awkward(r);
        double[] relu = Elementwise.relu(x), leaky = Elementwise.leakyRelu(x, 3.0), clamp = Elementwise.clamp(x, -0.5, 0.25);
        for (int i = 0; i < N; i++) {
            assertEquals(x[i] > 0 ? x[i] : 0.0, relu[i], 0.0);
            assertEquals(x[i] > 0 ? x[i] : 3.0 * x[i], leaky[i], 0.0);
            assertEquals(x[i] < -0.5 ? -0.5 : x[i] > 0.25 ? 0.25 : x[i], clamp[i], 0.0);
        }
        assertArrayEquals(new double[] {0.0}, Elementwise.relu(new double[] {-0.0})); // no negative zero out of relu
        assertEquals(Double.doubleToLongBits(0.0), Double.doubleToLongBits(Elementwise.relu(new double[] {-0.0})[0]));
    }
}
