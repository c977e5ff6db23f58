package dev.verity.milp;

import dev.verity.InvalidInputException;
import dev.verity.attack.Counterexample;
import dev.verity.attack.Counterexamples;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.lp.TriangleLp;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static dev.verity.milp.MilpNets.HAT_BOX;
import static dev.verity.milp.MilpNets.crown;
import static dev.verity.milp.MilpNets.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link MilpVerifier}: exact minima and decisions on the hand-made hat net (where the Triangle LP is provably loose),
 * decisions around the brute-force minimum of random nets, the three backends' agreement, and the refusal of nets no
 * MILP encodes exactly.
 */
class MilpVerifierTest {
    static final Duration LIMIT = Duration.ofSeconds(30);

    static MilpVerifier verifier(Network net, MilpBackend backend) {
        return new MilpVerifier(net, MilpOptions.defaults().withBackend(backend).withThreads(1));
    }

    static MilpVerifier.Decision decide(Network net, MilpBackend backend, VnnlibProperty p) {
        Disjunct d = p.cases().getFirst().unsafe().getFirst();
        return verifier(net, backend).decide(p, 0, 0, crown(net, p.cases().getFirst().input(), d), in(LIMIT), new MilpVerifier.Cancel());
    }

    // ---- the hat net: y = relu(x) − 2 relu(x − 1) on [-1, 2], max y = 1 at x = 1 -----------------------------------

    @Test
    void theHatNetsBoundsAreTheExactPreActivationRanges() {
        Map<Integer, Interval> b = crown(MilpNets.hat(), HAT_BOX, new Disjunct(new LinearConstraint(new double[] {-1}, 0)));
        assertEquals(List.of(1), List.copyOf(b.keySet()));
        // z1 = x in [-1, 2], z2 = x − 1 in [-2, 1]: both unstable, so the MILP has two binaries.
        assertArrayEquals(new double[] {-1, -2}, b.get(1).lower(), 1e-12);
        assertArrayEquals(new double[] {2, 1}, b.get(1).upper(), 1e-12);
    }

    @ParameterizedTest
    @EnumSource(MilpBackend.class)
    void theHatNetsMinimumOfMinusYIsExactlyMinusOneAtXEqualsOne(MilpBackend backend) {
        Network net = MilpNets.hat();
        Disjunct minusY = new Disjunct(new LinearConstraint(new double[] {-1}, 0));
        MilpVerifier.Minimum m = verifier(net, backend).minimum(HAT_BOX, minusY, crown(net, HAT_BOX, minusY), in(LIMIT));
        assertTrue(m.optimal(), backend + ": not optimal");
        assertEquals(-1, m.value(), 1e-6, backend + " value");
        assertEquals(-1, m.bound(), 1e-6, backend + " bound");
        assertTrue(m.bound() <= m.value() + 1e-9, backend + ": bound " + m.bound() + " above value " + m.value());
        assertEquals(1, m.point().length);
        assertEquals(1, m.point()[0], 1e-6, backend + " point");
        assertEquals(-1, MilpNets.value(net, m.point(), minusY), 1e-6, backend + ": the point's own value");
        // The minimum of +y is 0 (x <= 0 or x = 2).
        Disjunct plusY = new Disjunct(new LinearConstraint(new double[] {1}, 0));
        MilpVerifier.Minimum low = verifier(net, backend).minimum(HAT_BOX, plusY, crown(net, HAT_BOX, plusY), in(LIMIT));
        assertEquals(0, low.value(), 1e-6, backend + " min y");
        assertEquals(0, MilpNets.value(net, low.point(), plusY), 1e-6, backend + " min y's point");
        // Max of two rows: max(−y, y − 0.5) is smallest where −y = y − 0.5, i.e. y = 0.25: value −0.25.
        Disjunct two = new Disjunct(new LinearConstraint(new double[] {-1}, 0), new LinearConstraint(new double[] {1}, -0.5));
        MilpVerifier.Minimum mid = verifier(net, backend).minimum(HAT_BOX, two, crown(net, HAT_BOX, two), in(LIMIT));
        assertEquals(-0.25, mid.value(), 1e-6, backend + " min of the max of two rows");
        assertEquals(-0.25, MilpNets.value(net, mid.point(), two), 1e-6, backend + " its point");
    }

