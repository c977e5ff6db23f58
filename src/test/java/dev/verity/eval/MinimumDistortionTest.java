package dev.verity.eval;

import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.milp.MilpBackend;
import dev.verity.milp.MilpOptions;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Minimum adversarial distortion (paper 000 Sec. 6.2, 004) on a network whose answer is known by hand. */
class MinimumDistortionTest {
    static final double TOL = 1e-4;

    /**
     * Two inputs in [0, 1]², {@code y0 = relu(x0 + x1 − 0.4)}, {@code y1 = relu(1.2 − x0 − x1)}. At x = (0.9, 0.9)
     * (label 0: y0 = 1.4, y1 = 0) class 1 wins where {@code s = x0 + x1 <= 0.8}: moving both coordinates down by
     * ε gives s = 1.8 − 2ε, so the minimum L∞ distortion is exactly 0.5 (at s = 0.8, y0 = y1 = 0.4).
     */
    static Network valley() {
        Network.Builder b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1}, {-1, -1}}), Tensor.vector(-0.4, 1.2)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 0}, {0, 1}}), Tensor.vector(0, 0)));
        return b.build();
    }

    @Test
    void exactLowerAndUpperBracketTheHandComputedDistortion() {
        Network net = valley();
        BoundEngine engine = new BoundEngine(net);
        MinimumDistortion md = new MinimumDistortion(net, engine, new double[]{0, 1}, TOL);
        double[] x = {0.9, 0.9};
        double upper = md.attackUpper(x, 0, PgdOptions.defaults().withRestarts(10).withSteps(50).withBatchSize(10), 0.9);
        assertTrue(upper >= 0.5 && upper <= 0.5 + 2 * TOL, "PGD upper " + upper);
        for (Method m : new Method[]{Method.IBP, Method.CROWN, Method.LP_ALL}) {
            double lower = md.certifiedLower(x, 0, m, upper);
            assertTrue(lower <= 0.5, m + " lower " + lower + " above the exact distortion");
        }
        // At ε just below 0.5 the box's s range is [0.8 + 2δ, 1.8]: y0 − y1 = 2s − 1.6 there once relu(1.2 − s) is cut to its
        // chord, and LP-ALL's Triangle is that chord's hull: it certifies a radius within a few percent of the exact one.
        assertTrue(md.certifiedLower(x, 0, Method.LP_ALL, upper) >= 0.3, "lp-all lower");
        for (MilpBackend backend : MilpBackend.values()) {
            MinimumDistortion.Exact e = md.exact(x, 0, upper, MilpOptions.defaults().withBackend(backend), Instant.now().plus(Duration.ofSeconds(30)));
            assertTrue(e.optimal(), backend + " not optimal");
            assertEquals(0.5, e.exact(), 1e-6, backend.cliName());
            assertTrue(e.lower() <= e.upper() + 1e-9);
        }
    }

    /** Another point: every certified radius is at most the exact one, and the MILP finds the hand-computed value. */
    @Test
    void certifiedRadiiAreSoundAndTheMilpIsExact() {
        Network net = valley();
        MinimumDistortion md = new MinimumDistortion(net, new BoundEngine(net), new double[]{0, 1}, TOL);
        double[] x = {0.7, 0.9}; // s = 1.6: class 1 wins at s = 0.8, i.e. ε = 0.4
        double ibp = md.certifiedLower(x, 0, Method.IBP, 0.9), crown = md.certifiedLower(x, 0, Method.CROWN, 0.9);
        assertTrue(ibp <= 0.4 + 1e-12 && crown <= 0.4 + 1e-12 && ibp > 0 && crown > 0, "ibp " + ibp + " crown " + crown);
        MinimumDistortion.Exact e = md.exact(x, 0, 0.6, MilpOptions.defaults(), Instant.now().plus(Duration.ofSeconds(30)));
        assertEquals(0.4, e.exact(), 1e-6);
    }
}
