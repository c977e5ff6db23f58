package dev.verity.milp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link ProgressiveTightening} on a random 3-hidden-layer ReLU net (3 inputs, widths 8): every mode's bounds lie inside
 * CROWN's, contain every sampled pre-activation value, and are ordered (MILP_ALL and PROGRESSIVE inside LP_ONLY); the
 * reports count the neurons right; the first pre-activation node (a linear function of the box) is not refined.
 */
class ProgressiveTighteningTest {
    static final int SAMPLES = 1000;
    /** MILP bounds are valid within the solver's tolerances (1e-6); LP bounds are safe bounds. */
    static final double TOL = 1e-6;

    static Network net;
    static Interval box;
    static Map<Integer, Interval> initial;
    static List<double[]> sampled; // per node id, the values at the samples (null for nodes without bounds)
    static final Map<MilpOptions.Tightening, ProgressiveTightening.Result> results = new EnumMap<>(MilpOptions.Tightening.class);

    static MilpOptions options(MilpOptions.Tightening t) {
        return MilpOptions.defaults().withTightening(t).withNeuronBudget(Duration.ofSeconds(10)).withThreads(2);
    }

    static ProgressiveTightening.Result tighten(MilpOptions.Tightening t, boolean lpDone, Instant deadline) {
        return new ProgressiveTightening(net, box, options(t), () -> {}).tighten(initial, lpDone, deadline);
    }

    @BeforeAll
    static void setUp() {
        // Seed chosen among the first few so that LP fixes some neurons and the MILP fixes more (checked below).
        SplittableRandom r = new SplittableRandom(4);
        net = RandomLayers.mlp(r, new int[] {3, 8, 8, 8, 2}, new Layer.Relu());
        box = RandomLayers.box(r, 3, 0.6);
        initial = new BoundEngine(net).bound(Method.CROWN, box, Objective.identity(2)).intermediate();
        double[] x = new double[SAMPLES * 3];
        for (int p = 0; p < SAMPLES; p++)
            for (int i = 0; i < 3; i++) {
                double l = box.lower(i), u = box.upper(i);
                x[p * 3 + i] = p < 8 ? ((p >> i & 1) == 0 ? l : u) : l + r.nextDouble() * (u - l);
            }
        List<Tensor> all = Forward.runAll(net, TensorOps.INSTANCE, new Tensor(x, net.inputShape().withBatch(SAMPLES)));
        sampled = new ArrayList<>();
        for (Tensor t : all) sampled.add(t.data());
        for (MilpOptions.Tightening t : MilpOptions.Tightening.values()) results.put(t, tighten(t, false, Instant.now().plusSeconds(120)));
    }

    static void assertSameBounds(Map<Integer, Interval> want, Map<Integer, Interval> got, String what) {
        assertEquals(want.keySet(), got.keySet(), what);
        for (int id : want.keySet()) {
            assertArrayEquals(want.get(id).lower(), got.get(id).lower(), 0, what + " node " + id + " lower");
            assertArrayEquals(want.get(id).upper(), got.get(id).upper(), 0, what + " node " + id + " upper");
        }
    }

    /** Dense(1) Relu(2) Dense(3) Relu(4) Dense(5) Relu(6) Dense(7): nodes 1, 3, 5 feed ReLUs; 1 is exact already. */
    @Test
    void onlyNodesAfterANonlinearityAreRefinedAndReported() {
        assertEquals(List.of(1, 3, 5), List.copyOf(initial.keySet()));
        for (var e : results.entrySet()) {
            ProgressiveTightening.Result res = e.getValue();
            assertEquals(List.of(3, 5), res.layers().stream().map(ProgressiveTightening.LayerReport::node).toList(), e.getKey().toString());
            assertEquals(initial.keySet(), res.bounds().keySet(), e.getKey().toString());
            Interval first = res.bounds().get(1), init = initial.get(1);
            for (int j = 0; j < first.size(); j++) {
                assertEquals(init.lower(j), first.lower(j), 0, e.getKey() + " node 1 lower " + j);
                assertEquals(init.upper(j), first.upper(j), 0, e.getKey() + " node 1 upper " + j);
            }
        }
    }

