package dev.verity.bounds;

import dev.verity.InvalidInputException;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.sdp.SdpOptions;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibProperty;
import dev.verity.testing.RandomLayers;
import dev.verity.verify.RobustnessProperty;
import dev.verity.verify.StageLog;
import dev.verity.verify.Verifier;
import dev.verity.verify.VerifyOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code sdp} preset (paper 002) inside the engine and the verifier. Its soundness on random nets (sampled and
 * attacked outputs inside its bounds) is part of {@link SoundnessPropertyTest}, which runs every preset a net supports.
 */
class SdpPresetTest {

    /** A two-dimensional input lets brute force find the true minimum of a margin on a fine grid. */
    private static double gridMin(Network net, Interval box, double[] c) {
        double best = Double.POSITIVE_INFINITY;
        int steps = 400;
        for (int a = 0; a <= steps; a++) {
            for (int b = 0; b <= steps; b++) {
                double x0 = box.lower(0) + (box.upper(0) - box.lower(0)) * a / steps;
                double x1 = box.lower(1) + (box.upper(1) - box.lower(1)) * b / steps;
                double[] y = forward(net, new double[]{x0, x1});
                double v = 0;
                for (int o = 0; o < y.length; o++) v += c[o] * y[o];
                best = Math.min(best, v);
            }
        }
        return best;
    }

    /**
     * In a verifier's use (lower bounds only) every certified margin is positive at the brute-force minimum too, and
     * the SDP certifies some margin that intervals do not (so the stop-at-threshold path is exercised, not just "never
     * certified").
     */
    @Test
    void verifierBoundsNeverContradictBruteForceAndBeatIntervals() {
        int sdpOnly = 0, certified = 0;
        for (long seed = 1; seed <= 12; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            Network net = RandomLayers.mlp(r, new int[]{2, 8, 3}, new Layer.Relu());
            double[] centre = {r.nextDouble(-1, 1), r.nextDouble(-1, 1)};
            double eps = r.nextDouble(0.05, 0.4);
            Interval box = new Interval(new double[]{centre[0] - eps, centre[1] - eps}, new double[]{centre[0] + eps, centre[1] + eps});
            int label = argmax(forward(net, centre));
            Objective margins = Objective.robustness(label, 3);
            BoundEngine engine = new BoundEngine(net);
            double[] sdp = engine.boundLower(Method.SDP, box, margins).lower();
            double[] ibp = engine.bound(Method.IBP, box, margins).lower();
            double[] c = margins.c().data();
            for (int i = 0; i < margins.rows(); i++) {
                double truth = gridMin(net, box, java.util.Arrays.copyOfRange(c, 3 * i, 3 * i + 3));
                assertTrue(sdp[i] <= truth + 1e-9, "seed " + seed + " row " + i + ": sdp lower bound " + sdp[i] + " above the true minimum " + truth);
                if (sdp[i] > 0) certified++;
                if (sdp[i] > 0 && ibp[i] <= 0) sdpOnly++;
            }
        }
        assertTrue(certified > 0, "no margin certified at all");
        assertTrue(sdpOnly > 0, "the SDP never certified a margin that intervals miss");
    }

    /** The output bounds of {@code bounds --method sdp} (both directions by the SDP) contain every sampled output. */
    @Test
    void bothDirectionsContainSampledOutputs() {
        SplittableRandom r = new SplittableRandom(7);
        Network net = RandomLayers.mlp(r, new int[]{3, 6, 5, 2}, new Layer.Relu());
        Interval box = RandomLayers.box(r, 3, 0.7);
        BoundResult b = new BoundEngine(net).bound(Method.SDP, box, Objective.identity(2));
        for (int s = 0; s < 2000; s++) {
            double[] x = new double[3];
            for (int k = 0; k < 3; k++) x[k] = box.lower(k) + r.nextDouble() * (box.upper(k) - box.lower(k));
            double[] y = forward(net, x);
            for (int o = 0; o < 2; o++) assertTrue(b.lower()[o] <= y[o] && y[o] <= b.upper()[o], "output " + o + " = " + y[o] + " outside the sdp bounds");
        }
    }

    /**
     * The relaxation has the triangle cut and each SDP keeps CROWN's dual point as a certified bound, so sdp's lower
     * bounds are never below CROWN's over the same intermediate bounds — with any step budget, here a tiny one — and
     * over one- and two-hidden-layer nets some row is strictly tighter with a real budget.
     */
    @Test
    void neverLooserThanCrownAndSometimesTighter() {
        double gain = 0;
        for (long seed = 0; seed < 8; seed++) {
            SplittableRandom r = new SplittableRandom(seed + 100);
            int[] widths = seed % 2 == 0 ? new int[]{3, 8, 3} : new int[]{3, 6, 6, 3};
            Network net = RandomLayers.mlp(r, widths, new Layer.Relu());
            Interval box = RandomLayers.box(r, 3, 0.8);
            Objective obj = Objective.robustness((int) (seed % 3), 3);
            double[] crown = new BoundEngine(net).bound(Method.CROWN, box, obj).lower();
            BoundOptions tiny = BoundOptions.defaults().withSdp(new SdpOptions(1e-9, Duration.ofSeconds(30), 3, 0));
            double[] few = new BoundEngine(net, tiny).bound(Method.SDP, box, obj).lower();
            double[] full = new BoundEngine(net, BoundOptions.defaults().withSdp(new SdpOptions(1e-6, Duration.ofMillis(400), 1_000_000, 0)))
                    .bound(Method.SDP, box, obj).lower();
            for (int i = 0; i < crown.length; i++) {
                double slack = 1e-9 * (1 + Math.abs(crown[i]));
                assertTrue(few[i] >= crown[i] - slack, "seed " + seed + " row " + i + ": sdp (3 steps) " + few[i] + " below crown " + crown[i]);
                assertTrue(full[i] >= crown[i] - slack, "seed " + seed + " row " + i + ": sdp " + full[i] + " below crown " + crown[i]);
                gain = Math.max(gain, full[i] - crown[i]);
            }
        }
        assertTrue(gain > 1e-3, "sdp never tighter than crown: " + gain);
    }

