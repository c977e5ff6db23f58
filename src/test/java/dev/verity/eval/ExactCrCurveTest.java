package dev.verity.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exact CR curve and its area (paper 003 App. B's CR-AUC, in percent × ε) from hand-made radii. */
class ExactCrCurveTest {
    /**
     * Six images, one misclassified (no radius); the other five have radii 0, 0.01, 0.03, 0.03 and 0.1 (beyond
     * ε_max = 0.07). The curve: 5/6 at ε = 0 (the clean accuracy), 4/6 on (0, 0.01], 3/6 on (0.01, 0.03], 1/6 on
     * (0.03, 0.07]. Its area by hand: 0.01·66.67 + 0.02·50 + 0.04·16.67 = 2/3 + 1 + 2/3 = 7/3, which is also
     * 100/6 · (0 + 0.01 + 0.03 + 0.03 + 0.07).
     */
    static final ExactCrCurve HAND = new ExactCrCurve("m", 6, 0.07, new double[] {0.03, 0.1, 0, 0.01, 0.03});

    @Test
    void areaOfHandMadeRadiiIsTheHandComputedArea() {
        assertEquals(7.0 / 3, HAND.auc(), 1e-12);
        assertEquals(100.0 * 5 / 6, HAND.cleanPercent(), 1e-12);
        assertEquals(100.0 * 5 / 6, HAND.percentAt(0), 1e-12);
        assertEquals(100.0 * 4 / 6, HAND.percentAt(0.005), 1e-12);
        assertEquals(100.0 * 4 / 6, HAND.percentAt(0.01), 1e-12, "a certified radius counts at itself");
        assertEquals(100.0 * 3 / 6, HAND.percentAt(0.02), 1e-12);
        assertEquals(100.0 * 1 / 6, HAND.percentAt(0.07), 1e-12);
        assertEquals(0, HAND.percentAt(0.08), 1e-12, "nothing beyond the curve's end");
        assertEquals(List.of(new ExactCrCurve.Step(0, 0.01, 100.0 * 4 / 6), new ExactCrCurve.Step(0.01, 0.03, 50),
                new ExactCrCurve.Step(0.03, 0.07, 100.0 / 6)), HAND.steps());
        double stepArea = HAND.steps().stream().mapToDouble(s -> (s.to() - s.from()) * s.percent()).sum();
        assertEquals(HAND.auc(), stepArea, 1e-12);
    }

    @Test
    void paperUnitsAndEdgeCases() {
        // Certifying every image up to ε_max scores 100·ε_max: 7 for paper 003's range 0.07 (its CROWN scored 3.36).
        assertEquals(7.0, new ExactCrCurve("m", 3, 0.07, new double[] {0.07, 0.07, 0.5}).auc(), 1e-12);
        // Nothing certified above 0: area 0, a single step at 0 % after the clean-accuracy point.
        ExactCrCurve none = new ExactCrCurve("m", 4, 0.07, new double[] {0, 0, 0});
        assertEquals(0, none.auc());
        assertEquals(75, none.cleanPercent(), 1e-12);
        assertEquals(List.of(new ExactCrCurve.Step(0, 0.07, 0)), none.steps());
        // Every image misclassified.
        assertEquals(0, new ExactCrCurve("m", 2, 0.07, new double[0]).auc());
        assertThrows(IllegalArgumentException.class, () -> new ExactCrCurve("m", 1, 0.07, new double[] {0.1, 0.2}));
        assertThrows(IllegalArgumentException.class, () -> new ExactCrCurve("m", 1, 0.07, new double[] {-0.1}));
    }

    @Test
    void papersTrapezoidOverSamplesTendsToTheExactArea() {
        // Two samples: the trapezoid (0, 83.3 %) – (0.07, 16.7 %) = 0.07 · 50 = 3.5.
        assertEquals(3.5, HAND.sampledAuc(2), 1e-12);
        // Dense sampling converges to the step curve's area (each jump costs at most one sample spacing × its height).
        double coarse = Math.abs(HAND.sampledAuc(100) - HAND.auc()), fine = Math.abs(HAND.sampledAuc(100_001) - HAND.auc());
        assertTrue(coarse < 0.07 / 99 * 100, "100 samples off by " + coarse);
        assertTrue(fine < 0.07 / 100_000 * 100, "100001 samples off by " + fine);
        assertThrows(IllegalArgumentException.class, () -> HAND.sampledAuc(1));
    }

    /** The sampled CR curve of {@code eval} (CrCurve) at ε values is the exact curve read at those ε. */
    @Test
    void readingTheExactCurveAtAnEpsListGivesEvalsTrapezoidCurve() {
        double[] eps = {0, 0.02, 0.05, 0.07};
        double[] pct = new double[eps.length];
        for (int i = 0; i < eps.length; i++) pct[i] = HAND.percentAt(eps[i]);
        CrCurve sampled = new CrCurve("m", eps, pct);
        // 0.02·(83.33+50)/2 + 0.03·(50+16.67)/2 + 0.02·(16.67+16.67)/2
        assertEquals(0.02 * (500.0 / 6 + 50) / 2 + 0.03 * (50 + 100.0 / 6) / 2 + 0.02 * (100.0 / 6), sampled.auc(), 1e-12);
    }
}