    @Test
    void boundsAreInsideTheInitialOnesAndContainEverySample() {
        List<String> problems = new ArrayList<>();
        for (var e : results.entrySet()) {
            for (var b : e.getValue().bounds().entrySet()) {
                Interval t = b.getValue(), i = initial.get(b.getKey());
                double[] v = sampled.get(b.getKey());
                for (int j = 0; j < t.size(); j++) {
                    if (t.lower(j) < i.lower(j) || t.upper(j) > i.upper(j) || !(t.lower(j) <= t.upper(j)))
                        problems.add(e.getKey() + " node " + b.getKey() + " neuron " + j + ": [" + t.lower(j) + ", " + t.upper(j) + "] not inside ["
                                + i.lower(j) + ", " + i.upper(j) + "]");
                    for (int p = 0; p < SAMPLES; p++) {
                        double z = v[p * t.size() + j];
                        if (z < t.lower(j) - TOL || z > t.upper(j) + TOL) {
                            problems.add(e.getKey() + " node " + b.getKey() + " neuron " + j + ": sample " + z + " outside [" + t.lower(j) + ", "
                                    + t.upper(j) + "]");
                            break;
                        }
                    }
                }
            }
        }
        if (!problems.isEmpty()) fail(problems.size() + " problems:\n" + String.join("\n", problems));
    }

    @Test
    void theReportsCountTheNeurons() {
        for (var e : results.entrySet()) {
            MilpOptions.Tightening mode = e.getKey();
            ProgressiveTightening.Result res = e.getValue();
            for (ProgressiveTightening.LayerReport l : res.layers()) {
                String at = mode + " node " + l.node();
                assertEquals(8, l.neurons(), at);
                assertEquals(net.node(l.node()).name(), l.name(), at);
                assertEquals(initial.get(l.node()).unstableCount(), l.unstableBefore(), at + " unstable before");
                assertEquals(res.bounds().get(l.node()).unstableCount(), l.unstable(), at + " unstable after");
                assertEquals(l.unstableBefore(), l.fixedByLp() + l.fixedByMilp() + l.unstable(), at + " counts");
                assertEquals(0, l.milpSkipped(), at + " skipped");
                if (mode == MilpOptions.Tightening.NONE || mode == MilpOptions.Tightening.MILP_ALL) assertEquals(0, l.fixedByLp(), at);
                if (mode == MilpOptions.Tightening.NONE || mode == MilpOptions.Tightening.LP_ONLY) assertEquals(0, l.fixedByMilp(), at);
            }
            assertEquals(res.unstableBefore(), res.fixedByLp() + res.fixedByMilp() + res.unstable(), mode.toString());
        }
        ProgressiveTightening.Result p = results.get(MilpOptions.Tightening.PROGRESSIVE);
        System.out.printf("progressive: %d unstable -> LP fixed %d, MILP fixed %d, %d left; milp-all fixed %d; lp fixed %d%n", p.unstableBefore(),
                p.fixedByLp(), p.fixedByMilp(), p.unstable(), results.get(MilpOptions.Tightening.MILP_ALL).fixedByMilp(),
                results.get(MilpOptions.Tightening.LP_ONLY).fixedByLp());
        // The net was chosen so that every step has work: otherwise this test would check nothing.
        assertTrue(p.unstableBefore() >= 6, "unstable before: " + p.unstableBefore());
        assertTrue(p.fixedByLp() >= 1, "LP fixed " + p.fixedByLp());
        assertTrue(p.fixedByMilp() >= 1, "MILP fixed " + p.fixedByMilp());
        assertSameBounds(initial, results.get(MilpOptions.Tightening.NONE).bounds(), "none");
    }

    /**
     * MILP_ALL's bounds are the exact ranges, so at least as tight as the LP's (up to tolerance), neuron by neuron;
     * PROGRESSIVE's are the LP's intersected with what its MILPs found (and its later LPs run over tighter bounds).
     */
    @Test
    void milpBoundsAreAtLeastAsTightAsLpBounds() {
        Map<Integer, Interval> lp = results.get(MilpOptions.Tightening.LP_ONLY).bounds();
        List<String> problems = new ArrayList<>();
        int strictlyTighter = 0;
        for (MilpOptions.Tightening mode : List.of(MilpOptions.Tightening.MILP_ALL, MilpOptions.Tightening.PROGRESSIVE)) {
            Map<Integer, Interval> m = results.get(mode).bounds();
            for (int id : lp.keySet()) {
                Interval a = m.get(id), b = lp.get(id);
                for (int j = 0; j < a.size(); j++) {
                    if (a.lower(j) < b.lower(j) - TOL || a.upper(j) > b.upper(j) + TOL)
                        problems.add(mode + " node " + id + " neuron " + j + ": [" + a.lower(j) + ", " + a.upper(j) + "] vs lp [" + b.lower(j) + ", "
                                + b.upper(j) + "]");
                    if (a.lower(j) > b.lower(j) + 1e-3 || a.upper(j) < b.upper(j) - 1e-3) strictlyTighter++;
                }
            }
        }
        if (!problems.isEmpty()) fail(String.join("\n", problems));
        assertTrue(strictlyTighter > 0, "the MILP tightened nothing beyond the LP");
    }