    /**
     * "y >= 1.05 is unsafe" holds (max y = 1), but the Triangle cannot show it. Its LP, with the exact pre-activation
     * bounds z1 = x in [-1, 2] and z2 = x − 1 in [-2, 1]: h1 <= (2/3)(x + 1), h2 >= max(0, x − 1), so
     * max (h1 − 2 h2) is (2/3)(x + 1) at x <= 1 and (2/3)(x + 1) − 2(x − 1) beyond: 4/3 at x = 1. The row −y + 1.05 gets
     * lower bound 1.05 − 4/3 = −0.28333…, and lp-all (whose first layer is exact already) cannot tighten that.
     */
    @ParameterizedTest
    @EnumSource(MilpBackend.class)
    void theMilpExcludesWhatTheTriangleLpCannot(MilpBackend backend) {
        Network net = MilpNets.hat();
        VnnlibProperty p = MilpNets.hatAbove(1.05);
        double lpAll = new BoundEngine(net).bound(Method.LP_ALL, MilpNets.interval(HAT_BOX),
                MilpNets.objective(net, p.cases().getFirst().unsafe().getFirst())).lower()[0];
        assertEquals(1.05 - 4.0 / 3, lpAll, 1e-6, "lp-all's bound");
        assertTrue(lpAll < -0.05, "lp-all would prove it: " + lpAll);
        MilpVerifier.Decision d = decide(net, backend, p);
        assertEquals(MilpVerifier.Outcome.EXCLUDED, d.outcome(), backend + ": " + d.detail());
        assertTrue(d.counterexample().isEmpty());
        assertEquals(Double.POSITIVE_INFINITY, d.bestBound(), backend + ": an infeasible MILP's bound");
    }

    @ParameterizedTest
    @EnumSource(MilpBackend.class)
    void theMilpFindsTheNarrowViolationOfYAtLeast095(MilpBackend backend) {
        Network net = MilpNets.hat();
        VnnlibProperty p = MilpNets.hatAbove(0.95);
        MilpVerifier.Decision d = decide(net, backend, p);
        assertEquals(MilpVerifier.Outcome.COUNTEREXAMPLE, d.outcome(), backend + ": " + d.detail());
        Counterexample ce = d.counterexample().orElseThrow();
        double x = ce.input()[0];
        assertTrue(x >= 0.95 && x <= 1.05, backend + ": counterexample at x = " + x + ", outside [0.95, 1.05]");
        assertTrue(ce.output()[0] >= 0.95, backend + ": y = " + ce.output()[0]);
        assertEquals(0, ce.caseIndex());
        assertEquals(0, ce.disjunctIndex());
        assertTrue(Counterexamples.confirm(net, p, ce.input()).isPresent(), "the gate rejects " + ce);
    }

    /**
     * On the boundary: "y >= 1" is violated only at x = 1 exactly (y = 1), "y >= 1 + 1e-9" not at all, but both MILPs are
     * feasible within the solvers' 1e-6 tolerance. The first may be falsified (by a point that passes the re-check) or
     * left undecided, never excluded; the second may be excluded or left undecided (its points fail the re-check),
     * never falsified.
     */
    @ParameterizedTest
    @EnumSource(MilpBackend.class)
    void onTheBoundaryTheReCheckDecides(MilpBackend backend) {
        Network net = MilpNets.hat();
        MilpVerifier.Decision at = decide(net, backend, MilpNets.hatAbove(1));
        assertNotEquals(MilpVerifier.Outcome.EXCLUDED, at.outcome(), backend + ": " + at.detail());
        at.counterexample().ifPresent(c -> assertEquals(1.0, c.output()[0], 0, backend + ": y at the counterexample"));
        MilpVerifier.Decision above = decide(net, backend, MilpNets.hatAbove(1 + 1e-9));
        assertNotEquals(MilpVerifier.Outcome.COUNTEREXAMPLE, above.outcome(), backend + ": " + above.detail());
        System.out.println(backend + ": y >= 1: " + at.outcome() + " (" + at.detail() + "); y >= 1 + 1e-9: " + above.outcome() + " (" + above.detail() + ")");
    }

