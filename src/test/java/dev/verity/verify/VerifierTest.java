package dev.verity.verify;

import dev.verity.testing.HandNets;

import dev.verity.InvalidInputException;
import dev.verity.attack.Counterexample;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.Ops;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.verity.verify.Nets.box;
import static dev.verity.verify.Nets.property;
import static dev.verity.verify.Nets.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerifierTest {
    private static final VerifyOptions OPTIONS = VerifyOptions.defaults(Duration.ofSeconds(30));

    private static VerificationResult verify(Network net, VnnlibProperty p) {
        return Verifier.verify(net, p, OPTIONS);
    }

    /**
     * Sound mode (issue 17): on {@link HandNets#cancellation()} y = 1 exactly at x = (1, 1, 1), but double arithmetic gives
     * 0; "y < 0.5" is false, and neither PGD nor any concrete forward pass can tell. Round-to-nearest bounds prove it
     * (the defect); sound mode's do not, and a VERIFIED in sound mode says that it holds in exact arithmetic.
     */
    @Test
    void soundModeDoesNotVerifyWhatOnlyRoundingProves() {
        VnnlibProperty p = property(box(new double[] {1, 1, 1}, new double[] {1, 1, 1}), 1, new Disjunct(row(0.5, -1)));
        VerifyOptions incomplete = OPTIONS.withMilp(java.util.Optional.empty()).withBab(java.util.Optional.empty());
        VerificationResult nearest = Verifier.verify(HandNets.cancellation(), p, incomplete);
        assertEquals(Verdict.VERIFIED, nearest.verdict(), "the round-to-nearest defect this test relies on");
        assertTrue(!nearest.roundingSound() && nearest.evidence().stream().allMatch(e -> e.rounding().equals("nearest")));
        VerificationResult sound = Verifier.verify(HandNets.cancellation(), p,
                incomplete.withBoundOptions(dev.verity.bounds.BoundOptions.defaults().withSound(true)));
        assertEquals(Verdict.UNKNOWN, sound.verdict(), sound.stages().toString());

        VnnlibProperty holds = property(box(new double[] {-1, -1}, new double[] {1, 1}), 2, new Disjunct(row(0, 1, -1)));
        VerificationResult r = Verifier.verify(Nets.linear(), holds, OPTIONS.withBoundOptions(dev.verity.bounds.BoundOptions.defaults().withSound(true)));
        assertEquals(Verdict.VERIFIED, r.verdict());
        assertTrue(r.roundingSound() && r.evidence().stream().allMatch(e -> e.rounding().equals("outward")), r.evidence().toString());
    }

    @Test
    void aPropertyThatHoldsOnIntervalsIsVerifiedByIbp() {
        // unsafe: y0 - y1 <= 0; the minimum of y0 - y1 on [-1,1]^2 is 0.5.
        VnnlibProperty p = property(box(new double[] {-1, -1}, new double[] {1, 1}), 2, new Disjunct(row(0, 1, -1)));
        VerificationResult r = verify(Nets.linear(), p);
        assertEquals(Verdict.VERIFIED, r.verdict());
        assertEquals("ibp", r.method());
        assertNull(r.counterexample());
        assertEquals(List.of("pgd", "ibp"), r.stages().stream().map(StageLog::stage).toList());
    }

    @Test
    void aPropertyIntervalsCannotProveIsVerifiedByCrownAndOnlyOpenDisjunctsGoOn() {
        Box box = box(new double[] {1}, new double[] {2});
        // Disjunct 0 (y0 <= -5) falls to IBP already; disjunct 1 (y0 <= 0) needs CROWN's cancellation.
        VnnlibProperty p = property(box, 1, new Disjunct(row(5, 1)), new Disjunct(row(0, 1)));
        VerificationResult r = verify(Nets.cancelling(), p);
        assertEquals(Verdict.VERIFIED, r.verdict(), r.stages().toString());
        assertEquals("crown", r.method());
        StageLog ibp = r.stages().get(1), crown = r.stages().get(2);
        assertEquals("ibp", ibp.stage());
        assertEquals(2, ibp.openBefore());
        assertEquals(1, ibp.openAfter());
        assertEquals(1, crown.openBefore());
        assertEquals(0, crown.openAfter());
        assertEquals(0.1, crown.minMargin(), 1e-12);
    }

    @Test
    void aViolatedPropertyIsFalsifiedWithACounterexampleCheckedInBothPrecisions() {
        Box box = box(new double[] {0, 0}, new double[] {1, 1});
        // unsafe: y0 >= y1, i.e. y1 - y0 <= 0: only on the thin band 1.4 <= x0 + x1 <= 1.55.
        VnnlibProperty p = property(box, 2, new Disjunct(row(0, -1, 1)));
        Network net = HandNets.band();
        VerificationResult r = verify(net, p);
        assertEquals(Verdict.FALSIFIED, r.verdict(), r.stages().toString());
        assertEquals("pgd", r.method());
        Counterexample ce = r.counterexample();
        assertNotNull(ce);
        double[] x = ce.input();
        assertTrue(box.contains(x), "counterexample outside the box");
        Case c = p.cases().getFirst();
        assertTrue(c.isUnsafeOutput(forward(net, TensorOps.INSTANCE, x)), "not unsafe in double");
        assertTrue(c.isUnsafeOutput(forward(net, Float32Ops.INSTANCE, x)), "not unsafe in float32");
        double s = x[0] + x[1];
        assertTrue(s >= 1.4 - 1e-6 && s <= 1.55 + 1e-6, "x0 + x1 = " + s);
    }

    @Test
    void aMarginOfOneTrillionthIsNotVerified() {
        // y0 = x0 + 1e-12 on [0, 1]; unsafe y0 <= 0. The property holds with exact margin 1e-12 (at x0 = 0), the
        // engine's lower bound is positive, but it is below the tolerance: UNKNOWN, never VERIFIED.
        Network net = Nets.shifted(1e-12);
        Box box = box(new double[] {0}, new double[] {1});
        VnnlibProperty p = property(box, 1, new Disjunct(row(0, 1)));
        CaseBounds b = CaseBounds.compute(new BoundEngine(net), Method.CROWN, box, p.cases().getFirst().unsafe(), false);
        assertTrue(b.margins()[0] > 0 && b.margins()[0] < 1e-11, "margin " + b.margins()[0]);
        assertTrue(!b.excluded()[0] && !b.verified());
        VerificationResult r = verify(net, p);
        assertEquals(Verdict.UNKNOWN, r.verdict(), r.stages().toString());
        assertNull(r.method());
        // Every method ran and none was trusted — the MILP neither: its points (x0 = 0, within SCIP's tolerance of the
        // boundary) fail the forward-pass re-check, and its "feasible" answer is not a proof of anything. The net is linear:
        // nothing to tighten, so one MILP with all the time and no tighten stage. alpha-crown runs twice: objective
        // slopes only, then every layer's.
        assertEquals(List.of("pgd", "ibp", "crown", "bab-input", "alpha-crown", "alpha-crown", "sdp", "lp-all", "milp"),
                r.stages().stream().map(StageLog::stage).toList());
        assertTrue(r.stages().get(4).outcome().endsWith(Verifier.OBJECTIVE_SLOPES), r.stages().get(4).toString());
    }

    @Test
    void theToleranceIsRelativeAboveOneAndAbsoluteBelow() {
        assertEquals(1e-7, Margins.tolerance(1e-12, 0.5));
        assertEquals(1e-7 * 1000, Margins.tolerance(3, -1000), 1e-18);
        assertTrue(Margins.certified(0.001, 1));
        assertTrue(!Margins.certified(1e-8, 1));
        assertTrue(!Margins.certified(1e-3, 1e5)); // 1e-3 <= 1e-7 * 1e5 = 1e-2
        assertTrue(!Margins.certified(Double.NaN, 1));
        assertTrue(!Margins.certified(1, Double.POSITIVE_INFINITY));
    }

    @Test
    void aZeroBudgetTimesOutWithoutAnswering() {
        VnnlibProperty p = property(box(new double[] {-1, -1}, new double[] {1, 1}), 2, new Disjunct(row(0, 1, -1)));
        VerificationResult r = Verifier.verify(Nets.linear(), p, OPTIONS.withTimeout(Duration.ZERO));
        assertEquals(Verdict.TIMEOUT, r.verdict());
        assertNull(r.method());
        assertNull(r.counterexample());
    }

    @Test
    void aDeadlineInsideTheExpensiveStagesIsHonoured(@TempDir Path dir) {
        // prop_0_0.03 holds but neither ibp nor crown proves it, and alpha-crown takes seconds: with a 400 ms
        // budget the run must stop near the deadline (TIMEOUT), abandoning the stage it is in.
        Network net = Nets.mnist256x2(dir);
        VnnlibProperty p = VnnlibReader.read(Nets.resource(dir, "prop_0_0.03.vnnlib"));
        Duration budget = Duration.ofMillis(400);
        VerificationResult r = Verifier.verify(net, p, OPTIONS.withTimeout(budget));
        assertNotEquals(Verdict.FALSIFIED, r.verdict());
        // Generous slack for a loaded machine; what matters is not waiting for alpha-crown's seconds.
        assertTrue(r.millis() < budget.toMillis() + 1500, "took " + r.millis() + " ms for a 400 ms budget: " + r.stages());
        if (r.verdict() == Verdict.TIMEOUT) assertNull(r.method());
    }

    @Test
    void anEmptyUnsafeSetHoldsTrivially() {
        VnnlibProperty none = new VnnlibProperty(2, 2, List.of());
        assertEquals(Verdict.VERIFIED, verify(Nets.linear(), none).verdict());
        assertEquals("trivial", verify(Nets.linear(), none).method());
    }

    @Test
    void aDisjunctWithoutRowsIsViolatedEverywhere() {
        // No rows: every output is unsafe; no bound can exclude it and any point of the box is a counterexample.
        VnnlibProperty p = property(box(new double[] {-1, -1}, new double[] {1, 1}), 2, new Disjunct(List.of()));
        VerificationResult r = verify(Nets.linear(), p);
        assertEquals(Verdict.FALSIFIED, r.verdict());
    }

    @Test
    void aPropertyOfTheWrongSizeIsBadInput() {
        VnnlibProperty p = property(box(new double[] {0}, new double[] {1}), 1, new Disjunct(row(0, 1)));
        assertThrows(InvalidInputException.class, () -> verify(Nets.linear(), p));
    }

    @Test
    void verdictsHaveDistinctExitCodesApartFromOneAndTwo() {
        assertEquals(List.of(0, 10, 20, 30), java.util.Arrays.stream(Verdict.values()).map(Verdict::exitCode).toList());
        assertEquals(List.of("verified", "falsified", "unknown", "timeout"), java.util.Arrays.stream(Verdict.values()).map(Verdict::word).toList());
    }

    private static double[] forward(Network net, Ops<Tensor> ops, double[] x) {
        return ops.value(Forward.run(net, ops, ops.constant(new Tensor(x.clone(), net.inputShape().withBatch(1))))).data();
    }
}
