package dev.verity.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table logic on {@link TinyEval}'s one-pixel network, where every number is known by hand. */
class EvalTableTest {
    private static final int[] ALL = {0, 1, 2, 3, 4};
    private static final double TOL = 1e-12;

    @Test
    void everyBoundOfThePaperTableIsTheHandComputedOne(@TempDir Path dir) {
        Summary s = TinyEval.run(dir.resolve("results.jsonl"), ALL, TinyEval.settings("pgd,ibp,lp-greedy,crown,milp", true, 2));
        assertEquals(5, s.images());
        assertEquals(1, s.cleanErrors());
        double[][] expected = { // pgd lower, ibp upper, crown upper (= lp-greedy = milp upper = milp lower)
                {0.2, 0.4, 0.2},
                {0.4, 0.6, 0.4},
                {0.4, 1.0, 0.4}};
        for (int k = 0; k < 3; k++) {
            Summary.EpsRow r = s.rows().get(k);
            assertEquals(TinyEval.EPS.get(k), r.eps());
            assertEquals(0.2, r.testError(), TOL);
            assertEquals(expected[k][0], r.lowerBound("pgd"), TOL, "pgd at " + r.eps());
            assertEquals(expected[k][1], r.upperBound("ibp"), TOL, "ibp at " + r.eps());
            assertEquals(expected[k][2], r.upperBound("crown"), TOL, "crown at " + r.eps());
            assertEquals(expected[k][2], r.upperBound("lp-greedy"), TOL, "lp-greedy at " + r.eps());
            assertEquals(expected[k][2], r.upperBound("milp"), TOL, "milp upper at " + r.eps());
            assertEquals(expected[k][0], r.lowerBound("milp"), TOL, "milp lower at " + r.eps());
        }
        // Image C is refuted at 0.1 and 0.2 (by pgd, so the certifying methods were skipped there); nothing else is.
        Summary.MethodStats crownAt01 = s.rows().get(1).stats("crown");
        assertEquals(3, crownAt01.certified());
        assertEquals(1, crownAt01.refuted());
        assertEquals(1, crownAt01.skipped());
        assertEquals(3, crownAt01.runs());
        assertEquals(0, s.missing());
        assertEquals(0, s.errors());

        Map<String, Double> auc = s.crAuc();
        assertEquals(List.of("ibp", "lp-greedy", "crown", "milp"), List.copyOf(auc.keySet()));
        assertEquals(8.0, auc.get("ibp"), 1e-9);
        assertEquals(13.5, auc.get("crown"), 1e-9);
        assertEquals(13.5, auc.get("lp-greedy"), 1e-9);
        assertEquals(13.5, auc.get("milp"), 1e-9);
        assertEquals(new CrCurve("ibp", new double[] {0, 0.05, 0.1, 0.2}, new double[] {80, 60, 40, 0}), s.crCurve("ibp"));

        assertEquals("""
                | ε | test error | pgd lower | milp lower | milp upper | ibp upper | lp-greedy upper | crown upper |
                | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
                | 0.05 | 20.00% | 20.00% | 20.00% | 20.00% | 40.00% | 20.00% | 20.00% |
                | 0.1 | 20.00% | 40.00% | 40.00% | 40.00% | 60.00% | 40.00% | 40.00% |
                | 0.2 | 20.00% | 40.00% | 40.00% | 40.00% | 100.00% | 40.00% | 40.00% |
                """, Reports.mainTable(s));
        assertTrue(Reports.csv(s).startsWith("eps,images,test_error,pgd_lower,milp_lower,milp_upper,ibp_upper,lp-greedy_upper,crown_upper,"
                + "pgd_mean_s,pgd_median_s,ibp_mean_s,"), Reports.csv(s));
        assertTrue(Reports.csv(s).contains("\n0.1,5,0.200000,0.400000,0.400000,0.400000,0.600000,0.400000,0.400000,"), Reports.csv(s));
        assertTrue(Reports.crCurveCsv(s).contains("ibp,0,0.800000\nibp,0.05,0.600000\nibp,0.1,0.400000\nibp,0.2,0.000000\n"));
    }

