package dev.verity.bounds;

import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.testing.RandomLayers;

import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * IBP against arithmetic done by hand: on a single affine layer the interval image of a box is the exact
 * range (each output's extreme is attained at the corner picked by the signs of its weights), and on a
 * conv + ReLU + max-pool + avg-pool + dense network the engine's IBP equals a naive element-by-element
 * interval evaluation written here with plain loops.
 */
class IbpExactnessTest {
    static final double TOL = 1e-12;

    /**
     * A worked example: W = [[2, −3], [0.5, 1]], b = (1, −1), box [−1, 2] × [0, 1].
     * y1 = 2x1 − 3x2 + 1 ∈ [2·(−1) − 3·1 + 1, 2·2 − 3·0 + 1] = [−4, 5];
     * y2 = 0.5x1 + x2 − 1 ∈ [0.5·(−1) + 0 − 1, 0.5·2 + 1 − 1] = [−1.5, 1].
     */
    @Test
    void denseLayerByHand() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{2, -3}, {0.5, 1}}), Tensor.vector(1, -1)));
        Network net = b.build();
        Interval box = new Interval(new double[]{-1, 0}, new double[]{2, 1});
        BoundResult r = new BoundEngine(net).bound(Method.IBP, box, Objective.identity(2));
        assertArrayEquals(new double[]{-4, -1.5}, r.lower(), TOL);
        assertArrayEquals(new double[]{5, 1}, r.upper(), TOL);
        // The objective y1 − y2 = 1.5x1 − 4x2 + 2 over the box: [1.5·(−1) − 4 + 2, 1.5·2 + 2] = [−3.5, 5]
        // (IBP folds the objective into the last dense layer, so this is exact, not [−4 − 1, 5 + 1.5]).
        Objective diff = new Objective(Tensor.matrix(new double[][]{{1, -1}}), new double[]{0});
        BoundResult d = new BoundEngine(net).bound(Method.IBP, box, diff);
        assertEquals(-3.5, d.lower()[0], TOL);
        assertEquals(5, d.upper()[0], TOL);
    }

    /**
     * The engine keeps its last box's interval pass (branch and bound bounds many domains of one box): one engine
     * bounding boxes A, B, A, and with the same arrays changed in place in between, must give what a fresh engine gives
     * for each — a stale pass would be unsound.
     */
    @Test
    void oneEngineOverChangingBoxesEqualsFreshEngines() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{2, -3}, {0.5, 1}}), Tensor.vector(1, -1)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1, 1}, {-1, 2}}), Tensor.vector(0, 0.5)));
        Network net = b.build();
        BoundEngine engine = new BoundEngine(net);
        double[] lo = {-1, 0}, hi = {2, 1};
        Interval a = new Interval(lo, hi), other = new Interval(new double[]{0, 0}, new double[]{0.5, 0.25});
        for (Interval box : new Interval[]{a, other, a}) {
            for (Method m : new Method[]{Method.IBP, Method.CROWN}) {
                BoundResult cached = engine.bound(m, box, Objective.identity(2));
                BoundResult fresh = new BoundEngine(net).bound(m, box, Objective.identity(2));
                assertArrayEquals(fresh.lower(), cached.lower(), 0, m + " " + box);
                assertArrayEquals(fresh.upper(), cached.upper(), 0, m + " " + box);
            }
        }
        lo[0] = 1.5; // the same arrays, another box
        for (Method m : new Method[]{Method.IBP, Method.CROWN}) {
            BoundResult cached = engine.bound(m, a, Objective.identity(2));
            BoundResult fresh = new BoundEngine(net).bound(m, new Interval(lo.clone(), hi.clone()), Objective.identity(2));
            assertArrayEquals(fresh.lower(), cached.lower(), 0, m.toString());
            assertArrayEquals(fresh.upper(), cached.upper(), 0, m.toString());
        }
    }

    /**
     * Random dense layers: IBP's bound of every output (and of random objectives) equals the sign-rule
     * range computed here, and the sign-rule corner attains it in the concrete forward pass.
     */
    @RepeatedTest(20)
    void denseLayerIsExact(RepetitionInfo info) {
        SplittableRandom r = new SplittableRandom(500 + info.getCurrentRepetition());
        int in = r.nextInt(1, 8), out = r.nextInt(1, 8);
        Layer.Dense dense = RandomLayers.dense(r, in, out);
        var b = Network.builder(new Shape(in));
        b.add(dense);
        Network net = b.build();
        Interval box = RandomLayers.box(r, in, r.nextDouble(0.01, 3));
        Objective obj = RandomLayers.objective(r, 3, out);
        // Hand computation of the exact range of c·(Wx + b) + d: fold c into W, pick l or u by sign.
        double[] w = dense.weight().data(), bias = dense.bias().data(), c = obj.c().data(), d = obj.d();
        double[] lo = new double[3], hi = new double[3];
        double[][] argmin = new double[3][in], argmax = new double[3][in];
        for (int k = 0; k < 3; k++) {
            lo[k] = hi[k] = d[k];
            for (int j = 0; j < out; j++) { lo[k] += c[k * out + j] * bias[j]; hi[k] += c[k * out + j] * bias[j]; }
            for (int i = 0; i < in; i++) {
                double cw = 0;
                for (int j = 0; j < out; j++) cw += c[k * out + j] * w[j * in + i];
                argmin[k][i] = cw >= 0 ? box.lower(i) : box.upper(i);
                argmax[k][i] = cw >= 0 ? box.upper(i) : box.lower(i);
                lo[k] += cw * argmin[k][i];
                hi[k] += cw * argmax[k][i];
            }
        }
        BoundResult res = new BoundEngine(net).bound(Method.IBP, box, obj);
        for (int k = 0; k < 3; k++) {
            double scale = TOL * (1 + Math.abs(lo[k]) + Math.abs(hi[k]));
            assertEquals(lo[k], res.lower()[k], scale, "lower of row " + k);
            assertEquals(hi[k], res.upper()[k], scale, "upper of row " + k);
            assertEquals(lo[k], objectiveAt(net, obj, k, argmin[k]), scale, "the lower bound is attained");
            assertEquals(hi[k], objectiveAt(net, obj, k, argmax[k]), scale, "the upper bound is attained");
        }
    }

    /** A single convolution (stride 2, padding 1) and a single element-wise affine map are exact too: every bound is attained. */
    @RepeatedTest(5)
    void convAndAffineLayersAreExact(RepetitionInfo info) {
        SplittableRandom r = new SplittableRandom(900 + info.getCurrentRepetition());
        for (Layer layer : new Layer[]{RandomLayers.conv(r, 2, 3, 3, ConvGeometry.simple(2, 1)),
                new Layer.Affine(RandomLayers.gaussian(r, 1, 2, 4, 4), RandomLayers.gaussian(r, 1, 2, 4, 4))}) {
            var b = Network.builder(new Shape(2, 4, 4));
            b.add(layer);
            Network net = b.build();
            int n = net.inputShape().numel(), outs = net.outputShape().numel();
            Interval box = RandomLayers.box(r, n, 0.7);
            BoundResult res = new BoundEngine(net).bound(Method.IBP, box, Objective.identity(outs));
            for (int j = 0; j < outs; j++) {
                // Gradient of output j by finite differences on a unit basis (the map is affine), then the sign-rule corners.
                double[] min = new double[n], max = new double[n];
                double at0 = Forward.evaluate(net, new Tensor(new double[n], 2, 4, 4)).data()[j];
                for (int i = 0; i < n; i++) {
                    double[] e = new double[n];
                    e[i] = 1;
                    double g = Forward.evaluate(net, new Tensor(e, 2, 4, 4)).data()[j] - at0;
                    min[i] = g >= 0 ? box.lower(i) : box.upper(i);
                    max[i] = g >= 0 ? box.upper(i) : box.lower(i);
                }
                double yMin = Forward.evaluate(net, new Tensor(min, 2, 4, 4)).data()[j], yMax = Forward.evaluate(net, new Tensor(max, 2, 4, 4)).data()[j];
                assertEquals(yMin, res.lower()[j], 1e-9, layer.describe() + " lower of output " + j);
                assertEquals(yMax, res.upper()[j], 1e-9, layer.describe() + " upper of output " + j);
            }
        }
    }

    private static double objectiveAt(Network net, Objective obj, int row, double[] x) {
        double[] y = Forward.evaluate(net, new Tensor(x.clone(), x.length)).data();
        double v = obj.d()[row];
        for (int j = 0; j < y.length; j++) v += obj.c().data()[row * y.length + j] * y[j];
        return v;
    }

    // ---- naive interval evaluation of a small conv + pool network ----------------------------------

    /**
     * Engine IBP = naive interval arithmetic on conv(2→3, k3, s1, p1) → ReLU → max-pool(2, 2) →
     * conv(3→2, k2, s1, p0) → ReLU → avg-pool(2, 2) → flatten → dense(2→3), for every node that feeds a
     * nonlinearity and for the output.
     */
    @RepeatedTest(10)
    void engineIbpEqualsNaiveIntervalsOnConvPoolNet(RepetitionInfo info) {
        SplittableRandom r = new SplittableRandom(1300 + info.getCurrentRepetition());
        Layer.Conv2d c1 = RandomLayers.conv(r, 2, 3, 3, ConvGeometry.simple(1, 1));
        Layer.Conv2d c2 = RandomLayers.conv(r, 3, 2, 2, ConvGeometry.simple(1, 0));
        Layer.Dense fc = RandomLayers.dense(r, 2, 3);
        var b = Network.builder(new Shape(2, 6, 6));
        int n1 = b.add(c1);                                            // [3, 6, 6]
        b.add(new Layer.Relu());
        int pool = b.add(new Layer.MaxPool2d(PoolGeometry.simple(2, 2))); // [3, 3, 3]
        int n2 = b.add(c2);                                            // [2, 2, 2]
        b.add(new Layer.Relu());
        b.add(new Layer.AvgPool2d(PoolGeometry.simple(2, 2)));         // [2, 1, 1]
        b.add(new Layer.Flatten());
        b.add(fc);
        Network net = b.build();
        Interval box = RandomLayers.box(r, 72, r.nextDouble(0.05, 1.5));

        double[][] x = {box.lower().clone(), box.upper().clone()};
        double[][] z1 = conv(x, c1, 2, 6, 6, 1, 1);                    // [3, 6, 6]
        double[][] p = maxPool(relu(z1), 3, 6, 6);                     // [3, 3, 3]
        double[][] z2 = conv(p, c2, 3, 3, 3, 1, 0);                    // [2, 2, 2]
        double[][] a = avgPool(relu(z2), 2, 2, 2);                     // [2, 1, 1]
        double[][] y = dense(a, fc);

        BoundResult res = new BoundEngine(net).bound(Method.IBP, box, Objective.identity(3));
        assertClose(z1, res.intermediate().get(n1), "conv1");
        assertClose(relu(z1), res.intermediate().get(n1 + 1), "relu1 (feeds the max-pool)");
        assertClose(z2, res.intermediate().get(n2), "conv2");
        assertArrayEquals(y[0], res.lower(), 1e-10, "output lower");
        assertArrayEquals(y[1], res.upper(), 1e-10, "output upper");
        assertEquals(java.util.Set.of(n1, n1 + 1, n2), res.intermediate().keySet());
        assertEquals(pool, n1 + 2);
    }

    private static void assertClose(double[][] expected, Interval actual, String what) {
        assertArrayEquals(expected[0], actual.lower(), 1e-10, what + " lower");
        assertArrayEquals(expected[1], actual.upper(), 1e-10, what + " upper");
    }

    /** Interval convolution: each weight times the lower or upper input by its sign; zero padding contributes 0. */
    static double[][] conv(double[][] x, Layer.Conv2d c, int ch, int h, int w, int stride, int pad) {
        int o = c.weight().dim(0), k = c.weight().dim(2);
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        double[] wt = c.weight().data(), bias = c.bias().data();
        double[][] y = new double[2][o * oh * ow];
        for (int oc = 0; oc < o; oc++)
            for (int yy = 0; yy < oh; yy++)
                for (int xx = 0; xx < ow; xx++) {
                    double lo = bias[oc], hi = bias[oc];
                    for (int ic = 0; ic < ch; ic++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                int iy = yy * stride - pad + ky, ix = xx * stride - pad + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                double wv = wt[((oc * ch + ic) * k + ky) * k + kx];
                                int idx = (ic * h + iy) * w + ix;
                                lo += wv >= 0 ? wv * x[0][idx] : wv * x[1][idx];
                                hi += wv >= 0 ? wv * x[1][idx] : wv * x[0][idx];
                            }
                    y[0][(oc * oh + yy) * ow + xx] = lo;
                    y[1][(oc * oh + yy) * ow + xx] = hi;
                }
        return y;
    }

    static double[][] relu(double[][] x) {
        double[][] y = new double[2][x[0].length];
        for (int i = 0; i < x[0].length; i++) {
            y[0][i] = Math.max(0, x[0][i]);
            y[1][i] = Math.max(0, x[1][i]);
        }
        return y;
    }

    /** Max-pool, kernel 2, stride 2: max is monotone, so the max of lowers and the max of uppers. */
    static double[][] maxPool(double[][] x, int ch, int h, int w) {
        return pool(x, ch, h, w, true);
    }

    /** Average-pool, kernel 2, stride 2: non-negative weights, so the average of lowers and of uppers. */
    static double[][] avgPool(double[][] x, int ch, int h, int w) {
        return pool(x, ch, h, w, false);
    }

    private static double[][] pool(double[][] x, int ch, int h, int w, boolean max) {
        int oh = h / 2, ow = w / 2;
        double[][] y = new double[2][ch * oh * ow];
        for (int s = 0; s < 2; s++)
            for (int c = 0; c < ch; c++)
                for (int yy = 0; yy < oh; yy++)
                    for (int xx = 0; xx < ow; xx++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        for (int ky = 0; ky < 2; ky++)
                            for (int kx = 0; kx < 2; kx++) {
                                double v = x[s][(c * h + 2 * yy + ky) * w + 2 * xx + kx];
                                acc = max ? Math.max(acc, v) : acc + v / 4;
                            }
                        y[s][(c * oh + yy) * ow + xx] = acc;
                    }
        return y;
    }

    static double[][] dense(double[][] x, Layer.Dense d) {
        int in = d.in(), out = d.out();
        double[] w = d.weight().data(), bias = d.bias().data();
        double[][] y = new double[2][out];
        for (int j = 0; j < out; j++) {
            double lo = bias[j], hi = bias[j];
            for (int i = 0; i < in; i++) {
                double wv = w[j * in + i];
                lo += wv >= 0 ? wv * x[0][i] : wv * x[1][i];
                hi += wv >= 0 ? wv * x[1][i] : wv * x[0][i];
            }
            y[0][j] = lo;
            y[1][j] = hi;
        }
        return y;
    }
}
