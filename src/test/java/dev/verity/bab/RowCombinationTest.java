package dev.verity.bab;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The combination of a conjunction's linear bounds: a valid lower bound of their maximum, and tight where it should be. */
class RowCombinationTest {

    /**
     * Rows {@code x + 0.5} and {@code −x + 0.5} over x in [−1, 1]: each alone reaches −0.5, but their maximum is at least 0.5
     * everywhere (at x = 0); the equal weights give exactly 0.5.
     */
    @Test
    void twoRowsThatNeitherExcludesAloneAreExcludedTogether() {
        double[] coeff = {1, -1}, bias = {0.5, 0.5};
        RowCombination c = RowCombination.best(coeff, bias, 0, 2, new double[] {-1}, new double[] {1});
        assertEquals(0.5, c.value(), 1e-3);
        assertEquals(c.weights()[0], c.weights()[1], 1e-2);
        assertTrue(c.value() <= 0.5 + 1e-15, "weak duality: not above the true minimum of the maximum");
    }

    /**
     * Random rows over random boxes: the value never exceeds {@code max_r (a_r·x + b_r)} at any sampled point (nor at the
     * corners), it is at least the best single row's minimum, and its weights reproduce it.
     */
    @Test
    void neverExceedsTheMaximumAtAnyPointAndBeatsEverySingleRow() {
        SplittableRandom r = new SplittableRandom(5);
        for (int t = 0; t < 300; t++) {
            int n = 1 + r.nextInt(5), rows = 2 + r.nextInt(4);
            double[] lo = new double[n], hi = new double[n], coeff = new double[rows * n], bias = new double[rows];
            for (int j = 0; j < n; j++) { lo[j] = r.nextDouble(-2, 1); hi[j] = lo[j] + r.nextDouble(0.01, 2); }
            for (int i = 0; i < coeff.length; i++) coeff[i] = r.nextDouble(-1, 1);
            for (int k = 0; k < rows; k++) bias[k] = r.nextDouble(-1, 1);
            RowCombination c = RowCombination.best(coeff, bias, 0, rows, lo, hi);
            for (int k = 0; k < rows; k++) {
                double min = bias[k];
                for (int j = 0; j < n; j++) min += Math.min(coeff[k * n + j] * lo[j], coeff[k * n + j] * hi[j]);
                assertTrue(c.value() >= min - 1e-12, "trial " + t + ": below single row " + k);
            }
            double[] w = c.weights();
            double check = 0;
            for (int j = 0; j < n; j++) {
                double a = 0;
                for (int k = 0; k < rows; k++) a += w[k] * coeff[k * n + j];
                check += Math.min(a * lo[j], a * hi[j]);
            }
            for (int k = 0; k < rows; k++) { assertTrue(w[k] >= 0); check += w[k] * bias[k]; }
            assertEquals(check, c.value(), 1e-12, "trial " + t + ": the weights give the value");
            for (int s = 0; s < 2000; s++) {
                double[] x = new double[n];
                for (int j = 0; j < n; j++) x[j] = s < (1 << n) ? ((s >> j & 1) == 0 ? lo[j] : hi[j]) : r.nextDouble(lo[j], hi[j]);
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < rows; k++) {
                    double v = bias[k];
                    for (int j = 0; j < n; j++) v += coeff[k * n + j] * x[j];
                    max = Math.max(max, v);
                }
                assertTrue(c.value() <= max + 1e-12, "trial " + t + ": " + c.value() + " above max " + max + " at a point");
            }
        }
    }
}
