package dev.verity.bab;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Tensor;
import dev.verity.testing.RandomLayers;
import dev.verity.verify.Margins;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ReluSplitTest {
    private static final Certifier TOLERANCE = Margins::certified;

    /**
     * {@code y = 4.5 − relu(x1 + x2) − relu(x1 − x2 + 2)} on {@code [−1, 1]²}. The second neuron is stable (its input is in
     * [0, 4]), so {@code y = 2.5 − relu(x1 + x2) − (x1 − x2)}, whose minimum is 0.5 (at (1, −1), (1, 0) and (1, 1)). The
     * first neuron's triangle — the convex hull of one ReLU, so no single-neuron relaxation is tighter, LP-ALL included
     * — allows {@code relu(z) = (z + 2)/2 = 1} at (1, −1), where y would be −0.5. Split once, both halves are linear:
     * active {@code y = 2.5 − 2·x1 >= 0.5}, inactive {@code y = 2.5 − x1 + x2 >= 0.5} on {@code x1 + x2 <= 0}.
     */
    static Network oneSplitNet() {
        Network.Builder b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1}, {1, -1}}), Tensor.vector(0, 2)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{-1, -1}}), Tensor.vector(4.5)));
        return b.build();
    }

    static VnnlibProperty property(Box box, int outputs, Disjunct... unsafe) {
        return new VnnlibProperty(box.dimension(), outputs, List.of(new Case(box, List.of(unsafe))));
    }

    @Test
    void oneSplitProvesWhatNoSingleNeuronRelaxationCan() {
        Network net = oneSplitNet();
        Box box = new Box(new double[] {-1, -1}, new double[] {1, 1});
        LinearConstraint y = new LinearConstraint(new double[] {1}, 0); // unsafe: y <= 0
        VnnlibProperty p = property(box, 1, new Disjunct(y));
        BoundEngine engine = new BoundEngine(net);
        Interval b = new Interval(box.lower(), box.upper());
        Objective obj = Objective.of(List.of(y), 1);
        assertEquals(-0.5, engine.boundLower(Method.ALPHA_CROWN, b, obj).lower()[0], 1e-9, "alpha-CROWN");
        assertEquals(-0.5, engine.boundLower(Method.LP_ALL, b, obj).lower()[0], 1e-6, "LP over the triangle (LP-ALL)");
        Outcome o = new ReluSplit(engine, BabOptions.defaults(), TOLERANCE).decide(p, 0, List.of(0), far(), Map.of());
        Outcome.Proven proven = assertInstanceOf(Outcome.Proven.class, o);
        assertEquals(3, proven.domains(), "the root and its two children");
        assertEquals(1, proven.maxDepth());
    }

    /**
     * The same function of 20 inputs (too many for input splitting; the other 18 have zero weight): {@code verify}'s
     * default pipeline proves it by ReLU splitting after alpha-CROWN fails, before any LP or MILP stage.
     */
    @Test
    void verifyProvesItByReluSplitting() {
        Network net = dev.verity.testing.HandNets.oneSplit(20);
        VnnlibProperty p = dev.verity.testing.HandNets.oneSplitProperty(20);
        List<dev.verity.verify.StageLog> stages = new java.util.ArrayList<>();
        var res = new dev.verity.verify.Verifier(net, dev.verity.verify.VerifyOptions.defaults(java.time.Duration.ofSeconds(60)))
                .verify(p, stages::add);
        assertEquals(dev.verity.verify.Verdict.VERIFIED, res.verdict());
        assertEquals(dev.verity.verify.Verifier.RELU_SPLIT, res.method());
        assertTrue(stages.stream().anyMatch(s -> s.stage().equals("alpha-crown")), "alpha-CROWN runs first: " + stages);
        assertEquals(List.of(new dev.verity.verify.Evidence(0, 0, "bab-relu", dev.verity.verify.Evidence.Kind.BRANCH_AND_BOUND, Double.NaN, false)),
                res.evidence());
        assertFalse(res.solverTrusted());
    }

    @Test
    void findsACornerCounterexample() {
        Network net = oneSplitNet();
        Box box = new Box(new double[] {-1, -1}, new double[] {1, 1});
        // unsafe: y <= 0.6 — true at (1, ±1) and (1, 0) only, the corners of the box where y = 0.5
        VnnlibProperty p = property(box, 1, new Disjunct(new LinearConstraint(new double[] {1}, -0.6)));
        Outcome o = new ReluSplit(new BoundEngine(net), BabOptions.defaults(), TOLERANCE).decide(p, 0, List.of(0), far(), Map.of());
        Outcome.Refuted r = assertInstanceOf(Outcome.Refuted.class, o);
        assertEquals(1, r.counterexample().input()[0], 0);
        assertTrue(r.counterexample().output()[0] <= 0.6);
    }

    /**
     * Random nets with three hidden layers and properties near the value at a sampled point: a proof is never contradicted
     * by 20,000 sampled points and the box's corners; proofs happen — with each child's bounds recomputed, and with its
     * parent's kept ({@link BabOptions#recompute()} off, what large nets get).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void neverProvesWhatSamplingRefutes(boolean recompute) {
        SplittableRandom r = new SplittableRandom(21);
        int proven = 0, refuted = 0;
        for (int t = 0; t < 30; t++) {
            Network net = RandomLayers.mlp(r, new int[] {3, 10, 10, 10, 2}, new Layer.Relu());
            double[] c = {r.nextDouble(-1, 1), r.nextDouble(-1, 1), r.nextDouble(-1, 1)};
            Box box = Box.around(c, r.nextDouble(0.2, 1.0));
            double[] y = Forward.evaluate(net, new Tensor(box.center(), 3)).data();
            double v = (y[0] - y[1]) - r.nextDouble(-0.2, 1.0);
            VnnlibProperty p = property(box, 2, new Disjunct(new LinearConstraint(new double[] {1, -1}, -v)));
            Outcome o = new ReluSplit(new BoundEngine(net), BabOptions.defaults().withRecompute(recompute), TOLERANCE)
                    .decide(p, 0, List.of(0), System.nanoTime() + 3_000_000_000L, Map.of());
            switch (o) {
                case Outcome.Proven pr -> {
                    proven++;
                    SplittableRandom s = new SplittableRandom(t);
                    for (int i = 0; i < 20_000 + 8; i++) {
                        double[] x = new double[3];
                        for (int j = 0; j < 3; j++)
                            x[j] = i < 8 ? ((i >> j & 1) == 0 ? box.lower(j) : box.upper(j)) : s.nextDouble(box.lower(j), box.upper(j));
                        double[] out = Forward.evaluate(net, new Tensor(x, 3)).data();
                        assertTrue(out[0] - out[1] > v, "net " + t + ": proved, but " + java.util.Arrays.toString(x) + " is unsafe");
                    }
                }
                case Outcome.Refuted rf -> {
                    refuted++;
                    assertTrue(p.cases().getFirst().isCounterexample(rf.counterexample().input(), rf.counterexample().output()));
                }
                case Outcome.Undecided u -> { } // a false property whose counterexample is not a corner of any domain
            }
        }
        assertTrue(proven >= 5, "proofs should occur: " + proven + " proven, " + refuted + " refuted");
    }

    /** Past the deadline it stops undecided, with the open domains' worst margin. */
    @Test
    void stopsAtTheDeadline() {
        SplittableRandom r = new SplittableRandom(5);
        Network net = RandomLayers.mlp(r, new int[] {4, 20, 20, 2}, new Layer.Relu());
        Box box = Box.around(new double[4], 1.0);
        LinearConstraint diff = new LinearConstraint(new double[] {1, -1}, 0);
        double crown = new BoundEngine(net).boundLower(Method.CROWN, new Interval(box.lower(), box.upper()), Objective.of(List.of(diff), 2)).lower()[0];
        double sampled = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 10_000; i++) {
            double[] x = new double[4];
            for (int j = 0; j < 4; j++) x[j] = r.nextDouble(-1, 1);
            double[] y = Forward.evaluate(net, new Tensor(x, 4)).data();
            sampled = Math.min(sampled, y[0] - y[1]);
        }
        assertTrue(crown < sampled - 0.1, "a gap to close: CROWN " + crown + ", sampled minimum " + sampled);
        // unsafe: y0 − y1 <= v with v between CROWN's bound and the sampled minimum: no corner refutes it, no root bound proves it
        double v = crown + 0.25 * (sampled - crown);
        VnnlibProperty p = property(box, 2, new Disjunct(new LinearConstraint(new double[] {1, -1}, -v)));
        Outcome o = new ReluSplit(new BoundEngine(net), BabOptions.defaults(), TOLERANCE).decide(p, 0, List.of(0), System.nanoTime(), Map.of());
        Outcome.Undecided u = assertInstanceOf(Outcome.Undecided.class, o);
        assertTrue(u.why().contains("deadline"), u.why());
        assertTrue(u.worstMargin() < 0);
        assertEquals(1, u.domains());
    }

    @Test
    void refusesNetworksWithOtherNonlinearities() {
        Network net = RandomLayers.mlp(new SplittableRandom(1), new int[] {2, 4, 2}, new Layer.Sigmoid());
        assertTrue(ReluSplit.unsuited(net).orElseThrow().contains("ReLU"));
        assertThrows(IllegalArgumentException.class, () -> new ReluSplit(new BoundEngine(net), BabOptions.defaults(), TOLERANCE));
    }

    private static long far() {
        return System.nanoTime() + 60_000_000_000L;
    }
}
