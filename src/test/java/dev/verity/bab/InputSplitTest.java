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
import dev.verity.testing.SharedData;
import dev.verity.verify.Margins;
import dev.verity.verify.Verdict;
import dev.verity.verify.VerificationResult;
import dev.verity.verify.Verifier;
import dev.verity.verify.VerifyOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class InputSplitTest {

    private static final Certifier TOLERANCE = Margins::certified;

    /**
     * {@code y = relu(x) + relu(-x) = |x|} on {@code x in [-1, 2]}: its minimum is 0 (at x = 0), but CROWN's adaptive
     * lines give {@code relu(x) >= x} (u = 2 >= -l) and {@code relu(-x) >= 0}, so {@code y >= x >= -1}.
     */
    static Network absolute() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}, {-1}}), Tensor.vector(0, 0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1}}), Tensor.vector(0)));
        return b.build();
    }

    static VnnlibProperty property(Box box, int outputs, Disjunct... unsafe) {
        return new VnnlibProperty(box.dimension(), outputs, List.of(new Case(box, List.of(unsafe))));
    }

    @Test
    void splittingProvesWhatCrownCannot() {
        Network net = absolute();
        Box box = new Box(new double[] {-1}, new double[] {2});
        // unsafe: y <= -0.5, i.e. the row y + 0.5 <= 0; it holds (y >= 0) by a margin of 0.5
        VnnlibProperty p = property(box, 1, new Disjunct(new LinearConstraint(new double[] {1}, 0.5)));
        BoundEngine engine = new BoundEngine(net);
        var crown = engine.bound(Method.CROWN, new Interval(box.lower(), box.upper()),
                Objective.of(List.of(new LinearConstraint(new double[] {1}, 0.5)), 1));
        assertEquals(-0.5, crown.lower()[0], 1e-12, "CROWN's bound: x + 0.5 >= -0.5 over [-1, 2]");
        Outcome o = new InputSplit(engine, BabOptions.defaults(), TOLERANCE).decide(p, 0, List.of(0), far());
        Outcome.Proven proven = assertInstanceOf(Outcome.Proven.class, o);
        assertTrue(proven.domains() > 1, "needs at least one split");
    }

    @Test
    void findsTheCounterexampleWhenThePropertyFails() {
        Network net = absolute();
        Box box = new Box(new double[] {-1}, new double[] {2});
        // unsafe: y <= 0.25 — true near x = 0, where CROWN's corner and the centre of [-1, 2] are not
        VnnlibProperty p = property(box, 1, new Disjunct(new LinearConstraint(new double[] {1}, -0.25)));
        Outcome o = new InputSplit(new BoundEngine(net), BabOptions.defaults(), TOLERANCE).decide(p, 0, List.of(0), far());
        Outcome.Refuted r = assertInstanceOf(Outcome.Refuted.class, o);
        double x = r.counterexample().input()[0];
        assertTrue(Math.abs(x) <= 0.25, "|x| <= 0.25 at the counterexample, got x = " + x);
    }

    /** Random two-input nets, margins near a sampled value: a proof is never contradicted by a dense grid, both outcomes occur. */
    @Test
    void neverProvesWhatAGridRefutes() {
        SplittableRandom r = new SplittableRandom(16);
        int proven = 0, refuted = 0;
        for (int t = 0; t < 40; t++) {
            Network net = RandomLayers.mlp(r, new int[] {2, 8, 8, 2}, new Layer.Relu());
            double[] c = {r.nextDouble(-1, 1), r.nextDouble(-1, 1)};
            double rad = r.nextDouble(0.1, 1.0);
            Box box = Box.around(c, rad);
            double[] y = Forward.evaluate(net, new Tensor(box.center(), 2)).data();
            // unsafe: y0 - y1 <= v, v a little below or above the value at the centre
            double v = (y[0] - y[1]) - r.nextDouble(-0.2, 0.6);
            VnnlibProperty p = property(box, 2, new Disjunct(new LinearConstraint(new double[] {1, -1}, -v)));
            if (decideAgainstGrid(net, p, t)) proven++; else refuted++;
        }
        assertTrue(proven >= 5 && refuted >= 5, "both outcomes should occur: proven " + proven + ", refuted " + refuted);
    }

    /**
     * As above with one disjunct of two rows (unsafe: y0 − y1 ≤ v1 and y0 − y2 ≤ v2, ACAS Xu's "COC is maximal" shape),
     * where a box may be excluded by a combination of the rows that neither excludes alone ({@link RowCombination}):
     * a proof is never contradicted by the grid.
     */
    @Test
    void neverProvesAConjunctionThatAGridRefutes() {
        SplittableRandom r = new SplittableRandom(23);
        int proven = 0, refuted = 0;
        for (int t = 0; t < 40; t++) {
            Network net = RandomLayers.mlp(r, new int[] {2, 8, 8, 3}, new Layer.Relu());
            Box box = Box.around(new double[] {r.nextDouble(-1, 1), r.nextDouble(-1, 1)}, r.nextDouble(0.1, 1.0));
            double[] y = Forward.evaluate(net, new Tensor(box.center(), 2)).data();
            double v1 = (y[0] - y[1]) - r.nextDouble(-0.2, 0.6), v2 = (y[0] - y[2]) - r.nextDouble(-0.2, 0.6);
            VnnlibProperty p = property(box, 3, new Disjunct(new LinearConstraint(new double[] {1, -1, 0}, -v1),
                    new LinearConstraint(new double[] {1, 0, -1}, -v2)));
            if (decideAgainstGrid(net, p, t)) proven++; else refuted++;
        }
        assertTrue(proven >= 5 && refuted >= 5, "both outcomes should occur: proven " + proven + ", refuted " + refuted);
    }

    @Test
    void aChildsPreActivationBoundsAreNeverLooserThanItsParents() {
        SplittableRandom r = new SplittableRandom(3);
        Network net = RandomLayers.mlp(r, new int[] {3, 10, 10, 2}, new Layer.Relu());
        BoundEngine engine = new BoundEngine(net);
        Objective obj = Objective.of(List.of(new LinearConstraint(new double[] {1, -1}, 0)), 2);
        Interval parent = new Interval(new double[] {-1, -1, -1}, new double[] {1, 1, 1});
        var p = engine.linearLower(Method.CROWN, parent, obj, Map.of());
        Interval child = new Interval(new double[] {-1, -1, 0}, new double[] {1, 1, 1});
        var c = engine.linearLower(Method.CROWN, child, obj, p.intermediate());
        assertTrue(c.lower()[0] >= p.lower()[0] - 1e-12, "child margin " + c.lower()[0] + " below the parent's " + p.lower()[0]);
        p.intermediate().forEach((id, b) -> {
            Interval cb = c.intermediate().get(id);
            for (int i = 0; i < b.size(); i++) {
                assertTrue(cb.lower(i) >= b.lower(i) - 1e-12 && cb.upper(i) <= b.upper(i) + 1e-12, "node " + id + " neuron " + i);
            }
        });
        // the linear bound is a lower bound: check it at sampled points of the child box
        for (int s = 0; s < 200; s++) {
            double[] x = {r.nextDouble(-1, 1), r.nextDouble(-1, 1), r.nextDouble(0, 1)};
            double[] y = Forward.evaluate(net, new Tensor(x.clone(), 3)).data();
            double lin = c.bias()[0];
            for (int j = 0; j < 3; j++) lin += c.coeff().data()[j] * x[j];
            assertTrue(y[0] - y[1] >= lin - 1e-9, "linear bound above the value at " + java.util.Arrays.toString(x));
            assertTrue(lin >= c.lower()[0] - 1e-9);
        }
    }

    /**
     * {@code y = relu(x) + relu(-x) - 0.5 relu(x + 1) + 0.5 = |x| - x/2 >= 0} on {@code [-1, 2]}; IBP gives {@code y >= -1},
     * CROWN {@code y >= x/2 >= -0.5}.
     */
    static Network tilted() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}, {-1}, {1}}), Tensor.vector(0, 0, 1)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1, -0.5}}), Tensor.vector(0.5)));
        return b.build();
    }

    @Test
    void theVerifyPipelineDecidesByInputSplitting() {
        Network net = tilted();
        Box box = new Box(new double[] {-1}, new double[] {2});
        // unsafe: y <= -0.3 (the row y + 0.3 <= 0): IBP and CROWN leave it open, splitting proves it
        VnnlibProperty p = property(box, 1, new Disjunct(new LinearConstraint(new double[] {1}, 0.3)));
        VerificationResult res = Verifier.verify(net, p, VerifyOptions.defaults(Duration.ofSeconds(30)));
        assertEquals(Verdict.VERIFIED, res.verdict());
        assertEquals(Verifier.INPUT_SPLIT, res.method());
    }

    /**
     * ACAS Xu instances (expected answers from VNN-COMP 2021) where the smear score of the final linear bound stalled:
     * 1_1 prop_2 (unsat; over 100,000 domains without a proof), 1_3 prop_2 (sat; no counterexample in 80,000 domains),
     * and 1_1 prop_5 (unsat), which a full lookahead does not prove in 500,000 domains. The gradient smear decides them
     * in 549, 697 and 3,595 domains. Bounded by domains as well as time, so a heuristic that needs many times more
     * domains fails here on any machine.
     */
    @Test
    void theGradientSmearDecidesAcasXuInstancesWhereTheLinearScoreStalls() throws java.io.IOException {
        String shared = System.getProperty("verity.shared");
        SharedData.assume(shared != null
                && java.nio.file.Files.isDirectory(java.nio.file.Path.of(shared, "benchmarks", "vnncomp2021", "acasxu")), "../shared/benchmarks not present");
        java.nio.file.Path dir = java.nio.file.Path.of(shared, "benchmarks", "vnncomp2021", "acasxu");
        record Case(String net, String prop, boolean holds, long maxDomains) {}
        for (Case k : List.of(new Case("1_1", "prop_2", true, 2_000), new Case("1_3", "prop_2", false, 2_000),
                new Case("1_1", "prop_5", true, 10_000))) {
            Network net = dev.verity.onnx.OnnxImporter.load(dir.resolve("ACASXU_run2a_" + k.net() + "_batch_2000.onnx"));
            VnnlibProperty p = dev.verity.spec.VnnlibReader.parse(java.nio.file.Files.readString(dir.resolve(k.prop() + ".vnnlib")), k.prop());
            List<Integer> all = java.util.stream.IntStream.range(0, p.cases().getFirst().unsafe().size()).boxed().toList();
            Outcome o = new InputSplit(new BoundEngine(net), BabOptions.defaults(), TOLERANCE)
                    .decide(p, 0, all, System.nanoTime() + 120_000_000_000L);
            String what = k.net() + " " + k.prop() + ": " + o;
            if (k.holds()) assertInstanceOf(Outcome.Proven.class, o, what);
            else assertTrue(p.cases().getFirst().isCounterexample(assertInstanceOf(Outcome.Refuted.class, o, what).counterexample().input(),
                    assertInstanceOf(Outcome.Refuted.class, o).counterexample().output()), what);
            assertTrue(o.domains() <= k.maxDomains(), what + " took more than " + k.maxDomains() + " domains");
        }
    }

    /**
     * VNN-COMP 2022 vdp_6 (3 inputs, 64 ReLUs; `sat`): unsafe only where |y_1|, |y_2| <= 0.76 and y_0 >= 0.15 together,
     * 3 points in 200,000 uniform samples of the box. Neither PGD over the whole box nor the domains' centres and
     * corners found it in over a million domains; PGD inside the popped domains finds it in a few hundred.
     */
    @Test
    void pgdInsideTheHardestDomainsFindsACounterexampleInASmallPocket() {
        String shared = System.getProperty("verity.shared");
        java.nio.file.Path dir = shared == null ? null : java.nio.file.Path.of(shared, "benchmarks", "vnncomp2022", "reach_prob_density");
        SharedData.assume(dir != null && java.nio.file.Files.isDirectory(dir), "../shared/benchmarks not present");
        Network net = dev.verity.onnx.OnnxImporter.load(dir.resolve("onnx/vdp.onnx.gz"));
        VnnlibProperty p = dev.verity.spec.VnnlibReader.read(dir.resolve("vnnlib/vdp_6.vnnlib.gz"));
        Outcome o = new InputSplit(new BoundEngine(net), BabOptions.defaults(), TOLERANCE)
                .decide(p, 0, List.of(0), System.nanoTime() + 60_000_000_000L);
        Outcome.Refuted r = assertInstanceOf(Outcome.Refuted.class, o, o.toString());
        assertTrue(p.isCounterexample(r.counterexample().input(), r.counterexample().output()));
        assertTrue(o.domains() <= 5_000, "took " + o.domains() + " domains");
    }

    /**
     * y = x + 1e-12 on [0, 1], unsafe y ≤ 0: the property holds, but by less than the certification tolerance near x = 0,
     * so no domain there is ever proven. Splitting stops once a domain is narrower than {@link InputSplit#MIN_WIDTH} of
     * the box — undecided, "too small", after some thousands of domains rather than at the deadline — so the stages
     * after it still get their time.
     */
    @Test
    void aMarginBelowTheToleranceEndsInDomainsTooSmallNotAtTheDeadline() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}}), Tensor.vector(1e-12)));
        Network net = b.build();
        VnnlibProperty p = property(new Box(new double[] {0}, new double[] {1}), 1, new Disjunct(new LinearConstraint(new double[] {1}, 0)));
        Outcome o = new InputSplit(new BoundEngine(net), BabOptions.defaults(), TOLERANCE).decide(p, 0, List.of(0), far());
        Outcome.Undecided u = assertInstanceOf(Outcome.Undecided.class, o, o.toString());
        assertTrue(u.why().contains("too small"), u.why());
        assertTrue(u.domains() < 1_000_000, "took " + u.domains() + " domains");
        assertTrue(u.worstMargin() >= 0, "the margins stay non-negative: " + u.worstMargin());
    }

    @Test
    void optionsRejectMethodsWithoutALinearInputBound() {
        assertThrows(IllegalArgumentException.class, () -> BabOptions.defaults().withMethod(Method.IBP));
        assertThrows(IllegalArgumentException.class, () -> BabOptions.defaults().withMethod(Method.ALPHA_CROWN));
        assertThrows(IllegalArgumentException.class, () -> BabOptions.defaults().withLookahead(0));
    }

    private static long far() { return System.nanoTime() + 10_000_000_000L; }

    /**
     * Decides the property's first disjunct on the net within 5 s: true when proven (then no point of a 201 × 201 grid of
     * the box is unsafe), false when refuted (the counterexample re-checked); undecided fails.
     */
    private static boolean decideAgainstGrid(Network net, VnnlibProperty p, int t) {
        Outcome o = new InputSplit(new BoundEngine(net), BabOptions.defaults(), TOLERANCE)
                .decide(p, 0, List.of(0), System.nanoTime() + 5_000_000_000L);
        Case c = p.cases().getFirst();
        Box box = c.input();
        switch (o) {
            case Outcome.Proven pr -> {
                int g = 200;
                for (int i = 0; i <= g; i++)
                    for (int j = 0; j <= g; j++) {
                        double[] x = {box.lower(0) + box.width(0) * i / g, box.lower(1) + box.width(1) * j / g};
                        double[] out = Forward.evaluate(net, new Tensor(x, 2)).data();
                        assertFalse(c.isUnsafeOutput(out), "net " + t + ": proved, but the grid point " + java.util.Arrays.toString(x) + " is unsafe");
                    }
                return true;
            }
            case Outcome.Refuted rf -> {
                assertTrue(c.isCounterexample(rf.counterexample().input(), rf.counterexample().output()));
                return false;
            }
            case Outcome.Undecided u -> throw new AssertionError("net " + t + " undecided in 5 s: " + u);
        }
    }
}