    /** SCIP, HiGHS and CBC give the same minimum and the same decisions on the hat net and on random nets. */
    @Test
    void theThreeBackendsAgree() {
        List<String> problems = new ArrayList<>();
        for (MilpNets.Family family : List.of(MilpNets.Family.RELU3, MilpNets.Family.CONV_MAXPOOL)) {
            for (long seed = 0; seed < 2; seed++) {
                Network net = MilpNets.net(family, seed);
                SplittableRandom r = new SplittableRandom(seed + 5);
                Box box = MilpNets.box(net, r);
                Disjunct d = MilpNets.disjunct(r, 2, net.outputShape().numel());
                Map<Integer, Interval> bounds = crown(net, box, d);
                double[] minima = new double[MilpBackend.values().length];
                for (MilpBackend b : MilpBackend.values()) {
                    MilpVerifier.Minimum m = verifier(net, b).minimum(box, d, bounds, in(LIMIT));
                    if (!m.optimal()) problems.add(family + " " + seed + " " + b + ": not optimal");
                    minima[b.ordinal()] = m.value();
                }
                for (MilpBackend b : MilpBackend.values())
                    if (Math.abs(minima[b.ordinal()] - minima[0]) > 1e-6)
                        problems.add(family + " " + seed + ": " + b + " minimum " + minima[b.ordinal()] + ", SCIP " + minima[0]);
                // Thresholds 0.01 on either side of the minimum: all must exclude above and find a point below.
                for (double margin : new double[] {0.01, -0.01}) {
                    Disjunct s = MilpNets.shifted(d, -(minima[0] - margin));
                    VnnlibProperty p = MilpNets.property(box, s);
                    MilpVerifier.Outcome want = margin > 0 ? MilpVerifier.Outcome.EXCLUDED : MilpVerifier.Outcome.COUNTEREXAMPLE;
                    for (MilpBackend b : MilpBackend.values()) {
                        MilpVerifier.Decision dec = verifier(net, b).decide(p, 0, 0, bounds, in(LIMIT), new MilpVerifier.Cancel());
                        if (dec.outcome() != want) problems.add(family + " " + seed + " " + b + " margin " + margin + ": " + dec.outcome() + " (" + dec.detail() + ")");
                    }
                }
            }
        }
        for (MilpBackend b : MilpBackend.values()) {
            assertEquals(MilpVerifier.Outcome.EXCLUDED, decide(MilpNets.hat(), b, MilpNets.hatAbove(1.05)).outcome(), b + " on 1.05");
            assertEquals(MilpVerifier.Outcome.COUNTEREXAMPLE, decide(MilpNets.hat(), b, MilpNets.hatAbove(0.95)).outcome(), b + " on 0.95");
        }
        if (!problems.isEmpty()) fail(String.join("\n", problems));
    }

    // ---- decisions around the brute-force minimum of random nets ----------------------------------------------------

