package dev.verity.milp;

import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.lp.LpBackend;
import dev.verity.lp.LpBounds;
import dev.verity.lp.LpSolution;
import dev.verity.lp.LpStatus;
import dev.verity.lp.OrToolsLpSolver;
import dev.verity.lp.Sense;
import dev.verity.lp.LpNets;
import dev.verity.lp.TriangleLp;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link MilpEncoding}, the mixed-integer encoding: on every layer kind TriangleLp encodes (dense, deep,
 * conv, affine/reshape, residual, leaky ReLU, max-pool) the MILP optimum of each objective row is attained by the
 * input it returns, lies below every sampled value and above the Triangle LP's bound, and does not depend on which
 * sound bounds give the big-M constants; the integer-variable support of {@link OrToolsLpSolver}; and the refusals
 * (sigmoid/tanh, an LP solver).
 */
class ExactEncodingTest {
    static final Duration LIMIT = Duration.ofSeconds(20);
    static final int SAMPLES = 1000;

    enum Net { DENSE, DEEP, CONV, AFFINE_RESHAPE, RESIDUAL, LEAKY, MAXPOOL }

    static Network build(Net kind, long seed) {
        SplittableRandom r = new SplittableRandom(seed + 1000L * kind.ordinal());
        return switch (kind) {
            case DENSE, DEEP, CONV, AFFINE_RESHAPE, RESIDUAL -> LpNets.build(LpNets.Family.valueOf(kind.name()), 100L * kind.ordinal() + seed);
            case LEAKY -> RandomLayers.mlp(r, new int[] {3, 6, 6, 2}, new Layer.LeakyRelu(0.05));
            case MAXPOOL -> {
                // conv straight into max-pool (inputs of either sign), then ReLU.
                var b = Network.builder(new Shape(1, 4, 4));
                b.add(RandomLayers.conv(r, 1, 2, 3, ConvGeometry.simple(1, 1)));   // [2, 4, 4]
                b.add(new Layer.MaxPool2d(PoolGeometry.simple(2, 2)));            // [2, 2, 2]
                b.add(new Layer.Relu());
                b.add(new Layer.Flatten());
                b.add(RandomLayers.dense(r, 8, 3));
                yield b.build();
            }
        };
    }

    /** Minimises every objective row over the exact encoding; returns {value, the input's forward value} per row. */
    static double[][] exactMinima(Network net, Interval box, Map<Integer, Interval> bounds, Objective obj, MilpBackend backend) {
        int m = obj.rows(), outs = obj.outputs();
        double[][] out = new double[m][];
        try (OrToolsLpSolver solver = new OrToolsLpSolver(backend)) {
            int[][] vars = new TriangleLp(net, box, bounds, MilpEncoding.BIG_M).encodeNodes(solver, net.output().id());
            int[] in = vars[net.input().id()], y = vars[net.output().id()];
            for (int i = 0; i < m; i++) {
                solver.setObjective(y, Arrays.copyOfRange(obj.c().data(), i * outs, (i + 1) * outs), obj.d()[i], true);
                LpSolution s = solver.solve(LIMIT);
                assertEquals(LpStatus.OPTIMAL, s.status(), "row " + i);
                double[] p = s.primal(), x = new double[in.length];
                for (int k = 0; k < x.length; k++) x[k] = Math.min(box.upper(k), Math.max(box.lower(k), p[in[k]]));
                out[i] = new double[] {s.objective(), rowValues(net, x, obj)[i], s.bestBound()};
            }
        }
        return out;
    }

    static double[] rowValues(Network net, double[] x, Objective obj) {
        double[] y = Forward.run(net, TensorOps.INSTANCE, new Tensor(x.clone(), net.inputShape().withBatch(1))).data();
        int outs = obj.outputs();
        double[] v = new double[obj.rows()];
        for (int i = 0; i < v.length; i++) {
            v[i] = obj.d()[i];
            for (int j = 0; j < outs; j++) v[i] += obj.c().data()[i * outs + j] * y[j];
        }
        return v;
    }