    /**
     * Every backend's MILP bounds are the same exact ranges (the per-neuron objectives of a dense node carry its bias as
     * the objective's constant, so a backend whose best bound dropped the constant would be off by the bias).
     */
    @Test
    void everyBackendGivesTheSameMilpBounds() {
        Map<Integer, Interval> scip = results.get(MilpOptions.Tightening.MILP_ALL).bounds();
        for (MilpBackend backend : List.of(MilpBackend.HIGHS, MilpBackend.CBC)) {
            Map<Integer, Interval> other = new ProgressiveTightening(net, box, options(MilpOptions.Tightening.MILP_ALL).withBackend(backend), () -> {})
                    .tighten(initial, false, Instant.now().plusSeconds(60)).bounds();
            for (int id : scip.keySet()) {
                assertArrayEquals(scip.get(id).lower(), other.get(id).lower(), 1e-5, backend + " node " + id + " lower");
                assertArrayEquals(scip.get(id).upper(), other.get(id).upper(), 1e-5, backend + " node " + id + " upper");
            }
        }
    }

    /**
     * A neuron budget too short for any MILP to find a point (1 ns: a 1 ms solver limit) on a net where a neuron's MILP
     * needs about 200 ms: every neuron keeps sound bounds (a solve cut short may only loosen nothing), with every backend.
     * Each MILP ends NOT_SOLVED; its bound is worthless and must not be used (SCIP's reads 0.0: every neuron would
     * come out [0, 0]; HiGHS's solve would throw).
     */
    @ParameterizedTest
    @EnumSource(MilpBackend.class)
    void aNeuronBudgetTooShortForAnyMilpKeepsTheBoundsSound(MilpBackend backend) {
        Network wide = MilpNets.wide();
        Interval wideBox = MilpNets.wideBox();
        Map<Integer, Interval> crown = new BoundEngine(wide).bound(Method.CROWN, wideBox, Objective.identity(2)).intermediate();
        int n = 2000;
        SplittableRandom rnd = new SplittableRandom(9);
        double[] x = new double[n * 4];
        for (int p = 0; p < n; p++)
            for (int i = 0; i < 4; i++) x[p * 4 + i] = wideBox.lower(i) + rnd.nextDouble() * (wideBox.upper(i) - wideBox.lower(i));
        List<Tensor> values = Forward.runAll(wide, TensorOps.INSTANCE, new Tensor(x, wide.inputShape().withBatch(n)));
        List<String> problems = new ArrayList<>();
        for (MilpOptions.Tightening mode : List.of(MilpOptions.Tightening.MILP_ALL, MilpOptions.Tightening.PROGRESSIVE)) {
            ProgressiveTightening.Result r;
            try {
                r = new ProgressiveTightening(wide, wideBox, MilpOptions.defaults().withBackend(backend).withTightening(mode)
                        .withNeuronBudget(Duration.ofNanos(1)).withThreads(2), () -> {}).tighten(crown, false, Instant.now().plusSeconds(60));
            } catch (RuntimeException e) {
                problems.add(mode + ": " + e);
                continue;
            }
            int bad = 0;
            String example = "";
            for (var e : r.bounds().entrySet()) {
                Interval b = e.getValue();
                double[] v = values.get(e.getKey()).data();
                for (int j = 0; j < b.size(); j++)
                    for (int p = 0; p < n; p++) {
                        double z = v[p * b.size() + j];
                        if (z < b.lower(j) - TOL || z > b.upper(j) + TOL) {
                            if (bad++ == 0) example = "node " + e.getKey() + " neuron " + j + ": sample " + z + " outside [" + b.lower(j) + ", " + b.upper(j) + "]";
                            break;
                        }
                    }
            }
            if (bad > 0) problems.add(mode + ": " + bad + " neurons with unsound bounds (" + r.fixedByMilp() + " 'fixed' by MILPs cut short), e.g. " + example);
        }
        if (!problems.isEmpty()) fail(backend + ":\n" + String.join("\n", problems));
    }

    /**
     * PROGRESSIVE stops each neuron's MILP as soon as the sign is decided (a point on the other side of 0, or a bound
     * past it), so its bounds are looser than MILP_ALL's exact ones, but it fixes exactly the neurons that are stable:
     * the same ones MILP_ALL's exact ranges show stable.
     */
    @Test
    void progressiveFixesExactlyTheNeuronsTheExactRangesShowStable() {
        Map<Integer, Interval> all = results.get(MilpOptions.Tightening.MILP_ALL).bounds(), prog = results.get(MilpOptions.Tightening.PROGRESSIVE).bounds();
        for (int id : List.of(3, 5))
            for (int j = 0; j < 8; j++) {
                boolean exactUnstable = all.get(id).lower(j) < 0 && all.get(id).upper(j) > 0;
                boolean progUnstable = prog.get(id).lower(j) < 0 && prog.get(id).upper(j) > 0;
                assertEquals(exactUnstable, progUnstable, "node " + id + " neuron " + j + ": exact " + all.get(id).lower(j) + ".." + all.get(id).upper(j)
                        + ", progressive " + prog.get(id).lower(j) + ".." + prog.get(id).upper(j));
            }
    }

