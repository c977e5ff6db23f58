package dev.verity.eval;

import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundOptions;
import dev.verity.data.Dataset;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Certified radii by bisection ({@code verity eval --radius}) and the exact CR-AUC built from them (paper 003 App. B). */
class RadiusTest {
    static final double TOL = 1e-4;
    static final int[] ALL = {0, 1, 2, 3, 4};

    static RadiusSettings settings(String methods, double epsMax, int jobs) {
        return new RadiusSettings(EvalMethod.parseAll(List.of(methods.split(","))), epsMax, TOL, Duration.ofSeconds(30),
                PgdOptions.defaults().withRestarts(5).withSteps(30).withBatchSize(5), BoundOptions.defaults(), jobs);
    }

    /** Runs the radius search on TinyEval's images into {@code file} (appending) and summarises everything in it. */
    static RadiusSummary run(Path file, int[] indices, RadiusSettings s) {
        RadiusEvaluation e = new RadiusEvaluation(TinyEval.net(), TinyEval.data(), indices, s);
        List<ResultLine> existing = ResultsFile.read(file);
        try (ResultsFile out = ResultsFile.openForAppend(file)) {
            e.run(existing, out, (done, total) -> {});
        }
        return RadiusSummary.of(indices, s.methods(), s.epsMax(), s.tolerance(), ResultsFile.read(file));
    }

    /**
     * TinyEval's one-pixel network (y0 = 2 relu(x) − relu(x) = x, y1 = 0.5) has closed-form certified radii. On the ball
     * [l, u] = [x − ε, x + ε] ∩ [0, 1] back-substitution is exact (y0 ∈ [l, u]), so CROWN's margin lower bound for label
     * 0 is {@code l − 0.5}: radius x − 0.5; for label 1 it is {@code 0.5 − u}: radius 0.5 − x. IBP loses the correlation
     * of the two ReLUs, y0 ∈ [2l − u, 2u − l], so its margin lower bound is linear in ε on each side of the clipping
     * point: for label 0, {@code x − 3ε − 0.5} while x + ε &le; 1 and {@code 2(x − ε) − 1 − 0.5} after (u = 1); for label
     * 1, {@code 0.4 − 3ε}-like while x − ε &ge; 0 and {@code 0.5 − 2(x + ε)} after (l = 0). Hence:
     * <pre>
     * image  x     label  IBP radius                         CROWN radius
     * A      0.9   0      0.1 &lt; (0.4)/3 → clipped: 0.3/2 = 0.15   0.4
     * B      0.75  0      0.25/3 = 0.08333                    0.25
     * C      0.58  0      0.08/3 = 0.02667                    0.08
     * D      0.1   1      0.1 &lt; 0.4/3 → clipped: 0.3/2 = 0.15    0.4
     * E      0.4   0      misclassified: 0                   0
     * </pre>
     * The bisected radius is the largest certified ε found: below the closed form (the certificate also needs the
     * margin above verify's tolerance τ ≈ 1e-7) and within the bisection tolerance of it.
     */
    @Test
    void bisectedRadiusMatchesTheClosedFormWithinTheTolerance(@TempDir Path dir) {
        RadiusSummary r = run(dir.resolve("results.jsonl"), ALL, settings("ibp,crown,lp-greedy", 0.5, 2));
        double[] ibp = {0.15, 0.25 / 3, 0.08 / 3, 0.15, 0}, crown = {0.4, 0.25, 0.08, 0.4, 0};
        for (int i = 0; i < 5; i++) {
            RadiusSummary.ImageRadii img = r.images().get(i);
            assertEquals(i != 4, img.correct());
            assertClose(ibp[i], img.of("ibp"), "ibp image " + i);
            assertClose(crown[i], img.of("crown"), "crown image " + i);
            assertClose(crown[i], img.of("lp-greedy"), "lp-greedy (= deepz, exact here) image " + i);
            if (img.correct()) assertTrue(img.radius().get("ibp").checks() <= settings("ibp", 0.5, 1).maxChecks());
        }
        // Exact CR-AUC = 100/n · Σ min(r, ε_max): ibp 20 · 0.41 = 8.2, crown 20 · 1.13 = 22.6 (each at most 4 tolerances low).
        assertEquals(8.2, r.crAuc().get("ibp"), 100.0 / 5 * 4 * (TOL + 1e-6));
        assertEquals(22.6, r.crAuc().get("crown"), 100.0 / 5 * 4 * (TOL + 1e-6));
        assertTrue(r.crAuc().get("ibp") <= 8.2 && r.crAuc().get("crown") <= 22.6);
        assertEquals(0, r.missing());
        assertEquals(0, r.errors());
    }