    @Test
    void perImageResultsSayWhoDecided(@TempDir Path dir) {
        Path file = dir.resolve("results.jsonl");
        TinyEval.run(file, ALL, TinyEval.settings("pgd,ibp,crown", true, 1));
        List<ResultLine> lines = ResultsFile.read(file);
        // 5 clean lines; 4 correct images x 3 radii x 3 methods
        assertEquals(5 + 36, lines.size());
        ResultLine.Outcome crownC = find(lines, 2, 0.1, "crown");
        assertEquals(Status.REFUTED, crownC.status());
        assertFalse(crownC.ran());
        assertEquals("pgd", crownC.by());
        ResultLine.Outcome ibpB = find(lines, 1, 0.1, "ibp");
        assertEquals(Status.UNKNOWN, ibpB.status());
        assertEquals(-0.05, ibpB.margin(), 1e-9); // 2·0.65 − 0.85 − 0.5
        assertEquals(0.15, find(lines, 1, 0.1, "crown").margin(), 1e-9); // 0.65 − 0.5
        assertTrue(lines.stream().noneMatch(l -> l instanceof ResultLine.Outcome o && o.image() == 4), "no method runs on a misclassified image");
    }

    @Test
    void withoutTheShortcutEveryMethodRunsAndTheBoundsAreTheSame(@TempDir Path dir) {
        Path file = dir.resolve("results.jsonl");
        Summary s = TinyEval.run(file, ALL, TinyEval.settings("pgd,crown,milp", false, 2));
        List<ResultLine> lines = ResultsFile.read(file);
        ResultLine.Outcome crownC = find(lines, 2, 0.1, "crown");
        assertEquals(Status.UNKNOWN, crownC.status()); // it ran: margin 0.48 − 0.5
        assertEquals(-0.02, crownC.margin(), 1e-9);
        ResultLine.Outcome milpC = find(lines, 2, 0.2, "milp");
        assertEquals(Status.REFUTED, milpC.status()); // the complete verifier's own counterexample
        assertTrue(milpC.ran());
        assertEquals(Status.CERTIFIED, find(lines, 0, 0.2, "milp").status());
        for (int k = 0; k < 3; k++) {
            assertEquals(new double[] {0.2, 0.4, 0.4}[k], s.rows().get(k).upperBound("crown"), TOL);
            assertEquals(new double[] {0.2, 0.4, 0.4}[k], s.rows().get(k).lowerBound("milp"), TOL);
            assertEquals(0, s.rows().get(k).stats("crown").skipped());
        }
    }

    @Test
    void reportsAreWrittenAndThePlotsAreImages(@TempDir Path dir) throws Exception {
        Summary s = TinyEval.run(dir.resolve("results.jsonl"), ALL, TinyEval.settings("pgd,ibp,crown", true, 2));
        Reports.write(dir, s, Map.of("model", "tiny"));
        Plots.write(dir, s);
        String md = Files.readString(dir.resolve("table.md"));
        assertTrue(md.contains("| crown | 80.00% | 80.00% | 60.00% | 60.00% | 13.5000 |"), md);
        assertTrue(md.contains("| ibp | 80.00% | 60.00% | 40.00% | 0.00% | 8.0000 |"), md);
        String json = Files.readString(dir.resolve("summary.json"));
        assertTrue(json.contains("\"cr_auc\" : {\n    \"ibp\" : 8.0,\n    \"crown\" : 13.5\n  }"), json);
        for (String png : List.of("cr-curve.png", "time.png")) {
            var img = javax.imageio.ImageIO.read(dir.resolve(png).toFile());
            assertEquals(900, img.getWidth(), png);
            assertEquals(600, img.getHeight(), png);
        }
    }

    static ResultLine.Outcome find(List<ResultLine> lines, int image, double eps, String method) {
        return lines.stream().filter(l -> l instanceof ResultLine.Outcome o && o.image() == image && o.eps() == eps && o.method().equals(method))
                .map(l -> (ResultLine.Outcome) l).findFirst().orElseThrow(() -> new AssertionError("no result " + image + " " + eps + " " + method));
    }
}
