package dev.verity.bounds;

import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.testing.RandomLayers;

import dev.verity.InvalidInputException;
import dev.verity.model.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code lagrangian} preset (paper 001) inside the engine: its two orderings and where it does not apply. */
class LagrangianPresetTest {

    /**
     * crown ≤ lagrangian ≤ lp-last-crown on every row's lower bound, with the same (CROWN) intermediate bounds:
     * the dual starts at CROWN's implied multipliers and keeps its best iterate, and by weak duality no dual
     * value exceeds the Triangle LP optimum (paper 001: the dual of the layer-wise relaxation is that LP).
     */
    @ParameterizedTest
    @EnumSource(value = RandomNets.Family.class, names = {"DENSE_RELU", "DEEP_RELU", "CONV_RELU", "LEAKY_RELU"})
    void liesBetweenCrownAndTheTriangleLp(RandomNets.Family family) {
        for (long seed = 1; seed <= 3; seed++) {
            Network net = RandomNets.build(family, seed);
            SplittableRandom r = new SplittableRandom(seed);
            Interval box = RandomLayers.box(r, net.inputShape().numel(), 0.8);
            Objective obj = RandomLayers.objective(r, 3, net.outputShape().numel());
            BoundEngine engine = new BoundEngine(net);
            assertTrue(engine.supports(Method.LAGRANGIAN), family + " is a chain");
            double[] crown = engine.bound(Method.CROWN, box, obj).lower();
            double[] dual = engine.bound(Method.LAGRANGIAN, box, obj).lower();
            double[] lp = engine.bound(Method.LP_LAST_CROWN, box, obj).lower();
            for (int i = 0; i < crown.length; i++) {
                double tol = 1e-9 * (1 + Math.abs(crown[i]));
                assertTrue(dual[i] >= crown[i] - tol, family + " seed " + seed + " row " + i + ": " + dual[i] + " < crown " + crown[i]);
                assertTrue(dual[i] <= lp[i] + 1e-7 * (1 + Math.abs(lp[i])), family + " seed " + seed + " row " + i + ": " + dual[i] + " > LP " + lp[i]);
            }
        }
    }

    @Test
    void residualNetworksAreAClearErrorNotAnApproximation() {
        Network net = RandomNets.build(RandomNets.Family.RESIDUAL_ADD, 5);
        BoundEngine engine = new BoundEngine(net);
        assertFalse(engine.supports(Method.LAGRANGIAN));
        Interval box = RandomLayers.box(new SplittableRandom(1), net.inputShape().numel(), 0.3);
        var e = assertThrows(InvalidInputException.class,
                () -> engine.bound(Method.LAGRANGIAN, box, Objective.identity(net.outputShape().numel())));
        assertTrue(e.getMessage().contains("lagrangian") && e.getMessage().contains("Add"), e.getMessage());
    }
}
