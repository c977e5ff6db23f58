package dev.verity.verify;

import dev.verity.bounds.Method;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** What the default pipeline plans by the network's size: the MILP's place, and alpha-CROWN's budget before ReLU splitting. */
class PipelinePlanTest {

    private static List<Stage> plan(Network net) {
        return new Verifier(net, VerifyOptions.defaults(Duration.ofSeconds(60))).plan();
    }

    private static MilpStage milp(List<Stage> plan) {
        return plan.stream().filter(s -> s instanceof MilpStage).map(s -> (MilpStage) s).findFirst().orElseThrow();
    }

    private static BabStage bab(List<Stage> plan) {
        return plan.stream().filter(s -> s instanceof BabStage).map(s -> (BabStage) s).findFirst().orElseThrow();
    }

    /** The last alpha-CROWN stage (the one over every intermediate layer) and where it stands against branch and bound. */
    private static BoundStage fullAlpha(List<Stage> plan) {
        return plan.stream().filter(s -> s instanceof BoundStage b && b.method() == Method.ALPHA_CROWN).map(s -> (BoundStage) s)
                .reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void aLargeNetworkGivesTheMilpsTimeToBranchAndBoundAndKeepsParentBounds() {
        SplittableRandom r = new SplittableRandom(1);
        Network big = RandomLayers.mlp(r, new int[] {20, (int) Verifier.LARGE_NET_RELUS + 1, 2}, new Layer.Relu());
        List<Stage> plan = plan(big);
        assertTrue(milp(plan).refused().orElseThrow().contains("not expected to finish"), milp(plan).refused().toString());
        assertFalse(bab(plan).milpFollows());
        assertEquals(dev.verity.bab.BabOptions.defaults().forLargeNetworks(), bab(plan).babOptions().withMaxBytes(dev.verity.bab.BabOptions.defaults().maxBytes()));
        assertFalse(bab(plan).babOptions().recompute(), "a large net's children keep their parent's bounds");
        assertEquals(10, bab(plan).babOptions().iterations());

        Network small = RandomLayers.mlp(r, new int[] {20, 30, 2}, new Layer.Relu());
        List<Stage> smallPlan = plan(small);
        assertTrue(milp(smallPlan).refused().isEmpty());
        assertTrue(bab(smallPlan).milpFollows());
        assertTrue(bab(smallPlan).babOptions().recompute());
        assertEquals(20, bab(smallPlan).babOptions().iterations());
    }

    /**
     * ReLU splitting runs after alpha-CROWN on a ReLU net with many inputs, so alpha-CROWN's intermediate optimisation
     * gets a share of the time; on a net with few inputs input splitting runs before it, and on a sigmoid net no ReLU
     * splitting follows: no budget.
     */
    @Test
    void alphaCrownIsBudgetedOnlyWhenBranchAndBoundFollowsIt() {
        SplittableRandom r = new SplittableRandom(2);
        List<Stage> manyInputs = plan(RandomLayers.mlp(r, new int[] {20, 10, 2}, new Layer.Relu()));
        assertEquals(Verifier.ALPHA_INTERMEDIATE_SHARE, fullAlpha(manyInputs).intermediateShare());
        assertTrue(manyInputs.indexOf(fullAlpha(manyInputs)) < manyInputs.indexOf(bab(manyInputs)));

        List<Stage> sigmoid = plan(RandomLayers.mlp(r, new int[] {20, 10, 2}, new Layer.Sigmoid()));
        assertEquals(0, fullAlpha(sigmoid).intermediateShare(), "no ReLU splitting after it on a sigmoid net");

        List<Stage> fewInputs = plan(RandomLayers.mlp(r, new int[] {5, 10, 2}, new Layer.Relu()));
        assertEquals(0, fullAlpha(fewInputs).intermediateShare());
        assertTrue(fewInputs.indexOf(fullAlpha(fewInputs)) > fewInputs.indexOf(bab(fewInputs)));
    }
}