    private static void assertClose(double closedForm, double bisected, String what) {
        assertTrue(bisected <= closedForm + 1e-12 && bisected >= closedForm - TOL - 1e-6, what + ": bisected " + bisected + ", closed form " + closedForm);
    }

    /**
     * Read at eval's ε list, the exact curves are eval's per-ε certified counts (no radius lies within the tolerance of
     * 0.05, 0.1 or 0.2 here), so eval's trapezoidal CR-AUC over the list can be recomputed from the radii.
     */
    @Test
    void exactCurveAgreesWithThePerEpsEvaluation(@TempDir Path dir) {
        Summary perEps = TinyEval.run(dir.resolve("a.jsonl"), ALL, TinyEval.settings("ibp,crown", true, 1));
        RadiusSummary radii = run(dir.resolve("b.jsonl"), ALL, settings("ibp,crown", 0.5, 1));
        for (String m : List.of("ibp", "crown")) {
            CrCurve sampled = perEps.crCurve(m);
            ExactCrCurve exact = radii.curve(m);
            for (int k = 0; k < sampled.eps().length; k++)
                assertEquals(sampled.percent()[k], exact.percentAt(sampled.eps()[k]), 1e-12, m + " at ε = " + sampled.eps()[k]);
        }
        assertEquals(13.5, perEps.crAuc().get("crown"), 1e-12); // TinyEval's hand-computed trapezoid, for reference
    }

