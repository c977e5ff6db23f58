package dev.verity.bab;

import dev.verity.spec.LinearConstraint;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class InputClippingTest {

    /** Disjunct i has rows [rowStart[i], rowStart[i + 1]); the rows' output coefficients do not matter to clipping. */
    private static DisjunctRows rows(int... rowStart) {
        List<LinearConstraint> rows = new ArrayList<>();
        for (int r = 0; r < rowStart[rowStart.length - 1]; r++) rows.add(new LinearConstraint(new double[] {1}, 0));
        int[] open = new int[rowStart.length - 1];
        for (int i = 0; i < open.length; i++) open[i] = i;
        return new DisjunctRows(open, rows, rowStart);
    }

    /** x0 + x1 − 0.5 <= 0 on [0, 1]²: both coordinates at most 0.5. */
    @Test
    void aHandExample() {
        double[][] b = InputClipping.clip(new double[] {0, 0}, new double[] {1, 1}, rows(0, 1), new boolean[1], new double[] {1, 1},
                new double[] {-0.5}).orElseThrow();
        assertArrayEquals(new double[] {0, 0}, b[0]);
        assertEquals(0.5, b[1][0], 1e-8);
        assertEquals(0.5, b[1][1], 1e-8);
        assertTrue(b[1][0] >= 0.5 && b[1][1] >= 0.5, "never inside the exact end");
    }

    /** A negative coefficient raises the lower end: −x0 + 0.25 <= 0 gives x0 >= 0.25; x1 untouched. */
    @Test
    void negativeCoefficientsRaiseTheLowerEnd() {
        double[][] b = InputClipping.clip(new double[] {0, 0}, new double[] {1, 1}, rows(0, 1), new boolean[1], new double[] {-1, 0},
                new double[] {0.25}).orElseThrow();
        assertEquals(0.25, b[0][0], 1e-8);
        assertTrue(b[0][0] <= 0.25);
        assertEquals(0, b[0][1]);
        assertArrayEquals(new double[] {1, 1}, b[1]);
    }

    @Test
    void nothingToClipOrAnEmptyDisjunctClipsNothing() {
        // x0 − 5 <= 0 holds on the whole box.
        assertEquals(Optional.empty(), InputClipping.clip(new double[] {0}, new double[] {1}, rows(0, 1), new boolean[1], new double[] {1},
                new double[] {-5}));
        // x0 + 5 <= 0 holds nowhere: left to the bounds (which exclude a disjunct only above its tolerance).
        assertEquals(Optional.empty(), InputClipping.clip(new double[] {0}, new double[] {1}, rows(0, 1), new boolean[1], new double[] {1},
                new double[] {5}));
    }

    /** Two disjuncts keep the hull of their boxes; an excluded one is ignored. */
    @Test
    void severalDisjunctsKeepTheHull() {
        double[] coeff = {1, 0, -1, 0}; // disjunct 0: x0 <= 0.2; disjunct 1: x0 >= 0.7
        double[] bias = {-0.2, 0.7};
        double[][] both = InputClipping.clip(new double[] {0, 0}, new double[] {1, 1}, rows(0, 1, 2), new boolean[2], coeff, bias)
                .orElse(new double[][] {{0, 0}, {1, 1}});
        assertArrayEquals(new double[] {0, 0}, both[0], "the hull of [0, 0.2] and [0.7, 1] is the whole range");
        double[][] one = InputClipping.clip(new double[] {0, 0}, new double[] {1, 1}, rows(0, 1, 2), new boolean[] {false, true}, coeff, bias)
                .orElseThrow();
        assertEquals(0.2, one[1][0], 1e-8);
    }

    /**
     * Random boxes and rows (several per disjunct, several disjuncts): every sampled point that satisfies all rows of some
     * open disjunct lies in the clipped box — clipping never cuts off an unsafe point.
     */
    @Test
    void neverCutsOffAPointThatSatisfiesADisjunctsRows() {
        SplittableRandom r = new SplittableRandom(11);
        int clippedSome = 0;
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(5), disjuncts = 1 + r.nextInt(3);
            int[] rowStart = new int[disjuncts + 1];
            for (int i = 0; i < disjuncts; i++) rowStart[i + 1] = rowStart[i] + 1 + r.nextInt(3);
            int m = rowStart[disjuncts];
            double[] lo = new double[n], hi = new double[n], coeff = new double[m * n], bias = new double[m];
            for (int j = 0; j < n; j++) {
                lo[j] = r.nextDouble(-3, 1);
                hi[j] = lo[j] + r.nextDouble(1e-3, 4);
            }
            for (int k = 0; k < coeff.length; k++) coeff[k] = r.nextInt(5) == 0 ? 0 : r.nextDouble(-2, 2);
            for (int k = 0; k < m; k++) bias[k] = r.nextDouble(-2, 2);
            boolean[] excluded = new boolean[disjuncts];
            Optional<double[][]> c = InputClipping.clip(lo, hi, rows(rowStart), excluded, coeff, bias);
            if (c.isEmpty()) continue;
            clippedSome++;
            double[] cl = c.get()[0], ch = c.get()[1];
            for (int s = 0; s < 2000; s++) {
                double[] x = new double[n];
                for (int j = 0; j < n; j++) x[j] = s % 10 == 0 ? (r.nextBoolean() ? lo[j] : hi[j]) : r.nextDouble(lo[j], hi[j]);
                for (int i = 0; i < disjuncts; i++) {
                    boolean all = true;
                    for (int k = rowStart[i]; k < rowStart[i + 1] && all; k++) {
                        double v = bias[k];
                        for (int j = 0; j < n; j++) v += coeff[k * n + j] * x[j];
                        all = v <= 0;
                    }
                    if (!all) continue;
                    for (int j = 0; j < n; j++)
                        assertTrue(x[j] >= cl[j] && x[j] <= ch[j], "trial " + trial + ": a point of disjunct " + i + " outside the clipped box");
                }
            }
        }
        assertTrue(clippedSome > 50, "clipping happened in " + clippedSome + " trials");
    }
}
