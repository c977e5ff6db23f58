package dev.verity.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** CR-AUC as paper 003 App. B defines it: the trapezoidal area under certified robustness (%) against ε. */
class CrCurveTest {

    @Test
    void trapezoidalAreaOfAKnownCurve() {
        // 100 % at 0, 50 % at 0.1, 0 % at 0.2: two trapezoids of 7.5 and 2.5.
        assertEquals(10.0, new CrCurve("m", new double[] {0, 0.1, 0.2}, new double[] {100, 50, 0}).auc(), 1e-12);
        // Uneven spacing: 0.01·(90+90)/2 + 0.04·(90+10)/2 = 0.9 + 2.0.
        assertEquals(2.9, new CrCurve("m", new double[] {0, 0.01, 0.05}, new double[] {90, 90, 10}).auc(), 1e-12);
        // Certifying everything up to 0.07 gives 7: the scale of paper 003's Table 4 (CROWN 3.36 on experiment A).
        assertEquals(7.0, new CrCurve("m", new double[] {0, 0.035, 0.07}, new double[] {100, 100, 100}).auc(), 1e-12);
        assertEquals(0.0, new CrCurve("m", new double[] {0}, new double[] {100}).auc());
    }

    @Test
    void radiiMustIncrease() {
        assertThrows(IllegalArgumentException.class, () -> new CrCurve("m", new double[] {0, 0.2, 0.1}, new double[] {1, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> new CrCurve("m", new double[] {0, 0.1}, new double[] {1}));
    }
}