    /** Radius lines are resumable like eval's results: a second run computes nothing, a new ε_max computes new lines. */
    @Test
    void resumedSearchComputesNothingTwiceAndNewSettingsAddLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("results.jsonl");
        RadiusSummary first = run(file, ALL, settings("ibp,pgd", 0.5, 2));
        long lines = Files.readAllLines(file).size();
        assertEquals(5 + 2 * 4, lines, "5 clean lines and 2 radii for each of the 4 correctly classified images");
        // Cut the last line mid-write: only that radius is computed again.
        String text = Files.readString(file);
        Files.writeString(file, text.substring(0, text.length() - 7));
        RadiusEvaluation e = new RadiusEvaluation(TinyEval.net(), TinyEval.data(), ALL, settings("ibp,pgd", 0.5, 2));
        int computed;
        try (ResultsFile out = ResultsFile.openForAppend(file)) {
            computed = e.run(ResultsFile.read(file), out, (d, t) -> {});
        }
        assertEquals(1, computed);
        RadiusSummary again = RadiusSummary.of(ALL, first.methods(), 0.5, TOL, ResultsFile.read(file));
        assertEquals(first.crAuc(), again.crAuc());
        // PGD's smallest refuted ε is an upper bound on every certified radius (C: refuted at 0.08 exactly, x' = 0.5).
        for (RadiusSummary.ImageRadii i : again.images())
            if (i.correct()) assertTrue(i.of("ibp") <= i.of("pgd"), "image " + i.image());
        assertTrue(again.images().get(2).of("pgd") >= 0.08 && again.images().get(2).of("pgd") <= 0.08 + 2 * TOL, "pgd on C");
        // Another ε_max: new lines next to the old, each summary reads its own.
        RadiusSummary small = run(file, ALL, settings("ibp", 0.1, 1));
        assertEquals(lines + 4, Files.readAllLines(file).size());
        assertEquals(0.1, small.images().getFirst().of("ibp"), 1e-12, "A is certified over the whole range [0, 0.1]");
        assertEquals(2, small.stats(small.methods().getFirst()).atEpsMax(), "A and D (IBP radius 0.15) are certified at ε_max = 0.1");
        assertEquals(100.0 / 5 * (0.1 + 0.25 / 3 + 0.08 / 3 + 0.1), small.crAuc().get("ibp"), 100.0 / 5 * 2 * (TOL + 1e-6));
    }

    /**
     * On random ReLU MLPs and random images in [0, 1] (labelled with the network's own prediction), the radii keep the
     * orderings the project proves for the bounds (TightnessOrderingTest): hBox ⊆ IBP (paper 003 App. C) and
     * alpha-CROWN ⊆ CROWN when it keeps CROWN's intermediate bounds. When A's bounds lie inside B's at every
     * ε, every ε B certifies A certifies, so the two bisections take the same path until B fails where A succeeds, and
     * A's radius ends at least as large. Orderings that are not theorems (CROWN vs DeepZ, CROWN-IBP vs CROWN) are not
     * asserted. Also: every certified radius is at most PGD's smallest refuted ε (soundness), and for the presets where
     * monotonicity in ε is a theorem (ibp, hbox, crown-0) every smaller ε is certified too.
     */
    @Test
    void radiiKeepTheProvenOrderingsOnRandomNetworks() {
        List<String> problems = new ArrayList<>();
        int nonTrivial = 0, total = 0;
        for (int k = 0; k < 4; k++) {
            SplittableRandom r = new SplittableRandom(31_000 + k);
            int[] widths = {6, 10, 10, 4};
            Network net = RandomLayers.mlp(r, widths, new Layer.Relu());
            int n = 6;
            double[] pixels = new double[n * widths[0]];
            for (int i = 0; i < pixels.length; i++) pixels[i] = r.nextDouble();
            int[] labels = Forward.run(net, TensorOps.INSTANCE, new Tensor(pixels.clone(), n, widths[0])).argmax(1);
            Dataset data = new Dataset(new Tensor(pixels, n, widths[0]), labels, new Shape(widths[0]), "random " + k);
            RadiusSettings s = settings("ibp,hbox,crown-0,crown,alpha-crown,pgd", 1.0, 1);
            RadiusSettings alphaWithCrownIntermediates = new RadiusSettings(s.methods(), s.epsMax(), s.tolerance(), s.budget(), s.pgd(),
                    BoundOptions.defaults().withAlphaIntermediate(false), 1);
            RadiusEvaluation search = new RadiusEvaluation(net, data, new int[] {0}, s);
            RadiusEvaluation alphaSearch = new RadiusEvaluation(net, data, new int[] {0}, alphaWithCrownIntermediates);
            MinimumDistortion check = new MinimumDistortion(net, new dev.verity.bounds.BoundEngine(net), new double[] {0, 1}, TOL);
            for (int i = 0; i < n; i++) {
                double[] x = data.pixels(i);
                double ibp = radius(search, i, x, labels[i], "ibp"), hbox = radius(search, i, x, labels[i], "hbox");
                double crown0 = radius(search, i, x, labels[i], "crown-0"), crown = radius(search, i, x, labels[i], "crown");
                double alpha = radius(alphaSearch, i, x, labels[i], "alpha-crown"), pgd = radius(search, i, x, labels[i], "pgd");
                String at = "net " + k + " image " + i + ": ";
                if (ibp > hbox) problems.add(at + "ibp " + ibp + " > hbox " + hbox);
                if (crown > alpha) problems.add(at + "crown " + crown + " > alpha-crown (crown intermediates) " + alpha);
                for (double c : new double[] {ibp, hbox, crown0, crown, alpha}) if (c > pgd) problems.add(at + "certified " + c + " > pgd " + pgd);
                for (String m : List.of("ibp", "hbox", "crown-0")) {
                    double rad = radius(search, i, x, labels[i], m);
                    for (double f : new double[] {0.2, 0.5, 0.9})
                        if (rad > 0 && !check.verifies(x, labels[i], dev.verity.bounds.Method.parse(m), f * rad))
                            problems.add(at + m + " certifies " + rad + " but not " + f * rad);
                }
                total++;
                if (ibp < hbox || hbox != crown || crown0 != crown) nonTrivial++;
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        // The sample is not trivial: the relaxations give different radii on many images.
        assertTrue(nonTrivial >= total / 2, nonTrivial + " of " + total + " images separate the methods");
    }

    private static double radius(RadiusEvaluation search, int image, double[] x, int label, String method) {
        ResultLine.Radius r = search.radius(image, x, label, EvalMethod.parse(method));
        assertFalse(r.error() != null, r.error());
        assertEquals(0, r.timeouts());
        return r.radius();
    }
}
