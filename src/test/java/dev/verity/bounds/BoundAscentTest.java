package dev.verity.bounds;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The ascent keeps each row's best parameters apart when rows own their parameters (what certificates record). */
class BoundAscentTest {

    /**
     * Two rows, one parameter each, both pushed upwards by the "gradient": row 0's value (x0) rises with every step, row
     * 1's (−x1) falls. Row by row, the parameters returned are those of the row's best iterate — the last for row 0, the
     * start for row 1 — and evaluating them reproduces each row's best value; without owned rows they are one iterate's.
     */
    @Test
    void returnsEachRowsBestIterate() {
        BoundAscent.Problem problem = (x, gradient) -> {
            if (gradient != null) { gradient[0] = 1; gradient[1] = 1; }
            return new double[] {x[0], -x[1]};
        };
        BoundAscent.Group[] groups = {new BoundAscent.Group(0, 2, 0.05, 0, 1)};
        BoundOptions options = BoundOptions.defaults().withAlphaIterations(20);
        BoundAscent.Result owned = BoundAscent.run(new double[] {0.2, 0.2}, groups, problem, options, false, 2);
        assertEquals(0.2, owned.bestParams()[1], 0, "row 1 was best at the start");
        assertTrue(owned.bestParams()[0] > 0.5, "row 0 was best at the last step: " + owned.bestParams()[0]);
        double[] again = problem.evaluate(owned.bestParams(), null);
        assertEquals(owned.best()[0], again[0], 0);
        assertEquals(owned.best()[1], again[1], 0);

        BoundAscent.Result shared = BoundAscent.run(new double[] {0.2, 0.2}, groups, problem, options, false, 0);
        assertEquals(shared.bestParams()[0], shared.bestParams()[1], 1e-12, "one iterate's parameters (both moved alike)");
        assertThrows(IllegalArgumentException.class,
                () -> BoundAscent.run(new double[3], new BoundAscent.Group[] {new BoundAscent.Group(0, 3, 0.1, 0, 1)}, problem, options, false, 2));
    }

    /**
     * A time limit already passed: the start is evaluated with its gradient, the one step taken is evaluated without,
     * and the ascent ends there with the better of the two (100 steps without the limit).
     */
    @Test
    void stopsAtItsTimeLimitWithTheBestIterateSoFar() {
        int[] evaluations = new int[2]; // with gradient, without
        BoundAscent.Problem problem = (x, gradient) -> {
            evaluations[gradient == null ? 1 : 0]++;
            if (gradient != null) gradient[0] = 1;
            return new double[] {x[0]};
        };
        BoundAscent.Group[] groups = {new BoundAscent.Group(0, 1, 0.05, 0, 100)}; // a box the ascent never reaches the top of
        BoundOptions options = BoundOptions.defaults().withAlphaIterations(100);
        BoundAscent.Result r = BoundAscent.run(new double[] {0.2}, groups, problem, options, false, 1, System.nanoTime());
        assertArrayEquals(new int[] {1, 1}, evaluations);
        assertEquals(0.25, r.best()[0], 1e-9, "one Adam step of 0.05 from 0.2");

        evaluations[0] = evaluations[1] = 0;
        BoundAscent.run(new double[] {0.2}, groups, problem, options, false, 1, BoundAscent.NO_TIME_LIMIT);
        assertEquals(101, evaluations[0] + evaluations[1], "every step without a limit");
    }
}