    /**
     * On random nets, thresholds placed around the minimum the grid sees: 0.05 above it (a grid point violates, so
     * the answer must be a confirmed counterexample), just below it (by a quarter of the grid's Lipschitz error: the
     * answer must agree with the exact MILP minimum), and above the MILP minimum (excluded). Never EXCLUDED where a
     * sample violates.
     */
    @Test
    void decisionsAgreeWithTheBruteForceMinimum() {
        List<String> problems = new ArrayList<>();
        int counterexamples = 0, excluded = 0;
        for (MilpNets.Family family : MilpNets.Family.values()) {
            for (long seed = 0; seed < 3; seed++) {
                Network net = MilpNets.net(family, seed);
                SplittableRandom r = new SplittableRandom(seed + 11);
                Box box = MilpNets.box(net, r);
                Disjunct d = MilpNets.disjunct(r, 1 + (int) (seed % 2), net.outputShape().numel());
                Map<Integer, Interval> bounds = crown(net, box, d);
                int k = 161;
                double[] grid = MilpNets.grid(box, k), v = MilpNets.values(net, grid, d);
                int arg = 0;
                for (int i = 1; i < v.length; i++) if (v[i] < v[arg]) arg = i;
                double gridMin = v[arg];
                double h = Math.max(box.width(0), box.width(1)) / (k - 1), err = MilpNets.lipschitz(net, d) * h;
                MilpVerifier.Minimum exact = verifier(net, MilpBackend.SCIP).minimum(box, d, bounds, in(LIMIT));
                String at = family + " seed " + seed + " (grid min " + gridMin + ", MILP min " + exact.value() + ")";
                if (!exact.optimal()) problems.add(at + ": MILP minimum not optimal");
                double[] thresholds = {gridMin + 0.05, gridMin - err / 4, exact.value() - 1e-3};
                for (double level : thresholds) {
                    // rows c·y + d − level: violated where max_r (c_r·y + d_r) <= level
                    VnnlibProperty p = MilpNets.property(box, MilpNets.shifted(d, -level));
                    MilpVerifier.Decision dec = verifier(net, MilpBackend.SCIP).decide(p, 0, 0, bounds, in(LIMIT), new MilpVerifier.Cancel());
                    boolean sampleViolates = gridMin <= level;
                    if (sampleViolates && dec.outcome() == MilpVerifier.Outcome.EXCLUDED)
                        problems.add(at + " level " + level + ": EXCLUDED though a grid point violates");
                    MilpVerifier.Outcome want = exact.value() < level - 1e-6 ? MilpVerifier.Outcome.COUNTEREXAMPLE
                            : exact.value() > level + 1e-6 ? MilpVerifier.Outcome.EXCLUDED : null;
                    if (want != null && dec.outcome() != want)
                        problems.add(at + " level " + level + ": " + dec.outcome() + ", expected " + want + " (" + dec.detail() + ")");
                    if (dec.outcome() == MilpVerifier.Outcome.COUNTEREXAMPLE) {
                        counterexamples++;
                        Counterexample ce = dec.counterexample().orElseThrow();
                        if (Counterexamples.confirm(net, p, ce.input()).isEmpty()) problems.add(at + ": the gate rejects " + ce);
                        if (!box.contains(ce.input())) problems.add(at + ": counterexample outside the box");
                        if (!(MilpNets.value(net, ce.input(), d) <= level)) problems.add(at + ": counterexample value above the level");
                    }
                    if (dec.outcome() == MilpVerifier.Outcome.EXCLUDED) excluded++;
                }
            }
        }
        if (!problems.isEmpty()) fail(problems.size() + " wrong decisions:\n" + String.join("\n", problems));
        assertTrue(counterexamples >= 12 && excluded >= 12, counterexamples + " counterexamples, " + excluded + " exclusions");
    }

