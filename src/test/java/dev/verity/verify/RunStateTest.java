package dev.verity.verify;

import dev.verity.bounds.BoundEngine;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Disjunct;
import dev.verity.spec.VnnlibProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The books a verification run keeps on intermediate bounds: sound ones, solver ones, and crossings reported. */
class RunStateTest {

    private static RunState run() {
        Network net = Nets.linear();
        VnnlibProperty p = Nets.property(Nets.box(new double[] {-1, -1}, new double[] {1, 1}), 2, new Disjunct(Nets.row(0, 1, -1)));
        VerifyOptions o = VerifyOptions.defaults(Duration.ofSeconds(10));
        return new RunState(net, new BoundEngine(net), o, p, s -> {}, Duration.ofSeconds(10).toNanos());
    }

    private static Interval iv(double l0, double u0, double l1, double u1) {
        return new Interval(new double[] {l0, l1}, new double[] {u0, u1});
    }

    @Test
    void crossingBoundsAreCountedAndKeepTheEarlierOnes() {
        RunState run = run();
        assertEquals(0, run.mergeBounds(0, Map.of(7, iv(-1, 1, -2, 2))));
        // Element 0 tightens; element 1 lies wholly above the earlier [−2, 2]: two sound bounds cannot do that exactly.
        assertEquals(1, run.mergeBounds(0, Map.of(7, iv(-0.5, 3, 2.5, 3))));
        Interval b = run.bestBounds(0).get(7);
        assertArrayEquals(new double[] {-0.5, -2}, b.lower());
        assertArrayEquals(new double[] {1, 2}, b.upper());
    }

    @Test
    void solverBoundsReachOnlyTheMilpsView() {
        RunState run = run();
        run.mergeBounds(0, Map.of(7, iv(-1, 1, -2, 2)));
        assertEquals(0, run.mergeSolverBounds(0, Map.of(7, iv(0.25, 1, -2, -1))));
        assertArrayEquals(new double[] {-1, -2}, run.bestBounds(0).get(7).lower(), "the sound bounds are untouched");
        Interval milp = run.milpBounds(0).get(7);
        assertArrayEquals(new double[] {0.25, -2}, milp.lower());
        assertArrayEquals(new double[] {1, -1}, milp.upper());
    }

    @Test
    void intervalCrossingsCountDisjointElementsOnly() {
        Interval a = iv(0, 1, 0, 1);
        assertEquals(0, a.crossings(iv(1, 2, -1, 0)), "touching at a point is an overlap");
        assertEquals(2, a.crossings(iv(1.5, 2, -1, -0.5)));
        assertEquals(1, a.crossings(iv(Math.nextUp(1.0), 2, 0.5, 0.6)));
    }
}
