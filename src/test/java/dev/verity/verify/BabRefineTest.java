package dev.verity.verify;

import dev.verity.bab.BabOptions;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.milp.MilpOptions;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Disjunct;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** ReLU splitting over MILP-refined bounds (α,β-CROWN's bab-refine): what it proves, and that its evidence says whose word it is. */
class BabRefineTest {

    /**
     * 20 inputs (too many for input splitting), x0 and x1 used: {@code v = relu(x0 + x1) + relu(x0 − x1 + 2) − 4},
     * {@code y = 1 − relu(v)}. On {@code [−1, 1]^20} the second neuron is stable and {@code v <= 0} exactly (at
     * {@code x0 = 1}: 2 + 2 − 4 or 0 + 4 − 4), so {@code y = 1}. The first neuron's triangle — the tightest convex
     * relaxation of it — lets {@code v} reach 1 (at (1, −1) with {@code relu(0) = 1}), and then {@code y} only has
     * {@code y >= 1 − (v + 4)/5 >= 0}: no relaxation proves {@code y > 0.6}. A MILP for {@code v}'s upper bound finds 0,
     * which makes {@code relu(v)} inactive: the root domain proves it at once.
     */
    static Network refinableNet() {
        double[][] w = new double[2][20];
        w[0][0] = 1; w[0][1] = 1; w[1][0] = 1; w[1][1] = -1;
        Network.Builder b = Network.builder(new Shape(20));
        b.add(new Layer.Dense(Tensor.matrix(w), Tensor.vector(0, 2)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1}}), Tensor.vector(-4)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{-1}}), Tensor.vector(1)));
        return b.build();
    }

    private static VnnlibProperty yAbove(double t) {
        double[] lo = new double[20], hi = new double[20];
        Arrays.fill(lo, -1);
        Arrays.fill(hi, 1);
        return Nets.property(new Box(lo, hi), 1, new Disjunct(Nets.row(-t, 1))); // unsafe: y − t <= 0
    }

    /** A run of {@code seconds} on the refinable net, its stage lines into {@code log}. */
    private static RunState runState(VnnlibProperty p, int seconds, List<StageLog> log) {
        Network net = refinableNet();
        VerifyOptions options = VerifyOptions.defaults(Duration.ofSeconds(seconds));
        return new RunState(net, new BoundEngine(net, options.boundOptions()), options, p, log::add, Duration.ofSeconds(seconds).toNanos());
    }

    @Test
    void noRelaxationProvesIt() {
        Network net = refinableNet();
        VnnlibProperty p = yAbove(0.6);
        var c = p.cases().getFirst();
        Interval box = new Interval(c.input().lower(), c.input().upper());
        Objective obj = Objective.of(List.of(Nets.row(-0.6, 1)), 1);
        BoundEngine engine = new BoundEngine(net);
        assertEquals(-0.6, engine.boundLower(Method.ALPHA_CROWN, box, obj).lower()[0], 1e-6, "alpha-CROWN: y >= 0");
        assertEquals(-0.6, engine.boundLower(Method.LP_ALL, box, obj).lower()[0], 1e-6, "LP-ALL: y >= 0");
    }

    /**
     * A first attempt given no time leaves the case open; the MILP refinement makes the second one prove it, and the
     * verdict says that it rests on the solver: stage bab-refine, kind solver-trusted, not outward-rounded.
     */
    @Test
    void theRefinedAttemptProvesItAndSaysItIsSolverTrusted() {
        List<StageLog> log = new ArrayList<>();
        RunState run = runState(yAbove(0.6), 60, log);
        BabStage stage = new BabStage(BabOptions.defaults(), false, Optional.of(MilpOptions.defaults()), 0.0);
        VerificationResult r = stage.run(run).orElseThrow();
        assertEquals(Verdict.VERIFIED, r.verdict(), () -> "log: " + log);
        assertEquals(Verifier.RELU_SPLIT_REFINED, r.method());
        assertEquals(List.of(new Evidence(0, 0, Verifier.RELU_SPLIT_REFINED, Evidence.Kind.SOLVER, Double.NaN, false)), r.evidence());
        assertTrue(r.solverTrusted());
        assertEquals(List.of(Verifier.RELU_SPLIT, "refine", Verifier.RELU_SPLIT_REFINED), log.stream().map(StageLog::stage).toList());
        assertTrue(log.get(1).outcome().contains("1 made stable by MILP"), log.get(1).outcome());
        // The refined bounds are the MILP's alone: the sound bounds later stages use are untouched.
        assertTrue(run.bestBounds(0).isEmpty());
        Map<Integer, Interval> milp = run.milpBounds(0);
        Interval v = milp.get(run.net.nodes().get(3).id());
        assertTrue(v.upper(0) <= 1e-6, "v <= 0 by the MILP: " + v.upper(0));
    }

    /** Where the first attempt decides, nothing is refined and the evidence is branch and bound's own. */
    @Test
    void aFirstAttemptThatProvesNeedsNoRefinement() {
        List<StageLog> log = new ArrayList<>();
        RunState run = runState(yAbove(0.6), 60, log);
        VerificationResult r = new BabStage(BabOptions.defaults(), false, Optional.of(MilpOptions.defaults())).run(run).orElseThrow();
        assertEquals(Verdict.VERIFIED, r.verdict());
        assertEquals(Verifier.RELU_SPLIT, r.method());
        assertFalse(r.solverTrusted());
        assertEquals(List.of(Verifier.RELU_SPLIT), log.stream().map(StageLog::stage).toList());
    }

    /** A property that is false (y = 1 everywhere, unsafe y <= 1.1) is never proved, refined or not. */
    @Test
    void refinementNeverProvesAFalseProperty() {
        RunState run = runState(yAbove(1.1), 20, new ArrayList<>());
        Optional<VerificationResult> r = new BabStage(BabOptions.defaults(), false, Optional.of(MilpOptions.defaults()), 0.0).run(run);
        assertTrue(r.isEmpty() || r.get().verdict() != Verdict.VERIFIED, () -> "verdict " + r);
    }

    /** Refinement is planned only with the MILP on and {@code babRefine} (it uses the MILP's solver), and on MLPs only. */
    @Test
    void thePlanRefinesOnlyWhenTheMilpRunsAndRefinementIsOn() {
        Network net = refinableNet();
        VerifyOptions on = VerifyOptions.defaults(Duration.ofSeconds(60));
        assertTrue(babStage(net, on).refine().isPresent());
        assertTrue(babStage(net, on.withMilp(Optional.empty())).refine().isEmpty());
        assertTrue(babStage(net, on.withMilp(Optional.of(MilpOptions.defaults().withBabRefine(false)))).refine().isEmpty());
        Network conv = dev.verity.testing.RandomLayers.convRelu(new java.util.SplittableRandom(3));
        assertFalse(BabStage.refinable(conv));
        assertTrue(BabStage.refinable(net));
    }

    private static BabStage babStage(Network net, VerifyOptions options) {
        return new Verifier(net, options).plan().stream().filter(s -> s instanceof BabStage).map(s -> (BabStage) s).findFirst().orElseThrow();
    }

    /**
     * Random nets of 20 inputs with two hidden layers and properties near the value at the box's centre, decided by a
     * first attempt given no time, the refinement and a second attempt: a VERIFIED is never contradicted by 20,000
     * sampled points, a FALSIFIED's point is a counterexample, and proofs through the refinement happen.
     */
    @Test
    void refinedSplittingNeverProvesWhatSamplingRefutes() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(33);
        int proven = 0, refined = 0, falsified = 0;
        for (int t = 0; t < 20; t++) {
            Network net = dev.verity.testing.RandomLayers.mlp(r, new int[] {20, 12, 12, 2}, new Layer.Relu());
            double[] c = new double[20];
            for (int j = 0; j < c.length; j++) c[j] = r.nextDouble(-1, 1);
            Box box = Box.around(c, r.nextDouble(0.02, 0.15));
            double[] y = dev.verity.model.Forward.evaluate(net, new Tensor(box.center(), 20)).data();
            double v = (y[0] - y[1]) - r.nextDouble(-0.1, 1.5);
            VnnlibProperty p = Nets.property(box, 2, new Disjunct(Nets.row(-v, 1, -1))); // unsafe: y0 − y1 <= v
            VerifyOptions options = VerifyOptions.defaults(Duration.ofSeconds(10));
            RunState run = new RunState(net, new BoundEngine(net, options.boundOptions()), options, p, s -> {}, Duration.ofSeconds(10).toNanos());
            Optional<VerificationResult> res = new BabStage(BabOptions.defaults(), false, Optional.of(MilpOptions.defaults()), 0.0).run(run);
            if (res.isEmpty()) continue;
            switch (res.get().verdict()) {
                case VERIFIED -> {
                    proven++;
                    if (res.get().method().equals(Verifier.RELU_SPLIT_REFINED)) refined++;
                    java.util.SplittableRandom s = new java.util.SplittableRandom(t);
                    for (int i = 0; i < 20_000; i++) {
                        double[] x = new double[20];
                        for (int j = 0; j < 20; j++) x[j] = s.nextDouble(box.lower(j), box.upper(j));
                        double[] out = dev.verity.model.Forward.evaluate(net, new Tensor(x, 20)).data();
                        assertTrue(out[0] - out[1] > v, "net " + t + ": proved, but a sampled point is unsafe");
                    }
                }
                case FALSIFIED -> {
                    falsified++;
                    assertTrue(p.cases().getFirst().isCounterexample(res.get().counterexample().input(), res.get().counterexample().output()));
                }
                case UNKNOWN, TIMEOUT -> { }
            }
        }
        assertTrue(proven >= 3 && refined >= 1, proven + " proven, " + refined + " of them after the refinement, " + falsified + " falsified");
    }
}
