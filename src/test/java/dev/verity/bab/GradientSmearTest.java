package dev.verity.bab;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class GradientSmearTest {

    /**
     * y = relu(x1 + x2) + relu(x1 − x2) on [−1, 1]²: both ReLUs unstable, so ∂y/∂x1 = d1 + d2 ∈ [0, 2] and
     * ∂y/∂x2 = d1 − d2 ∈ [−1, 1] with d ∈ [0, 1]; smears 2·2 and 1·2. CROWN's lower bound of y has the same slope on both
     * ReLUs (l = −u), so its x2 coefficient cancels to 0: the linear score would never split x2 though every kink
     * depends on it.
     */
    @Test
    void aDimensionWhoseLinearCoefficientCancelsKeepsItsSmear() {
        Network.Builder b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1}, {1, -1}}), Tensor.vector(0, 0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1}}), Tensor.vector(0)));
        Network net = b.build();
        Interval box = new Interval(new double[] {-1, -1}, new double[] {1, 1});
        BoundEngine engine = new BoundEngine(net);
        Map<Integer, Interval> pre = engine.intermediateBounds(Method.CROWN, box, Map.of(), -1);
        double[] score = new double[2];
        GradientSmear.of(net).orElseThrow().addScore(new double[] {1}, pre, box.lower(), box.upper(), score);
        assertArrayEquals(new double[] {4, 2}, score, 1e-12);

        var lin = engine.linearLower(Method.CROWN, box, Objective.identity(1), Map.of());
        assertEquals(0, lin.coeff().data()[1], 1e-12, "CROWN's x2 coefficient cancels");
    }

    /** A stable ReLU passes its exact derivative: active 1, inactive 0 (then the input's score is 0). */
    @Test
    void stableReluPassesItsExactDerivative() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{2}, {-3}}), Tensor.vector(5, -10)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1}}), Tensor.vector(0)));
        Network net = b.build();
        Interval box = new Interval(new double[] {0}, new double[] {1}); // 2x + 5 > 0, −3x − 10 < 0
        Map<Integer, Interval> pre = new BoundEngine(net).intermediateBounds(Method.CROWN, box, Map.of(), -1);
        double[] score = new double[1];
        GradientSmear.of(net).orElseThrow().addScore(new double[] {-1}, pre, box.lower(), box.upper(), score);
        assertEquals(2, score[0], 1e-12);
    }

    /**
     * Soundness of the gradient interval on random MLPs (ReLU and leaky ReLU): at random points of the box, the
     * finite-difference derivative of a random row times the width never exceeds the score.
     */
    @Test
    void theScoreBoundsEverySampledDerivative() {
        SplittableRandom r = new SplittableRandom(17);
        for (int t = 0; t < 40; t++) {
            Network net = t % 2 == 0 ? RandomLayers.mlp(r, new int[] {4, 12, 10, 3}, new Layer.Relu()) : RandomLayers.leakyMlp(r);
            int n = net.inputShape().numel(), outputs = net.outputShape().numel();
            Interval box = RandomLayers.box(r, n, 0.2 + r.nextDouble());
            double[] c = new double[outputs];
            for (int o = 0; o < outputs; o++) c[o] = r.nextDouble() * 2 - 1;
            Map<Integer, Interval> pre = new BoundEngine(net).intermediateBounds(Method.CROWN, box, Map.of(), -1);
            double[] score = new double[n];
            GradientSmear.of(net).orElseThrow().addScore(c, pre, box.lower(), box.upper(), score);
            for (int s = 0; s < 50; s++) {
                double[] x = new double[n];
                for (int j = 0; j < n; j++) x[j] = box.lower(j) + r.nextDouble() * (box.upper(j) - box.lower(j));
                for (int j = 0; j < n; j++) {
                    double h = 1e-7, width = box.upper(j) - box.lower(j);
                    double[] xp = x.clone(), xm = x.clone();
                    xp[j] += h;
                    xm[j] -= h;
                    double d = (row(net, c, xp) - row(net, c, xm)) / (2 * h);
                    assertTrue(Math.abs(d) * width <= score[j] + 1e-5 * (1 + score[j]),
                            "net " + t + " dim " + j + ": |derivative| × width " + Math.abs(d) * width + " > score " + score[j]);
                }
            }
        }
    }

    @Test
    void networksWithOtherLayersAreNotScored() {
        SplittableRandom r = new SplittableRandom(3);
        assertTrue(GradientSmear.of(RandomLayers.convRelu(r)).isEmpty());
        assertTrue(GradientSmear.of(RandomLayers.mlp(r, new int[] {3, 5, 2}, new Layer.Sigmoid())).isEmpty());
    }

    private static double row(Network net, double[] c, double[] x) {
        double[] y = Forward.evaluate(net, new Tensor(x.clone(), net.inputShape().dims())).data();
        double v = 0;
        for (int o = 0; o < y.length; o++) v += c[o] * y[o];
        return v;
    }
}
