package dev.verity.dual;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * (c) The closed-form 1-D minima of paper 001 eq. 7 against brute force: never above the minimum over a
 * fine grid (soundness — the dual bound depends on it), and not below it by more than the grid can miss
 * (exactness, checked with a local refinement of the grid's best point).
 */
class ScalarActivationTest {
    private static final List<ScalarActivation> ALL = List.of(ScalarActivation.relu(), new ScalarActivation.LeakyRelu(0.1),
            new ScalarActivation.LeakyRelu(0.7), ScalarActivation.sigmoid(), ScalarActivation.tanh());

    @Test
    void closedFormNeverAboveGridMinimum() {
        SplittableRandom r = new SplittableRandom(11);
        int grid = 2000;
        for (ScalarActivation f : ALL) {
            for (int t = 0; t < 3000; t++) {
                double l, u;
                switch (t % 4) {
                    case 0 -> { l = -r.nextDouble(0, 6); u = r.nextDouble(0, 6); }      // straddling 0
                    case 1 -> { l = r.nextDouble(-8, 4); u = l + r.nextDouble(0, 8); } // anywhere
                    case 2 -> { l = -r.nextDouble(0, 30); u = r.nextDouble(0, 30); }   // wide: stationary points far out
                    default -> { l = r.nextDouble(-2, 2); u = l + r.nextDouble(0, 1e-3); } // narrow
                }
                double lam = r.nextDouble(-2, 2), mu = r.nextDouble(-2, 2);
                if (t % 7 == 0) lam = mu * r.nextDouble(0, 1.2);   // λ/μ in the range of σ' (interior stationary points)
                if (t % 11 == 0) lam = mu * r.nextDouble(0, 1e-6); // tiny λ/μ: z₀ far out
                if (t % 13 == 0) mu = 0;
                double closed = f.minimum(lam, mu, l, u);
                double z = f.argmin(lam, mu, l, u);
                assertTrue(z >= l && z <= u, f + " argmin " + z + " outside [" + l + ", " + u + "]");
                double gridMin = Double.POSITIVE_INFINITY, gridArg = l;
                for (int i = 0; i <= grid; i++) {
                    double zi = Math.min(u, l + (u - l) * i / grid); // never past u by rounding
                    double v = lam * zi - mu * f.value(zi);
                    if (v < gridMin) { gridMin = v; gridArg = zi; }
                }
                String what = f + " λ=" + lam + " μ=" + mu + " [" + l + ", " + u + "]";
                assertTrue(closed <= gridMin, what + ": closed form " + closed + " above grid min " + gridMin);
                // Refine around the grid's best point (golden-section-free: a second, local grid).
                double step = (u - l) / grid, a = Math.max(l, gridArg - step), b = Math.min(u, gridArg + step);
                double refined = gridMin;
                for (int i = 0; i <= 2000; i++) {
                    double zi = Math.min(b, a + (b - a) * i / 2000);
                    refined = Math.min(refined, lam * zi - mu * f.value(zi));
                }
                // The refined grid misses the true minimum by at most the Lipschitz constant times its spacing.
                double lipschitz = Math.abs(lam) + Math.abs(mu);
                assertEquals(refined, closed, lipschitz * (b - a) / 2000 + 1e-9 * (1 + Math.abs(refined)), what + ": closed form not the minimum");
            }
        }
    }

    @Test
    void stationaryPointsSolveTheDerivativeEquation() {
        for (ScalarActivation f : List.of(ScalarActivation.sigmoid(), ScalarActivation.tanh())) {
            var s = (ScalarActivation.SShaped) f;
            double max = s.kind() == dev.verity.relax.Relaxations.Activation.SIGMOID ? 0.25 : 1;
            for (double r : new double[]{max, max * 0.999999, 0.5 * max, 1e-3, 1e-9, 1e-30, 1e-300}) {
                double z0 = s.stationary(r);
                assertEquals(r, derivative(s, z0), 1e-9 * r, f + " r=" + r + " z0=" + z0);
            }
            assertTrue(Double.isNaN(s.stationary(max * 1.0001)) && Double.isNaN(s.stationary(0)) && Double.isNaN(s.stationary(-0.1)));
        }
    }

    /** σ' without cancellation for large |z|: e^{−|z|}/(1+e^{−|z|})² (sigmoid), 4e^{−2|z|}/(1+e^{−2|z|})² (tanh). */
    private static double derivative(ScalarActivation.SShaped s, double z) {
        double e = s.kind() == dev.verity.relax.Relaxations.Activation.SIGMOID ? Math.exp(-Math.abs(z)) : Math.exp(-2 * Math.abs(z));
        double d = e / ((1 + e) * (1 + e));
        return s.kind() == dev.verity.relax.Relaxations.Activation.SIGMOID ? d : 4 * d;
    }
}