    /**
     * A deadline too short for the MILP: on the wide net the box's centre violates "y0 <= y0(centre) + 0.01", and no
     * backend may call that disjunct EXCLUDED, or fail, whatever the deadline (1 to 40 ms: the solve stops with no point,
     * so the answer is UNDECIDED — or a confirmed counterexample). CBC stopped by its limit may report INFEASIBLE, which
     * must not become EXCLUDED; HiGHS's status 99 must not become an exception.
     */
    @ParameterizedTest
    @EnumSource(MilpBackend.class)
    void aDeadlineTooShortForTheMilpNeverExcludesAViolatedDisjunct(MilpBackend backend) {
        Network net = MilpNets.wide();
        Interval box = MilpNets.wideBox();
        Box b = new Box(box.lower(), box.upper());
        double y0 = MilpNets.value(net, b.center(), new Disjunct(new LinearConstraint(new double[] {1, 0}, 0)));
        VnnlibProperty p = MilpNets.property(b, new Disjunct(new LinearConstraint(new double[] {1, 0}, -y0 - 0.01)));
        assertTrue(Counterexamples.confirm(net, p, b.center()).isPresent(), "the centre is a counterexample");
        Map<Integer, Interval> bounds = crown(net, b, p.cases().getFirst().unsafe().getFirst());
        MilpVerifier v = verifier(net, backend);
        List<String> wrong = new ArrayList<>();
        for (int ms = 1; ms <= 40; ms += 3) {
            MilpVerifier.Decision d;
            try {
                d = v.decide(p, 0, 0, bounds, java.time.Instant.now().plusMillis(ms), new MilpVerifier.Cancel());
            } catch (RuntimeException e) {
                wrong.add(ms + " ms: " + e);
                continue;
            }
            if (d.outcome() == MilpVerifier.Outcome.EXCLUDED) wrong.add(ms + " ms: EXCLUDED (" + d.detail() + ")");
        }
        if (!wrong.isEmpty()) fail(backend + " on a violated disjunct:\n" + String.join("\n", wrong));
    }

    /** A disjunct without rows: every point is unsafe, so the box's lower corner is a counterexample. */
    @Test
    void aDisjunctWithoutRowsIsFalsifiedAtOnce() {
        Network net = MilpNets.hat();
        VnnlibProperty p = new VnnlibProperty(1, 1, List.of(new dev.verity.spec.Case(HAT_BOX, List.of(new Disjunct(List.of())))));
        MilpVerifier.Decision d = verifier(net, MilpBackend.SCIP).decide(p, 0, 0, Map.of(), in(LIMIT), new MilpVerifier.Cancel());
        assertEquals(MilpVerifier.Outcome.COUNTEREXAMPLE, d.outcome());
        assertArrayEquals(new double[] {-1}, d.counterexample().orElseThrow().input());
        assertThrows(IllegalArgumentException.class,
                () -> verifier(net, MilpBackend.SCIP).minimum(HAT_BOX, new Disjunct(List.of()), Map.of(), in(LIMIT)));
    }

    /** A cancelled group starts no solve; decideAll returns the decisions in the order given. */
    @Test
    void cancellationAndDecideAll() {
        Network net = MilpNets.hat();
        MilpVerifier.Cancel cancel = new MilpVerifier.Cancel();
        cancel.cancel();
        assertTrue(cancel.cancelled());
        VnnlibProperty p = MilpNets.hatAbove(0.95);
        MilpVerifier.Decision d = verifier(net, MilpBackend.SCIP).decide(p, 0, 0, crown(net, HAT_BOX, p.cases().getFirst().unsafe().getFirst()),
                in(LIMIT), cancel);
        assertEquals(MilpVerifier.Outcome.UNDECIDED, d.outcome());
        // Disjunct 0 (y >= 1.05) is excluded, disjunct 1 (y >= 0.95) falsified; 2 threads.
        VnnlibProperty two = MilpNets.property(HAT_BOX, new Disjunct(new LinearConstraint(new double[] {-1}, 1.05)),
                new Disjunct(new LinearConstraint(new double[] {-1}, 0.95)));
        Map<Integer, Interval> bounds = crown(net, HAT_BOX, new Disjunct(new LinearConstraint(new double[] {-1}, 0)));
        List<MilpVerifier.Decision> ds = new MilpVerifier(net, MilpOptions.defaults().withThreads(2)).decideAll(two, 0, List.of(0, 1), bounds, in(LIMIT));
        assertEquals(2, ds.size());
        assertEquals(MilpVerifier.Outcome.EXCLUDED, ds.get(0).outcome(), ds.get(0).detail());
        assertEquals(MilpVerifier.Outcome.COUNTEREXAMPLE, ds.get(1).outcome(), ds.get(1).detail());
        assertEquals(1, ds.get(1).counterexample().orElseThrow().disjunctIndex());
    }

    // ---- what a MILP cannot encode ----------------------------------------------------------------------------------

