package dev.verity.check;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class RigorousCrownTest {

    /**
     * The checker's bound is sound — below every sampled output and below the LP relaxation's optimum (lp-all, which no
     * single-neuron relaxation can beat) — and equals the engine's CROWN (its default, "pure" intermediate bounds) up
     * to rounding: it follows the same procedure, with rigorous rounding, so it is never above it.
     */
    @Test
    void agreesWithTheEnginesCrownAndIsBelowEverySample() {
        SplittableRandom r = new SplittableRandom(7);
        for (int t = 0; t < 30; t++) {
            int[] widths = {3 + r.nextInt(4), 4 + r.nextInt(8), 4 + r.nextInt(8), 4 + r.nextInt(8), 2 + r.nextInt(3)};
            Network net = RandomLayers.mlp(r, widths, new Layer.Relu());
            double[] centre = new double[widths[0]];
            for (int i = 0; i < centre.length; i++) centre[i] = r.nextDouble(-1, 1);
            Box box = Box.around(centre, r.nextDouble(0.05, 0.5));
            double[] c = new double[widths[4]];
            for (int i = 0; i < c.length; i++) c[i] = r.nextDouble(-1, 1);
            double d = r.nextDouble(-1, 1);
            ReluChain chain = ReluChain.of(net);
            RigorousCrown rc = new RigorousCrown(chain, box.lower(), box.upper(), null, null);
            double checker = rc.rowLower(chain.layers(), c, d);
            BoundEngine engine = new BoundEngine(net);
            Objective obj = Objective.of(List.of(new LinearConstraint(c, d)), c.length);
            double crown = engine.bound(Method.CROWN, new Interval(box.lower(), box.upper()), obj).lower()[0];
            double lp = engine.bound(Method.LP_ALL, new Interval(box.lower(), box.upper()), obj).lower()[0];
            assertEquals(crown, checker, 1e-9 * (1 + Math.abs(crown)), "net " + t);
            assertTrue(checker <= crown, "net " + t + ": rigorous " + checker + " above the nearest-rounded " + crown);
            assertTrue(checker <= lp + 1e-7 * (1 + Math.abs(lp)), "net " + t + ": checker " + checker + " above the LP optimum " + lp);
            for (int s = 0; s < 200; s++) {
                double[] x = new double[centre.length];
                for (int i = 0; i < x.length; i++) x[i] = r.nextDouble(box.lower(i), box.upper(i));
                double[] y = Forward.evaluate(net, new Tensor(x, x.length)).data();
                double v = d;
                for (int i = 0; i < y.length; i++) v += c[i] * y[i];
                assertTrue(rc.outputRowLower(c, d) <= v, "net " + t + ": bound above a sample");
            }
        }
    }

    /**
     * A network that ends in a ReLU (as ERAN's mnist_relu_* do, on the logits): the checker reads it with an identity
     * block after the last ReLU, and its bound equals the engine's CROWN and stays below every sample.
     */
    @Test
    void readsANetworkEndingInAReLU() {
        SplittableRandom r = new SplittableRandom(11);
        for (int t = 0; t < 10; t++) {
            Network base = RandomLayers.mlp(r, new int[] {3, 6, 6, 3}, new Layer.Relu());
            Network.Builder b = Network.builder(base.inputShape());
            for (dev.verity.model.Node node : base.nodes()) if (node.id() > 0) b.add(node.layer());
            b.add(new Layer.Relu());
            Network net = b.build();
            Box box = Box.around(new double[] {r.nextDouble(-1, 1), r.nextDouble(-1, 1), r.nextDouble(-1, 1)}, r.nextDouble(0.1, 0.5));
            double[] c = {r.nextDouble(-1, 1), r.nextDouble(-1, 1), r.nextDouble(-1, 1)};
            ReluChain chain = ReluChain.of(net);
            assertEquals(4, chain.layers(), "three linear blocks and the identity after the last ReLU");
            RigorousCrown rc = new RigorousCrown(chain, box.lower(), box.upper(), null, null);
            double crown = new BoundEngine(net).bound(Method.CROWN, new Interval(box.lower(), box.upper()),
                    Objective.of(List.of(new LinearConstraint(c, 0)), 3)).lower()[0];
            double checker = rc.rowLower(chain.layers(), c, 0);
            assertEquals(crown, checker, 1e-9 * (1 + Math.abs(crown)), "net " + t);
            for (int s = 0; s < 200; s++) {
                double[] x = new double[3];
                for (int i = 0; i < 3; i++) x[i] = r.nextDouble(box.lower(i), box.upper(i));
                double[] y = Forward.evaluate(net, new Tensor(x, 3)).data();
                assertTrue(rc.outputRowLower(c, 0) <= c[0] * y[0] + c[1] * y[1] + c[2] * y[2], "net " + t + ": bound above a sample");
            }
        }
    }

    /**
     * Convolutional chains (padding, strides, an element-wise affine map, average and max pooling): the checker's CROWN
     * equals the engine's where it back-substitutes (no max pooling), its bound is at least the engine's CROWN and
     * interval bounds, and below every sample; a dense layer on a reshaped axis is refused.
     */
    @Test
    void convolutionsAndPoolingAgreeWithTheEngineAndStaySound() {
        SplittableRandom r = new SplittableRandom(11);
        for (int t = 0; t < 12; t++) {
            boolean max = t % 3 == 2;
            Network net = switch (t % 3) {
                case 0 -> RandomLayers.convRelu(r);
                default -> {
                    var b = Network.builder(new dev.verity.model.Shape(2, 6, 6));
                    b.add(new Layer.Affine(RandomLayers.gaussian(r, 1, 2, 6, 6), RandomLayers.gaussian(r, 0.3, 2, 6, 6)));
                    b.add(RandomLayers.conv(r, 2, 3, 3, dev.verity.tensor.ConvGeometry.simple(1, 1)));   // [3, 6, 6]
                    b.add(new Layer.Relu());
                    dev.verity.tensor.PoolGeometry g = dev.verity.tensor.PoolGeometry.simple(2, 2);
                    b.add(max ? new Layer.MaxPool2d(g) : new Layer.AvgPool2d(g));                        // [3, 3, 3]
                    b.add(new Layer.Flatten());
                    b.add(RandomLayers.dense(r, 27, 3));
                    yield b.build();
                }
            };
            int n = net.inputShape().numel();
            double[] centre = new double[n];
            for (int i = 0; i < n; i++) centre[i] = r.nextDouble(-1, 1);
            Box box = Box.around(centre, r.nextDouble(0.02, 0.2));
            double[] c = {r.nextDouble(-1, 1), r.nextDouble(-1, 1), r.nextDouble(-1, 1)};
            double d = r.nextDouble(-1, 1);
            ReluChain chain = ReluChain.of(net);
            RigorousCrown rc = new RigorousCrown(chain, box.lower(), box.upper(), null, null);
            double checker = rc.outputRowLower(c, d);
            BoundEngine engine = new BoundEngine(net);
            Objective obj = Objective.of(List.of(new LinearConstraint(c, d)), 3);
            Interval in = new Interval(box.lower(), box.upper());
            double crown = engine.bound(Method.CROWN, in, obj).lower()[0], ibp = engine.bound(Method.IBP, in, obj).lower()[0];
            double best = max ? ibp : Math.max(crown, ibp);
            assertTrue(checker >= best - 1e-9 * (1 + Math.abs(best)), "net " + t + ": " + checker + " below the engine's " + best);
            if (!max) assertEquals(crown, rc.rowLower(chain.layers(), c, d), 1e-9 * (1 + Math.abs(crown)), "net " + t + ": CROWN");
            for (int s = 0; s < 300; s++) {
                double[] x = new double[n];
                for (int i = 0; i < n; i++) x[i] = r.nextDouble(box.lower(i), box.upper(i));
                double[] y = Forward.evaluate(net, new Tensor(x, net.inputShape().dims())).data();
                double v = d;
                for (int i = 0; i < 3; i++) v += c[i] * y[i];
                assertTrue(checker <= v, "net " + t + ": bound " + checker + " above a sample " + v);
            }
        }
        assertThrows(ReluChain.UnsupportedNetwork.class, () -> ReluChain.of(RandomLayers.affineReshapeRelu(new SplittableRandom(1))));
    }
}
