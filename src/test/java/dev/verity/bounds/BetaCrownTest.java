package dev.verity.bounds;

import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class BetaCrownTest {

    private static Interval box(SplittableRandom r, int n, double radius) {
        double[] lo = new double[n], hi = new double[n];
        for (int i = 0; i < n; i++) {
            double c = r.nextDouble(-1, 1);
            lo[i] = c - radius;
            hi[i] = c + radius;
        }
        return new Interval(lo, hi);
    }

    private static Objective randomRows(SplittableRandom r, int rows, int outputs) {
        double[] c = new double[rows * outputs], d = new double[rows];
        for (int i = 0; i < c.length; i++) c[i] = r.nextDouble(-1, 1);
        for (int i = 0; i < rows; i++) d[i] = r.nextDouble(-1, 1);
        return new Objective(new Tensor(c, rows, outputs), d);
    }

    /** With nothing split, β-CROWN is alpha-CROWN over CROWN's intermediate bounds: the same optimisation, the same numbers. */
    @Test
    void withoutSplitsItIsAlphaCrown() {
        SplittableRandom r = new SplittableRandom(8);
        for (int t = 0; t < 5; t++) {
            Network net = RandomLayers.mlp(r, new int[] {4, 12, 12, 3}, new Layer.Relu());
            BoundEngine engine = new BoundEngine(net, BoundOptions.defaults().withAlphaIntermediate(false));
            Interval box = box(r, 4, 0.6);
            Objective obj = randomRows(r, 3, 3);
            double[] alpha = engine.boundLower(Method.ALPHA_CROWN, box, obj).lower();
            double[] crown = engine.boundLower(Method.CROWN, box, obj).lower();
            Map<Integer, Interval> pre = engine.intermediateBounds(Method.CROWN, box, Map.of(), -1);
            BetaCrown beta = new BetaCrown(engine);
            // both as one query, and each row as its own query of a batch: a batch is its rows, nothing shared
            double[] one = beta.bound(box, List.of(new BetaCrown.Query(pre, List.of(), obj)), beta.defaultIterations(), false).getFirst().lower();
            for (int i = 0; i < 3; i++) {
                assertEquals(alpha[i], one[i], 1e-9 * Math.max(1, Math.abs(alpha[i])), "net " + t + " row " + i);
                assertTrue(one[i] >= crown[i] - 1e-12, "never looser than CROWN");
            }
        }
    }

    /**
     * A deadline already past ends the optimisation after its first step (a branch and bound at its deadline is not held
     * up by a batch's steps): the bounds are exactly those of a one-step run, and the unlimited run's are tighter.
     */
    @Test
    void aPassedDeadlineEndsTheOptimisationAfterOneStep() {
        SplittableRandom r = new SplittableRandom(9);
        Network net = RandomLayers.mlp(r, new int[] {4, 12, 12, 3}, new Layer.Relu());
        BoundEngine engine = new BoundEngine(net, BoundOptions.defaults().withAlphaIntermediate(false));
        Interval box = box(r, 4, 0.6);
        Objective obj = randomRows(r, 3, 3);
        Map<Integer, Interval> pre = engine.intermediateBounds(Method.CROWN, box, Map.of(), -1);
        BetaCrown beta = new BetaCrown(engine);
        List<BetaCrown.Query> q = List.of(new BetaCrown.Query(pre, List.of(), obj));
        double[] stopped = beta.bound(box, q, 50, false, System.nanoTime()).getFirst().lower();
        double[] one = beta.bound(box, q, 1, false).getFirst().lower();
        double[] full = beta.bound(box, q, 50, false).getFirst().lower();
        assertArrayEquals(one, stopped, 0.0);
        double gained = 0;
        for (int i = 0; i < 3; i++) gained += full[i] - stopped[i];
        assertTrue(gained > 1e-6, "50 steps tighten the rows: " + gained);
    }

    /**
     * Random splits of unstable neurons (the split neuron clamped, the later layers' bounds recomputed): every sampled
     * input that satisfies the splits has objective values at or above β-CROWN's bounds, for the domain bounded alone
     * and inside a batch of domains with different splits.
     */
    @Test
    void boundsHoldOnTheDomainsPoints() {
        SplittableRandom r = new SplittableRandom(12);
        int checked = 0;
        for (int t = 0; t < 8; t++) {
            Network net = RandomLayers.mlp(r, new int[] {3, 10, 10, 10, 2}, new Layer.Relu());
            BoundEngine engine = new BoundEngine(net);
            BetaCrown beta = new BetaCrown(engine);
            Interval box = box(r, 3, 0.8);
            Objective obj = randomRows(r, 2, 2);
            Map<Integer, Interval> root = engine.intermediateBounds(Method.CROWN, box, Map.of(), -1);
            List<BetaCrown.Query> queries = new ArrayList<>();
            for (int q = 0; q < 4; q++) {
                Map<Integer, Interval> pre = new LinkedHashMap<>(root);
                List<BetaCrown.Split> splits = new ArrayList<>();
                for (int node : beta.preActivationNodes()) {
                    Interval iv = pre.get(node);
                    for (int j = 0; j < iv.size() && splits.size() < 3; j++) {
                        if (iv.lower(j) < 0 && iv.upper(j) > 0 && r.nextInt(4) == 0) {
                            BetaCrown.Split s = new BetaCrown.Split(node, j, r.nextBoolean());
                            splits.add(s);
                            double[] lo = iv.lower().clone(), hi = iv.upper().clone();
                            if (s.active()) lo[j] = 0; else hi[j] = 0;
                            iv = new Interval(lo, hi);
                            pre.put(node, iv);
                            pre = engine.intermediateBounds(Method.CROWN, box, pre, node);
                        }
                    }
                }
                queries.add(new BetaCrown.Query(pre, splits, obj));
            }
            List<BetaCrown.Bound> batch = beta.bound(box, queries, 20, false);
            for (int q = 0; q < queries.size(); q++) {
                BetaCrown.Query query = queries.get(q);
                double[] alone = beta.bound(box, List.of(query), 20, false).getFirst().lower();
                SplittableRandom s = new SplittableRandom(t * 10L + q);
                for (int i = 0; i < 4000; i++) {
                    double[] x = new double[3];
                    for (int j = 0; j < 3; j++) x[j] = s.nextDouble(box.lower(j), box.upper(j));
                    List<Tensor> values = Forward.runAll(net, TensorOps.INSTANCE, new Tensor(x, 1, 3));
                    boolean inside = true;
                    for (BetaCrown.Split sp : query.splits()) {
                        double z = values.get(sp.node()).data()[sp.neuron()];
                        inside &= sp.active() ? z >= 0 : z <= 0;
                    }
                    if (!inside) continue;
                    checked++;
                    double[] y = values.getLast().data();
                    for (int row = 0; row < obj.rows(); row++) {
                        double v = obj.d()[row];
                        for (int k = 0; k < y.length; k++) v += obj.c().data()[row * y.length + k] * y[k];
                        assertTrue(v >= alone[row] - 1e-9, "net " + t + " domain " + q + " row " + row + ": " + v + " < " + alone[row]);
                        assertTrue(v >= batch.get(q).lower()[row] - 1e-9, "batched");
                    }
                }
            }
        }
        assertTrue(checked > 5000, "points inside the domains: " + checked);
    }
}