    static Network withActivation(Layer activation) {
        SplittableRandom r = new SplittableRandom(3);
        var b = Network.builder(new Shape(2));
        b.add(RandomLayers.dense(r, 2, 3));
        b.add(new Layer.Relu());
        b.add(RandomLayers.dense(r, 3, 3));
        b.add(activation);                               // node 4
        b.add(RandomLayers.dense(r, 3, 1));
        return b.build();
    }

    @Test
    void sigmoidAndTanhNetsAreRefusedNamingTheLayer() {
        for (Layer a : List.of(new Layer.Sigmoid(), new Layer.Tanh())) {
            Network net = withActivation(a);
            String name = net.node(4).name(), kind = a.getClass().getSimpleName();
            Optional<String> why = TriangleLp.exactlyEncodable(net);
            assertTrue(why.isPresent(), kind);
            assertTrue(why.get().contains(name) && why.get().contains(kind) && why.get().contains("piecewise linear"), why.get());
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> new MilpVerifier(net, MilpOptions.defaults()));
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("MILP"), e.getMessage());
            InvalidInputException t = assertThrows(InvalidInputException.class, () -> new ProgressiveTightening(net,
                    new Interval(new double[] {0, 0}, new double[] {1, 1}), MilpOptions.defaults(), () -> {}));
            assertTrue(t.getMessage().contains(name), t.getMessage());
        }
        for (Layer a : List.of(new Layer.Relu(), new Layer.LeakyRelu(0.2)))
            assertEquals(Optional.empty(), TriangleLp.exactlyEncodable(withActivation(a)), a.toString());
        assertEquals(Optional.empty(), TriangleLp.exactlyEncodable(MilpNets.net(MilpNets.Family.CONV_MAXPOOL, 0)));
    }

    @Test
    void optionsAndBackendNames() {
        for (MilpBackend b : MilpBackend.values()) {
            assertEquals(b, MilpBackend.parse(b.cliName().toUpperCase()));
            assertTrue(b.mixedInteger());
        }
        assertEquals(List.of("scip", "cbc", "highs"), java.util.Arrays.stream(MilpBackend.values()).map(MilpBackend::cliName).toList());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> MilpBackend.parse("gurobi"));
        assertTrue(e.getMessage().contains("scip, cbc, highs"), e.getMessage());
        for (MilpOptions.Tightening t : MilpOptions.Tightening.values()) assertEquals(t, MilpOptions.Tightening.parse(t.cliName()));
        assertThrows(InvalidInputException.class, () -> MilpOptions.Tightening.parse("lp-all"));
        MilpOptions o = MilpOptions.defaults();
        assertEquals(MilpBackend.SCIP, o.backend());
        assertEquals(MilpOptions.Tightening.PROGRESSIVE, o.tightening());
        assertEquals(Duration.ofSeconds(1), o.neuronBudget());
        assertThrows(IllegalArgumentException.class, () -> o.withThreads(0));
        assertThrows(IllegalArgumentException.class, () -> o.withNeuronBudget(Duration.ZERO));
        assertNotEquals(o, o.withBackend(MilpBackend.CBC));
        // Parameters the solver rejects are an input error, not a silent default.
        Network net = MilpNets.hat();
        VnnlibProperty p = MilpNets.hatAbove(1.05);
        MilpVerifier bad = new MilpVerifier(net, o.withThreads(1).withParameters("no/such/parameter = 3"));
        assertThrows(InvalidInputException.class, () -> bad.decide(p, 0, 0,
                crown(net, HAT_BOX, p.cases().getFirst().unsafe().getFirst()), in(LIMIT), new MilpVerifier.Cancel()));
        MilpVerifier good = new MilpVerifier(net, o.withThreads(1).withParameters("separating/maxroundsroot = 5"));
        assertEquals(MilpVerifier.Outcome.EXCLUDED, good.decide(p, 0, 0, crown(net, HAT_BOX, p.cases().getFirst().unsafe().getFirst()),
                in(LIMIT), new MilpVerifier.Cancel()).outcome());
    }
}