    /**
     * Past the deadline neither an LP nor a MILP starts (a verifier gives the tightening part of its time and needs the
     * rest for the MILP after it): the bounds stay the initial ones and every unstable neuron counts as skipped.
     */
    @Test
    void pastTheDeadlineNothingRuns() {
        ProgressiveTightening.Result late = tighten(MilpOptions.Tightening.PROGRESSIVE, false, Instant.now().minusSeconds(1));
        assertSameBounds(initial, late.bounds(), "past the deadline");
        for (ProgressiveTightening.LayerReport l : late.layers()) {
            assertEquals(0, l.fixedByLp());
            assertEquals(0, l.fixedByMilp());
            assertEquals(l.unstableBefore(), l.unstable(), "node " + l.node());
            assertEquals(l.unstable(), l.milpSkipped(), "node " + l.node());
        }
        assertTrue(late.layers().stream().mapToInt(ProgressiveTightening.LayerReport::milpSkipped).sum() > 0);
        ProgressiveTightening.Result lpLate = tighten(MilpOptions.Tightening.LP_ONLY, false, Instant.now().minusSeconds(1));
        assertSameBounds(initial, lpLate.bounds(), "lp-only past the deadline");
        assertEquals(lpLate.unstable(), lpLate.layers().stream().mapToInt(ProgressiveTightening.LayerReport::milpSkipped).sum());
    }

    /** Initial bounds that are LP bounds already (lp-all) skip the LP step: LP_ONLY then changes nothing. */
    @Test
    void lpDoneSkipsTheLps() {
        ProgressiveTightening.Result r = tighten(MilpOptions.Tightening.LP_ONLY, true, Instant.now().plusSeconds(60));
        assertSameBounds(initial, r.bounds(), "lp-only after lp-all");
        assertEquals(0, r.fixedByLp());
        assertEquals(0, r.fixedByMilp());
    }

    /** The checkpoint stops the computation (a verifier's deadline). */
    @Test
    void theCheckpointAbandonsTheComputation() {
        ProgressiveTightening t = new ProgressiveTightening(net, box, options(MilpOptions.Tightening.PROGRESSIVE), () -> {
            throw new CancellationException("deadline");
        });
        assertThrows(CancellationException.class, () -> t.tighten(initial, false, Instant.now().plusSeconds(60)));
    }

    /**
     * hasWork is true exactly when tighten can change something: this net (three hidden layers, unstable neurons after
     * the first) has work in every mode but none, and in lp mode only while the bounds are not LP bounds yet; a net with one
     * hidden layer has none (its only pre-activation bounds are exact over the box), and tighten indeed returns no layer.
     */
    @Test
    void hasWorkSaysWhetherTighteningCanChangeAnything() {
        for (MilpOptions.Tightening t : MilpOptions.Tightening.values()) {
            ProgressiveTightening p = new ProgressiveTightening(net, box, options(t), () -> {});
            assertEquals(t != MilpOptions.Tightening.NONE, p.hasWork(initial, false), t.cliName());
            assertEquals(t == MilpOptions.Tightening.PROGRESSIVE || t == MilpOptions.Tightening.MILP_ALL, p.hasWork(initial, true), t.cliName() + ", lp done");
        }
        SplittableRandom r = new SplittableRandom(7);
        Network shallow = RandomLayers.mlp(r, new int[] {3, 12, 2}, new Layer.Relu());
        Interval wide = RandomLayers.box(r, 3, 1.0);
        Map<Integer, Interval> b = new BoundEngine(shallow).bound(Method.CROWN, wide, Objective.identity(2)).intermediate();
        assertTrue(b.get(1).unstableCount() > 0, "the shallow net's hidden layer has unstable neurons");
        ProgressiveTightening p = new ProgressiveTightening(shallow, wide, options(MilpOptions.Tightening.PROGRESSIVE), () -> {});
        assertFalse(p.hasWork(b, false));
        assertTrue(p.tighten(b, false, Instant.now().plusSeconds(60)).layers().isEmpty());
        // With every neuron of the later layers made stable there is no work either.
        Map<Integer, Interval> stable = new java.util.TreeMap<>(initial);
        for (int id : List.of(3, 5)) {
            Interval v = stable.get(id);
            double[] lo = v.lower().clone(), hi = v.upper().clone();
            for (int j = 0; j < lo.length; j++) if (lo[j] < 0 && hi[j] > 0) lo[j] = 0;
            stable.put(id, new Interval(lo, hi));
        }
        assertFalse(new ProgressiveTightening(net, box, options(MilpOptions.Tightening.PROGRESSIVE), () -> {}).hasWork(stable, false));
    }
}