    @TestFactory
    Stream<DynamicTest> theExactOptimumIsAttainedAndBelowEverySample() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Net kind : Net.values())
            for (long seed = 0; seed < 2; seed++) {
                long s = seed;
                tests.add(DynamicTest.dynamicTest(kind + " seed " + seed, () -> check(kind, s)));
            }
        return tests.stream();
    }

    static void check(Net kind, long seed) {
        Network net = build(kind, seed);
        SplittableRandom r = new SplittableRandom(seed + 17);
        Interval box = LpNets.box(net, r);
        Objective obj = LpNets.objective(net, r);
        BoundEngine engine = new BoundEngine(net);
        BoundResult crown = engine.bound(Method.CROWN, box, obj);
        double[] triangle = new TriangleLp(net, box, crown.intermediate(), TriangleLp.Relaxation.TRIANGLE).lower(obj, LIMIT).lower();
        double[][] exact = exactMinima(net, box, crown.intermediate(), obj, MilpBackend.SCIP);
        // With no intermediate bounds (the variables' interval bounds as big-M) the optimum is the same.
        double[][] loose = exactMinima(net, box, Map.of(), obj, MilpBackend.SCIP);

        int n = box.size();
        double[] x = new double[SAMPLES * n];
        for (int p = 0; p < SAMPLES; p++)
            for (int i = 0; i < n; i++) x[p * n + i] = box.lower(i) + (p < 100 ? (r.nextBoolean() ? 0 : 1) : r.nextDouble()) * (box.upper(i) - box.lower(i));
        double[] y = Forward.run(net, TensorOps.INSTANCE, new Tensor(x, net.inputShape().withBatch(SAMPLES))).data();
        int outs = obj.outputs();
        List<String> problems = new ArrayList<>();
        int tighter = 0;
        for (int i = 0; i < obj.rows(); i++) {
            double v = exact[i][0];
            if (Math.abs(exact[i][1] - v) > 1e-6 * (1 + Math.abs(v))) problems.add("row " + i + ": optimum " + v + " but its input gives " + exact[i][1]);
            if (Math.abs(exact[i][2] - v) > 1e-6 * (1 + Math.abs(v))) problems.add("row " + i + ": best bound " + exact[i][2] + " vs optimum " + v);
            if (Math.abs(loose[i][0] - v) > 1e-6 * (1 + Math.abs(v))) problems.add("row " + i + ": with interval big-M " + loose[i][0] + " vs " + v);
            if (triangle[i] > v + 1e-6 * (1 + Math.abs(v))) problems.add("row " + i + ": the Triangle's bound " + triangle[i] + " above the optimum " + v);
            if (v > triangle[i] + 1e-3) tighter++;
            double min = Double.POSITIVE_INFINITY;
            for (int p = 0; p < SAMPLES; p++) {
                double s = obj.d()[i];
                for (int j = 0; j < outs; j++) s += obj.c().data()[i * outs + j] * y[p * outs + j];
                min = Math.min(min, s);
            }
            if (min < v - 1e-6 * (1 + Math.abs(v))) problems.add("row " + i + ": a sample reaches " + min + " below the optimum " + v);
        }
        System.out.println(kind + " seed " + seed + ": " + tighter + " of " + obj.rows() + " rows strictly above the Triangle");
        if (!problems.isEmpty()) fail(kind + " seed " + seed + ":\n  " + String.join("\n  ", problems));
    }

    // ---- the solver's integer support ---------------------------------------------------------------------------

    /** min x + 5 over the integers x in [0.5, 3.7] with x >= 1.2: x = 2, 7 (the LP relaxation would give 6.2). */
    @ParameterizedTest
    @EnumSource(MilpBackend.class)
    void integerVariablesBestBoundAndObjectiveConstant(MilpBackend backend) {
        try (OrToolsLpSolver s = new OrToolsLpSolver(backend)) {
            assertTrue(s.mixedInteger());
            int x = s.addIntegerVariable("x", 0.5, 3.7);
            int z = s.addVariable("z", 0, 10);
            assertTrue(s.model().isInteger(x));
            assertFalse(s.model().isInteger(z));
            s.addConstraint(null, new int[] {x}, new double[] {1}, Sense.GE, 1.2);
            s.addConstraint(null, new int[] {z, x}, new double[] {1, -1}, Sense.GE, 0.25); // z >= x + 0.25
            s.setObjective(new int[] {x, z}, new double[] {1, 0}, 5, true);
            LpSolution sol = s.solve(LIMIT);
            assertEquals(LpStatus.OPTIMAL, sol.status(), backend.toString());
            assertEquals(7, sol.objective(), 1e-9, backend + " objective");
            assertEquals(7, sol.bestBound(), 1e-9, backend + " best bound (with the objective's constant)");
            assertEquals(2, sol.primal()[x], 1e-9, backend + " x");
            assertTrue(sol.nodes() >= 0);
            // max 2x − 1: x = 3, 5; the bound of a maximisation is an upper bound.
            s.setObjective(new int[] {x}, new double[] {2}, -1, false);
            LpSolution max = s.solve(LIMIT);
            assertEquals(5, max.objective(), 1e-9, backend + " max");
            assertEquals(5, max.bestBound(), 1e-9, backend + " max bound");
        }
        try (OrToolsLpSolver s = new OrToolsLpSolver(backend)) {
            int x = s.addIntegerVariable("x", 0.2, 0.8); // no integer inside
            s.setObjective(new int[] {x}, new double[] {1}, 0, true);
            LpSolution sol = s.solve(LIMIT);
            assertEquals(LpStatus.INFEASIBLE, sol.status(), backend.toString());
            assertFalse(sol.hasSolution());
            assertEquals(Double.POSITIVE_INFINITY, sol.bestBound(), backend + " infeasible min");
        }
    }

    /**
     * A solve cut short by its time limit: the MILP of the third layer's neurons of a net with 120 unstable-ish neurons
     * (about 200 ms to a first point) under limits of 1 to 20 ms. Whatever the status, it must not throw, must not
     * call the (feasible) problem INFEASIBLE, and its best bound must stay a lower bound: at most the smallest sampled
     * value of the neuron. (What OR-Tools 9.15 does unguarded: SCIP without a point reports best bound 0.0, its dual
     * bound never read; CBC stopped by the limit may report INFEASIBLE; HiGHS returns status 99, which the SWIG enum
     * rejects with an IllegalArgumentException.)
     */
    @ParameterizedTest
    @EnumSource(MilpBackend.class)
    void aTimeLimitedMilpReportsNoWrongStatusOrBound(MilpBackend backend) {
        SplittableRandom r = new SplittableRandom(0);
        Network net = RandomLayers.mlp(r, new int[] {4, 40, 40, 40, 2}, new Layer.Relu());
        Interval box = RandomLayers.box(r, 4, 1.0);
        int target = 5; // the third dense layer's output
        Map<Integer, Interval> crown = new BoundEngine(net).bound(Method.CROWN, box, Objective.identity(2)).intermediate();
        Map<Integer, Interval> before = Map.of(1, crown.get(1), 3, crown.get(3));
        int n = 2000;
        double[] x = new double[n * 4];
        for (int p = 0; p < n; p++) for (int i = 0; i < 4; i++) x[p * 4 + i] = box.lower(i) + r.nextDouble() * (box.upper(i) - box.lower(i));
        double[] z = Forward.runAll(net, TensorOps.INSTANCE, new Tensor(x, net.inputShape().withBatch(n))).get(target).data();
        List<String> problems = new ArrayList<>();
        for (long ms : new long[] {1, 2, 5, 8, 12, 20}) {
            for (int j = 0; j < 4; j++) {
                double sampledMin = Double.POSITIVE_INFINITY;
                for (int p = 0; p < n; p++) sampledMin = Math.min(sampledMin, z[p * 40 + j]);
                try (OrToolsLpSolver s = new OrToolsLpSolver(backend)) {
                    int[] v = new TriangleLp(net, box, before, MilpEncoding.BIG_M).encode(s, target);
                    s.setObjective(new int[] {v[j]}, new double[] {1}, 0, true);
                    LpSolution sol;
                    try {
                        sol = s.solve(Duration.ofMillis(ms));
                    } catch (RuntimeException e) {
                        problems.add(ms + " ms, neuron " + j + ": " + e);
                        continue;
                    }
                    if (sol.status() == LpStatus.INFEASIBLE) problems.add(ms + " ms, neuron " + j + ": INFEASIBLE (" + sol.nanos() / 1_000_000 + " ms)");
                    else if (sol.bestBound() > sampledMin + 1e-6)
                        problems.add(ms + " ms, neuron " + j + ": " + sol.status() + " with best bound " + sol.bestBound() + " above a sampled value "
                                + sampledMin);
                }
            }
        }
        if (!problems.isEmpty()) fail(backend + ": " + problems.size() + " wrong answers\n" + String.join("\n", problems));
    }

    @Test
    void anLpSolverRefusesIntegersAndTheExactEncoding() {
        try (OrToolsLpSolver glop = new OrToolsLpSolver()) {
            assertFalse(glop.mixedInteger());
            assertThrows(UnsupportedOperationException.class, () -> glop.addIntegerVariable("b", 0, 1));
        }
        Network net = build(Net.DENSE, 0);
        Interval box = LpNets.box(net, new SplittableRandom(1));
        for (LpBackend backend : LpBackend.values()) {
            try (OrToolsLpSolver s = new OrToolsLpSolver(backend)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new TriangleLp(net, box, Map.of(), MilpEncoding.BIG_M).encode(s));
                assertTrue(e.getMessage().contains("mixed-integer"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class,
                    () -> new LpBounds(net, box, MilpEncoding.BIG_M, 1, () -> {}, backend, LpBounds.LIMIT_PER_LP));
        }
        // The other way round: a relaxation on a MILP solver through LpBounds is refused too.
        assertThrows(IllegalArgumentException.class,
                () -> new LpBounds(net, box, TriangleLp.Relaxation.TRIANGLE, 1, () -> {}, MilpBackend.SCIP, LpBounds.LIMIT_PER_LP));
        // The plain TriangleLp.lower runs GLOP: the exact encoding cannot go through it.
        assertThrows(IllegalArgumentException.class,
                () -> new TriangleLp(net, box, Map.of(), MilpEncoding.BIG_M).lower(LpNets.objective(net, new SplittableRandom(2)), LIMIT));
    }

    @Test
    void sigmoidAndTanhHaveNoExactEncoding() {
        for (Layer a : List.of(new Layer.Sigmoid(), new Layer.Tanh())) {
            SplittableRandom r = new SplittableRandom(5);
            var b = Network.builder(new Shape(3));
            b.add(RandomLayers.dense(r, 3, 4));
            int act = b.add(a);
            b.add(RandomLayers.dense(r, 4, 2));
            Network net = b.build();
            String name = net.node(act).name();
            String why = TriangleLp.exactlyEncodable(net).orElseThrow();
            assertTrue(why.contains(name) && why.contains(a.getClass().getSimpleName()), why);
            Interval box = new Interval(new double[] {0, 0, 0}, new double[] {1, 1, 1});
            try (OrToolsLpSolver s = new OrToolsLpSolver(MilpBackend.SCIP)) {
                InvalidInputException e = assertThrows(InvalidInputException.class,
                        () -> new TriangleLp(net, box, Map.of(), MilpEncoding.BIG_M).encode(s));
                assertTrue(e.getMessage().contains(name), e.getMessage());
            }
            // The relaxations still encode it.
            try (OrToolsLpSolver s = new OrToolsLpSolver()) {
                assertEquals(2, new TriangleLp(net, box, Map.of(), TriangleLp.Relaxation.TRIANGLE).encode(s).length);
            }
        }
        for (Net kind : Net.values()) assertTrue(TriangleLp.exactlyEncodable(build(kind, 0)).isEmpty(), kind.toString());
    }
}
