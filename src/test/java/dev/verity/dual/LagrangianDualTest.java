package dev.verity.dual;

import dev.verity.testing.RandomLayers;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.PoolGeometry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LagrangianDualTest {
    private static final int SEEDS = 6;

    /**
     * (a) Duality made concrete: CROWN's back-substitution coefficients, read as multipliers, give a dual
     * value equal to CROWN's bound with the same intermediate bounds (ReLU and leaky ReLU nets), and
     * never below it (sigmoid/tanh: the dual solves each neuron exactly, CROWN only through its lines).
     */
    @ParameterizedTest
    @EnumSource(DualNets.Family.class)
    void crownMultipliersReproduceCrown(DualNets.Family family) {
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom r = new SplittableRandom(100 + seed);
            Network net = DualNets.build(family, seed);
            Interval box = RandomLayers.box(r, net.inputShape().numel(), seed % 2 == 0 ? 0.3 : 1.0);
            Objective obj = RandomLayers.objective(r, 4, net.outputShape().numel());
            BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, obj);
            LagrangianDual.Problem p = new LagrangianDual(net).problem(box, crown.intermediate(), obj);
            double[] g = p.value(p.crownMultipliers());
            for (int i = 0; i < g.length; i++) {
                double c = crown.lower()[i], tol = 1e-9 * Math.max(1, Math.abs(c));
                String what = family + " seed " + seed + " row " + i + ": g(λ_CROWN) " + g[i] + " vs CROWN " + c;
                if (family.piecewiseLinear()) assertEquals(c, g[i], tol, what);
                else assertTrue(g[i] >= c - tol, what);
            }
        }
    }

    /**
     * (b) Weak duality: every iterate's g — from CROWN's, zero and random multipliers — is at most the
     * objective's minimum over 1,000 sampled inputs; (d) the optimised bound is at least CROWN's.
     */
    @ParameterizedTest
    @EnumSource(DualNets.Family.class)
    void everyIterateIsSoundAndTheOptimumBeatsCrown(DualNets.Family family) {
        for (int s = 0; s < SEEDS; s++) {
            int seed = s;
            SplittableRandom r = new SplittableRandom(200 + seed);
            Network net = DualNets.build(family, seed);
            Interval box = RandomLayers.box(r, net.inputShape().numel(), seed % 2 == 0 ? 0.4 : 1.2);
            Objective obj = RandomLayers.objective(r, 3, net.outputShape().numel());
            BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, obj);
            double[] sampled = DualNets.sampledMin(net, box, obj, 1000, r);
            LagrangianDual.Problem p = new LagrangianDual(net).problem(box, crown.intermediate(), obj);
            for (DualOptions.Init init : DualOptions.Init.values()) {
                DualOptions opt = DualOptions.defaults().withIterations(300).withLearningRate(0.05, 0.995).withInit(init, seed);
                int[] checked = {0};
                DualResult res = p.maximise(opt, (it, g, best, ns) -> {
                    for (int i = 0; i < g.length; i++) {
                        assertTrue(g[i] <= sampled[i] + 1e-9 * Math.max(1, Math.abs(sampled[i])),
                                family + " seed " + seed + " " + init + " iteration " + it + " row " + i + ": g " + g[i] + " above sampled min " + sampled[i]);
                        assertTrue(best[i] >= g[i]);
                    }
                    checked[0]++;
                });
                assertEquals(301, checked[0]);
                if (init == DualOptions.Init.CROWN) {
                    for (int i = 0; i < obj.rows(); i++)
                        assertTrue(res.lower()[i] >= crown.lower()[i] - 1e-9 * Math.max(1, Math.abs(crown.lower()[i])),
                                family + " seed " + seed + " row " + i + ": optimised " + res.lower()[i] + " below CROWN " + crown.lower()[i]);
                }
            }
        }
    }

    /** The optimiser does improve on CROWN where CROWN is loose (wide boxes, many unstable neurons). */
    @Test
    void optimisationTightensCrownOnWideBoxes() {
        int improved = 0;
        for (int seed = 0; seed < 8; seed++) {
            SplittableRandom r = new SplittableRandom(300 + seed);
            Network net = DualNets.build(DualNets.Family.DEEP_RELU, seed);
            Interval box = RandomLayers.box(r, net.inputShape().numel(), 1.5);
            Objective obj = RandomLayers.objective(r, 2, net.outputShape().numel());
            BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, obj);
            DualResult res = new LagrangianDual(net).problem(box, crown.intermediate(), obj).maximise(DualOptions.defaults().withIterations(500), null);
            for (int i = 0; i < obj.rows(); i++) if (res.lower()[i] > crown.lower()[i] + 1e-3 * Math.max(1, Math.abs(crown.lower()[i]))) improved++;
        }
        assertTrue(improved >= 4, "rows improved by more than 0.1%: " + improved + " of 16");
    }

    /** Rows are independent: optimising them together gives what optimising each alone gives; −row bounds above. */
    @Test
    void rowsAreIndependentAndNegatedRowsGiveUpperBounds() {
        SplittableRandom r = new SplittableRandom(5);
        Network net = DualNets.build(DualNets.Family.DENSE_RELU, 3);
        Interval box = RandomLayers.box(r, 4, 0.8);
        Objective obj = RandomLayers.objective(r, 3, 3);
        Objective both = new Objective(dev.verity.tensor.Tensor.matrix(new double[][]{
                row(obj, 0), row(obj, 1), row(obj, 2), neg(row(obj, 0)), neg(row(obj, 1)), neg(row(obj, 2))}),
                new double[]{obj.d()[0], obj.d()[1], obj.d()[2], -obj.d()[0], -obj.d()[1], -obj.d()[2]});
        BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, obj);
        LagrangianDual dual = new LagrangianDual(net);
        DualOptions opt = DualOptions.defaults().withIterations(200);
        double[] together = dual.problem(box, crown.intermediate(), both).maximise(opt, null).lower();
        for (int i = 0; i < 3; i++) {
            Objective single = new Objective(dev.verity.tensor.Tensor.matrix(new double[][]{row(obj, i)}), new double[]{obj.d()[i]});
            double alone = dual.problem(box, crown.intermediate(), single).maximise(opt, null).lower()[0];
            assertEquals(alone, together[i], 1e-12 * Math.max(1, Math.abs(alone)));
        }
        double[] sampledMax = DualNets.sampledMin(net, box, obj.negate(), 1000, r);
        for (int i = 0; i < 3; i++) {
            double upper = -together[3 + i];
            assertTrue(upper >= -sampledMax[i] - 1e-9, "upper bound " + upper + " below a sampled value " + -sampledMax[i]);
            assertTrue(upper >= together[i]);
        }
    }

    @Test
    void boundConvenienceUsesCrownIntermediates() {
        SplittableRandom r = new SplittableRandom(9);
        Network net = DualNets.build(DualNets.Family.CONV_RELU, 2);
        Interval box = RandomLayers.box(r, net.inputShape().numel(), 0.5);
        Objective obj = RandomLayers.objective(r, 2, 3);
        BoundEngine engine = new BoundEngine(net);
        DualResult res = new LagrangianDual(engine.network()).problem(box, engine.bound(Method.CROWN, box, obj).intermediate(), obj)
                .maximise(DualOptions.defaults().withIterations(0), null);
        assertArrayEquals(engine.bound(Method.CROWN, box, obj).lower(), res.lower(), 1e-9);
        assertEquals(0, res.iterations());
    }

    @Test
    void timeBudgetStopsTheOptimiser() {
        SplittableRandom r = new SplittableRandom(1);
        Network net = DualNets.build(DualNets.Family.DEEP_RELU, 1);
        Interval box = RandomLayers.box(r, 3, 1);
        Objective obj = RandomLayers.objective(r, 2, 2);
        BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, obj);
        DualResult res = new LagrangianDual(net).problem(box, crown.intermediate(), obj)
                .maximise(DualOptions.defaults().withIterations(Integer.MAX_VALUE).withTimeBudget(Duration.ofMillis(100)), null);
        assertTrue(res.iterations() > 0 && res.nanos() < 2_000_000_000L, res.toString());
    }

    @Test
    void unsupportedNetworksAreRejectedByName() {
        var b = Network.builder(new Shape(1, 4, 4));
        b.add(new Layer.MaxPool2d(PoolGeometry.simple(2, 2)));
        var e = assertThrows(UnsupportedOperationException.class, () -> new LagrangianDual(b.build()));
        assertTrue(e.getMessage().contains("MaxPool2d"), e.getMessage());

        var res = Network.builder(new Shape(3));
        res.add(new Layer.Dense(dev.verity.tensor.Tensor.zeros(3, 3), dev.verity.tensor.Tensor.zeros(3)));
        int h = res.add(new Layer.Relu());
        res.add(new Layer.Dense(dev.verity.tensor.Tensor.zeros(3, 3), dev.verity.tensor.Tensor.zeros(3)));
        res.add("skip", new Layer.Add(), h, res.last());
        var e2 = assertThrows(UnsupportedOperationException.class, () -> new LagrangianDual(res.build()));
        assertTrue(e2.getMessage().contains("skip") && e2.getMessage().contains("Add"), e2.getMessage());
    }

    @Test
    void missingOrMalformedIntermediateBoundsAreRejected() {
        Network net = DualNets.build(DualNets.Family.DENSE_RELU, 0);
        LagrangianDual dual = new LagrangianDual(net);
        Interval box = new Interval(new double[4], new double[]{1, 1, 1, 1});
        Objective obj = Objective.identity(3);
        assertThrows(IllegalArgumentException.class, () -> dual.problem(box, java.util.Map.of(), obj));
        var bad = new java.util.HashMap<Integer, Interval>();
        for (int id : dual.preActivationIds()) bad.put(id, new Interval(new double[]{0, 0, 0, 0, 0, Double.NEGATIVE_INFINITY}, new double[6]));
        assertThrows(IllegalArgumentException.class, () -> dual.problem(box, bad, obj));
    }

    private static double[] row(Objective o, int i) {
        int n = o.outputs();
        return java.util.Arrays.copyOfRange(o.c().data(), i * n, (i + 1) * n);
    }

    private static double[] neg(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = -v[i];
        return r;
    }
}