    /**
     * Across calls of one {@link BoundEngine#withWarmStarts()} view the SDP starts from its last multipliers, so with a
     * step budget too small to converge the second call on the same problem is tighter; the plain engine repeats itself.
     */
    @Test
    void aWarmStartedViewContinuesWhereTheLastCallStopped() {
        // (Rows where the few steps do not get below CROWN's bound report CROWN's, in both calls: the gain is looked
        // for over several nets.)
        double gain = 0;
        for (long seed = 3; seed < 11; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            Network net = RandomLayers.mlp(r, new int[]{4, 10, 3}, new Layer.Relu());
            Interval box = RandomLayers.box(r, 4, 0.8);
            Objective obj = Objective.robustness(0, 3);
            BoundOptions few = BoundOptions.defaults().withSdp(new SdpOptions(1e-9, Duration.ofSeconds(30), 40, 0));
            BoundEngine plain = new BoundEngine(net, few), view = plain.withWarmStarts();
            double[] cold1 = plain.bound(Method.SDP, box, obj).lower(), cold2 = plain.bound(Method.SDP, box, obj).lower();
            assertEquals(cold1[0], cold2[0], 0.0, "the plain engine keeps nothing between calls");
            double[] warm1 = view.bound(Method.SDP, box, obj).lower(), warm2 = view.bound(Method.SDP, box, obj).lower();
            for (int i = 0; i < warm1.length; i++) {
                assertTrue(warm2[i] >= warm1[i] - 1e-9, "seed " + seed + " row " + i + ": the warm-started bound got looser");
                gain = Math.max(gain, warm2[i] - warm1[i]);
            }
        }
        assertTrue(gain > 1e-4, "no row gained from its warm start: " + gain);
    }

    @Test
    void layersTheSdpDoesNotCoverAreAClearErrorNamingTheLayer() {
        Network net = RandomLayers.convRelu(new SplittableRandom(2));
        BoundEngine engine = new BoundEngine(net);
        assertFalse(engine.supports(Method.SDP));
        Interval box = RandomLayers.box(new SplittableRandom(1), net.inputShape().numel(), 0.3);
        var e = assertThrows(InvalidInputException.class, () -> engine.bound(Method.SDP, box, Objective.identity(net.outputShape().numel())));
        assertTrue(e.getMessage().contains("sdp") && e.getMessage().contains("Conv2d"), e.getMessage());
    }

    /**
     * The default verify pipeline runs sdp where it suits the net (one hidden layer, small) and skips it, saying why,
     * on a deeper one; named explicitly it runs on the deeper one too.
     */
    @Test
    void theVerifierRunsTheSdpStageWhereItSuits() {
        SplittableRandom r = new SplittableRandom(11);
        Network shallow = RandomLayers.mlp(r, new int[]{3, 12, 3}, new Layer.Relu());
        Network deep = RandomLayers.mlp(r, new int[]{3, 6, 6, 3}, new Layer.Relu());
        assertEquals(Optional.empty(), Verifier.unsuited(shallow, Method.SDP));
        assertTrue(Verifier.unsuited(deep, Method.SDP).orElseThrow().contains("one-hidden-layer"));
        // the sdp stage alone, as the default pipeline would treat it (not named by the user), on a small box that holds
        VerifyOptions o = VerifyOptions.defaults(Duration.ofSeconds(60)).withMilp(Optional.empty()).withMethods(List.of(Method.SDP)).withBab(Optional.empty());
        StageLog ran = stageOutcome(shallow, o, "sdp");
        assertTrue(ran.outcome().startsWith("excluded"), ran.outcome());
        assertTrue(stageOutcome(deep, o, "sdp").outcome().startsWith("skipped: the default pipeline runs sdp on one-hidden-layer"));
        StageLog forced = stageOutcome(deep, o.withExplicitMethods(List.of(Method.SDP)), "sdp");
        assertFalse(forced.outcome().startsWith("skipped"), forced.outcome());
    }

    private static StageLog stageOutcome(Network net, VerifyOptions o, String stage) {
        double[] x = {0.1, -0.2, 0.3};
        int label = argmax(forward(net, x));
        VnnlibProperty p = RobustnessProperty.of(x, 1e-3, label, 3, null);
        List<StageLog> log = new ArrayList<>();
        new Verifier(net, o.withPgd(o.pgd().withRestarts(1).withSteps(1))).verify(p, log::add);
        return log.stream().filter(s -> s.stage().equals(stage)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + stage + " stage in " + log));
    }

    private static double[] forward(Network net, double[] x) {
        return dev.verity.model.Forward.run(net, dev.verity.tensor.TensorOps.INSTANCE,
                new dev.verity.tensor.Tensor(x.clone(), net.inputShape().withBatch(1))).data();
    }

    private static int argmax(double[] y) {
        int best = 0;
        for (int i = 1; i < y.length; i++) if (y[i] > y[best]) best = i;
        return best;
    }
}
