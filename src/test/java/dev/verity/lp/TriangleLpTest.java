package dev.verity.lp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TriangleLpTest {
    static final Duration LIMIT = Duration.ofSeconds(10);
    static final int SEEDS = 12, SAMPLES = 300;

    // ---- (a) a 2-2-1 net whose Triangle LP optimum is computed by vertex enumeration ------------------

    /** z = W1 x + b1 over x in [−1, 1]²: z1 = x1 + x2 in [−2, 2], z2 = x1 − x2 + 0.5 in [−1.5, 2.5]; out = y1 − 2 y2 + 0.25. */
    static Network twoByTwo() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(new Tensor(new double[]{1, 1, 1, -1}, 2, 2), new Tensor(new double[]{0, 0.5}, 2)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(new Tensor(new double[]{1, -2}, 1, 2), new Tensor(new double[]{0.25}, 1)));
        return b.build();
    }

    @Test
    void triangleOptimumEqualsVertexEnumeration() {
        Network net = twoByTwo();
        Interval box = new Interval(new double[]{-1, -1}, new double[]{1, 1});
        Objective obj = new Objective(new Tensor(new double[]{1, -1, 3}, 3, 1), new double[]{0, 0.5, -1});
        BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, obj);
        Interval pre = crown.intermediate().get(1);
        assertArrayEquals(new double[]{-2, -1.5}, pre.lower(), 0);
        assertArrayEquals(new double[]{2, 2.5}, pre.upper(), 0);
        for (TriangleLp.Relaxation relaxation : List.of(TriangleLp.Relaxation.TRIANGLE, TriangleLp.Relaxation.PARALLELOGRAM)) {
            TriangleLp.Result lp = new TriangleLp(net, box, crown.intermediate(), relaxation).lower(obj, LIMIT);
            for (int i = 0; i < obj.rows(); i++) {
                double k = obj.c().data()[i];
                // objective k·(y1 − 2 y2 + 0.25) + d over (x1, x2, y1, y2)
                double exact = VertexEnumeration.minimum(constraints(pre, relaxation), new double[]{0, 0, k, -2 * k}, k * 0.25 + obj.d()[i]);
                assertEquals(exact, lp.lower()[i], 1e-9, relaxation + " row " + i);
                assertTrue(lp.lower()[i] <= exact + 1e-12, "the safe bound must not exceed the true optimum");
            }
        }
    }

    /** The LP's constraints as rows a·(x1, x2, y1, y2) <= β (β the last entry). */
    static double[][] constraints(Interval pre, TriangleLp.Relaxation relaxation) {
        java.util.List<double[]> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            double[] up = new double[5], down = new double[5];
            up[i] = 1; up[4] = 1;      //  x_i <= 1
            down[i] = -1; down[4] = 1; // −x_i <= 1
            rows.add(up);
            rows.add(down);
        }
        for (int k = 0; k < 2; k++) {
            double l = pre.lower(k), u = pre.upper(k);
            rows.add(row(k, -1, 0, -l));                      // z >= l
            rows.add(row(k, 1, 0, u));                        // z <= u
            rows.add(row(k, 0, -1, 0));                       // y >= 0
            rows.add(row(k, 1, -1, 0));                       // y >= z
            if (relaxation == TriangleLp.Relaxation.TRIANGLE) {
                double s = u / (u - l);
                rows.add(row(k, -s, 1, -s * l));              // y <= s (z − l)
            } else {
                rows.add(row(k, 0, 1, u));                    // y <= u
                rows.add(row(k, -1, 1, -l));                  // y <= z − l
            }
        }
        return rows.toArray(double[][]::new);
    }

    /** zc·z_k + yc·y_k <= rhs with z_1 = x1 + x2, z_2 = x1 − x2 + 0.5 written out in x. */
    private static double[] row(int k, double zc, double yc, double rhs) {
        double[][] a = {{1, 1}, {1, -1}};
        double[] b = {0, 0.5};
        double[] r = new double[5];
        r[0] = zc * a[k][0];
        r[1] = zc * a[k][1];
        r[2 + k] = yc;
        r[4] = rhs - zc * b[k];
        return r;
    }

    // ---- (b), (c) random nets --------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(LpNets.Family.class)
    void soundAndAtLeastAsTightAsCrown(LpNets.Family family) {
        int tighter = 0, rowsSeen = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            Network net = LpNets.build(family, seed);
            SplittableRandom r = new SplittableRandom(100 + seed);
            Interval box = LpNets.box(net, r);
            Objective obj = LpNets.objective(net, r);
            BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, obj);
            TriangleLp.Result tri = new TriangleLp(net, box, crown.intermediate(), TriangleLp.Relaxation.TRIANGLE).lower(obj, LIMIT);
            TriangleLp.Result par = new TriangleLp(net, box, crown.intermediate(), TriangleLp.Relaxation.PARALLELOGRAM).lower(obj, LIMIT);
            double[] sampled = sampledMinimum(net, box, obj, r);
            String at = family + " seed " + seed + " row ";
            for (int i = 0; i < obj.rows(); i++) {
                TriangleLp.RowBound row = tri.rows().get(i);
                assertEquals(LpStatus.OPTIMAL, row.status(), at + i);
                // (b) the safe bound is the reported optimum up to GLOP's tolerance, never above it
                assertTrue(row.bound() <= row.reported() + 1e-12 * Math.max(1, Math.abs(row.reported())), at + i + ": " + row);
                assertTrue(row.bound() >= row.reported() - 1e-7, at + i + ": " + row);
                // (c) the Triangle is each ReLU's convex hull and CROWN's lines one feasible dual
                assertTrue(tri.lower()[i] >= crown.lower()[i] - 1e-9, at + i + ": triangle " + tri.lower()[i] + " < crown " + crown.lower()[i]);
                assertTrue(tri.lower()[i] <= sampled[i], at + i + ": triangle " + tri.lower()[i] + " above a sampled value " + sampled[i]);
                // the Parallelogram contains the Triangle: looser, and sound
                assertTrue(par.lower()[i] <= tri.lower()[i] + 1e-9, at + i);
                assertTrue(par.lower()[i] <= sampled[i], at + i);
                if (tri.lower()[i] > crown.lower()[i] + 1e-6) tighter++;
                rowsSeen++;
            }
        }
        // Not vacuous: the LP is strictly tighter than CROWN on a good share of the rows.
        System.out.println(family + ": Triangle LP strictly tighter than CROWN on " + tighter + " of " + rowsSeen + " rows");
        assertTrue(tighter > 0, family + ": the Triangle LP never beat CROWN");
    }

    /** min over sampled inputs (corners included: the extreme points of the box) of every row. */
    static double[] sampledMinimum(Network net, Interval box, Objective obj, SplittableRandom r) {
        int n = box.size(), m = obj.rows(), outs = obj.outputs();
        double[] min = new double[m];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        double[] c = obj.c().data(), d = obj.d();
        for (int s = 0; s < SAMPLES; s++) {
            double[] x = new double[n];
            for (int j = 0; j < n; j++) {
                double t = s < SAMPLES / 3 ? (r.nextBoolean() ? 1 : 0) : r.nextDouble();
                x[j] = box.lower(j) + t * (box.upper(j) - box.lower(j));
            }
            double[] y = Forward.evaluate(net, new Tensor(x, net.inputShape().dims())).data();
            for (int i = 0; i < m; i++) {
                double v = d[i];
                for (int j = 0; j < outs; j++) v += c[i * outs + j] * y[j];
                min[i] = Math.min(min[i], v);
            }
        }
        return min;
    }

    // ---- edges -----------------------------------------------------------------------------------------

    /**
     * Sigmoid (formerly rejected) is encoded by the engine's own lines: the LP's bound holds at sampled points
     * and is at least CROWN's, whose back-substitution uses the same lines.
     */
    @Test
    void sigmoidIsEncodedByTheEnginesLines() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(new Tensor(new double[]{1, 1, 1, -1}, 2, 2), new Tensor(new double[]{0, 0}, 2)));
        b.add(new Layer.Sigmoid());
        b.add(new Layer.Dense(new Tensor(new double[]{1, -2}, 1, 2), new Tensor(new double[]{0}, 1)));
        Network net = b.build();
        Interval box = new Interval(new double[]{-1, -1}, new double[]{1, 1});
        Objective obj = new Objective(new Tensor(new double[]{1, -1}, 2, 1), new double[2]);
        BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, obj);
        double[] lp = new TriangleLp(net, box, crown.intermediate(), TriangleLp.Relaxation.TRIANGLE).lower(obj, LIMIT).lower();
        double[] sampled = sampledMinimum(net, box, obj, new SplittableRandom(5));
        for (int i = 0; i < 2; i++) {
            assertTrue(lp[i] <= sampled[i], "row " + i + " unsound");
            assertTrue(lp[i] >= crown.lower()[i] - 1e-9, "row " + i + " below CROWN");
        }
    }

    /** Without intermediate bounds the ReLUs use interval bounds: looser, still sound. */
    @Test
    void missingIntermediateBoundsFallBackToIntervals() {
        Network net = LpNets.build(LpNets.Family.DEEP, 3);
        SplittableRandom r = new SplittableRandom(3);
        Interval box = LpNets.box(net, r);
        Objective obj = LpNets.objective(net, r);
        double[] withIbp = new TriangleLp(net, box, Map.of(), TriangleLp.Relaxation.TRIANGLE).lower(obj, LIMIT).lower();
        BoundResult ibp = new BoundEngine(net).bound(Method.IBP, box, obj);
        double[] sampled = sampledMinimum(net, box, obj, r);
        for (int i = 0; i < obj.rows(); i++) {
            assertTrue(withIbp[i] <= sampled[i]);
            assertTrue(withIbp[i] >= ibp.lower()[i] - 1e-9, "LP over interval bounds is at least IBP");
        }
    }

    @Test
    void inconsistentIntermediateBoundsAreRejected() {
        Network net = twoByTwo();
        Interval box = new Interval(new double[]{-1, -1}, new double[]{1, 1});
        Map<Integer, Interval> bad = Map.of(1, new Interval(new double[]{5, 0}, new double[]{6, 1})); // z1 <= 2 on the box
        var lp = new TriangleLp(net, box, bad, TriangleLp.Relaxation.TRIANGLE);
        assertThrows(IllegalArgumentException.class, () -> lp.lower(Objective.identity(1), LIMIT));
    }
}
