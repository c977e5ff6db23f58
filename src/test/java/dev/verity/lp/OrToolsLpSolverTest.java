package dev.verity.lp;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GLOP port and the Neumaier–Shcherbina safe bound on LPs whose optimum and duals are known by hand. */
class OrToolsLpSolverTest {
    static final Duration LIMIT = Duration.ofSeconds(10);

    /** min x + y s.t. x + 2y >= 2, 3x + y >= 3, 0 <= x, y <= 10: optimum 7/5 at (4/5, 3/5), duals (2/5, 1/5). */
    static OrToolsLpSolver textbookMin() {
        OrToolsLpSolver s = new OrToolsLpSolver();
        int x = s.addVariable("x", 0, 10), y = s.addVariable("y", 0, 10);
        s.addConstraint("a", new int[]{x, y}, new double[]{1, 2}, Sense.GE, 2);
        s.addConstraint("b", new int[]{x, y}, new double[]{3, 1}, Sense.GE, 3);
        s.setObjective(new int[]{x, y}, new double[]{1, 1}, 0, true);
        return s;
    }

    @Test
    void reportsPrimalDualsAndReducedCosts() {
        try (OrToolsLpSolver s = textbookMin()) {
            LpSolution sol = s.solve(LIMIT);
            assertEquals(LpStatus.OPTIMAL, sol.status());
            assertEquals(1.4, sol.objective(), 1e-12);
            assertArrayEquals(new double[]{0.8, 0.6}, sol.primal(), 1e-12);
            assertArrayEquals(new double[]{0.4, 0.2}, sol.duals(), 1e-12);
            assertArrayEquals(new double[]{0, 0}, sol.reducedCosts(), 1e-12);
            double safe = SafeBound.of(s.model(), sol);
            assertTrue(safe <= 1.4 && safe >= 1.4 - 1e-12, "safe bound " + safe);
        }
    }

    /** max x + y s.t. x + 2y <= 4, 3x + y <= 6: optimum 14/5; the safe bound is an upper bound. */
    @Test
    void maximisationGivesSafeUpperBound() {
        try (OrToolsLpSolver s = new OrToolsLpSolver()) {
            int x = s.addVariable(null, 0, 10), y = s.addVariable(null, 0, 10);
            s.addConstraint(null, new int[]{x, y}, new double[]{1, 2}, Sense.LE, 4);
            s.addConstraint(null, new int[]{x, y}, new double[]{3, 1}, Sense.LE, 6);
            s.setObjective(new int[]{x, y}, new double[]{1, 1}, 0.5, false);
            LpSolution sol = s.solve(LIMIT);
            assertEquals(3.3, sol.objective(), 1e-12);
            double safe = SafeBound.of(s.model(), sol);
            assertTrue(safe >= 3.3 && safe <= 3.3 + 1e-12, "safe upper bound " + safe);
        }
    }

    /**
     * Any dual vector gives a valid bound, but only the optimal one gives the optimum: with the duals moved
     * by 1e-3 the reported objective (1.4) and the safe bound differ, and the bound stays below 1.4. The
     * reported objective is what a solver claims; the safe bound is what the duals prove.
     */
    @Test
    void perturbedDualsGiveALowerButValidBound() {
        try (OrToolsLpSolver s = textbookMin()) {
            LpSolution sol = s.solve(LIMIT);
            double[] y = sol.duals();
            y[0] += 1e-3;
            y[1] -= 1e-3;
            double safe = SafeBound.of(s.model(), sol.withDuals(y));
            assertTrue(safe < sol.objective() - 1e-4, "safe " + safe + " vs reported " + sol.objective());
            assertTrue(safe <= 1.4, "still a lower bound: " + safe);
            // r = c − Aᵀy = (1 − 0.401 − 0.597, 1 − 0.802 − 0.199) = (0.002, −0.001): b·y = 1.399, plus −0.001·10.
            assertEquals(1.399 - 0.01, safe, 1e-12);
        }
    }

    @Test
    void wrongSignAndNanDualsAreClippedToZero() {
        try (OrToolsLpSolver s = textbookMin()) {
            // y <= 0 on >= rows is not a valid multiplier: clipped to 0 the bound is the interval bound min(x + y) = 0.
            assertEquals(0, SafeBound.of(s.model(), new double[]{-1, -2}));
            assertEquals(0, SafeBound.of(s.model(), new double[]{Double.NaN, Double.NaN}));
            // (0.4, −0.2) → (0.4, 0): r = (0.6, 0.2) >= 0, so the bound is b·y = 0.8.
            assertEquals(0.8, SafeBound.of(s.model(), new double[]{0.4, -0.2}), 1e-12);
        }
    }

    @Test
    void infiniteBoundsNeedAZeroResidual() {
        try (OrToolsLpSolver s = new OrToolsLpSolver()) {
            int x = s.addVariable(null, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
            s.addConstraint(null, new int[]{x}, new double[]{2}, Sense.GE, 3);
            s.setObjective(new int[]{x}, new double[]{1}, 0, true);
            LpSolution sol = s.solve(LIMIT);
            assertEquals(1.5, sol.objective(), 1e-12);
            assertEquals(1.5, SafeBound.of(s.model(), sol)); // r = 1 − 2·0.5 = 0 exactly
            assertEquals(Double.NEGATIVE_INFINITY, SafeBound.of(s.model(), new double[]{0.4}));
        }
    }

    /** Duplicate names crash OR-Tools' native code; the port rejects them first and stays usable. */
    @Test
    void duplicateNamesAreRejectedBeforeTheNativeSolver() {
        try (OrToolsLpSolver s = new OrToolsLpSolver()) {
            int x = s.addVariable("_x0", 0, 1); // also the first name the generator would pick
            assertThrows(IllegalArgumentException.class, () -> s.addVariable("_x0", 0, 1));
            int y = s.addVariable(null, 0, 1), z = s.addVariable(null, 0, 1);
            assertTrue(!s.model().variableName(y).equals("_x0") && !s.model().variableName(y).equals(s.model().variableName(z)));
            s.addConstraint("row", new int[]{x, y, z}, new double[]{1, 1, 1}, Sense.GE, 1);
            assertThrows(IllegalArgumentException.class, () -> s.addConstraint("row", new int[]{x}, new double[]{1}, Sense.LE, 1));
            assertThrows(IllegalArgumentException.class, () -> s.addConstraint("_x0", new int[]{x}, new double[]{1}, Sense.LE, 1));
            assertThrows(IllegalArgumentException.class, () -> s.addConstraint("bad", new int[]{7}, new double[]{1}, Sense.LE, 1));
            assertEquals(3, s.model().variables());
            assertEquals(1, s.model().constraints());
            s.setObjective(new int[]{x, y, z}, new double[]{1, 2, 3}, 0, true);
            LpSolution sol = s.solve(LIMIT);
            assertEquals(LpStatus.OPTIMAL, sol.status());
            assertEquals(1, SafeBound.of(s.model(), sol), 1e-12);
        }
    }

    @Test
    void solverIsConfinedToItsThread() throws InterruptedException {
        try (OrToolsLpSolver s = textbookMin()) {
            var f = CompletableFuture.runAsync(() -> s.addVariable(null, 0, 1));
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertEquals(LpStatus.OPTIMAL, s.solve(LIMIT).status());
        }
    }

    @Test
    void reSolvesWithANewObjective() {
        try (OrToolsLpSolver s = textbookMin()) {
            s.solve(LIMIT);
            s.setObjective(new int[]{0}, new double[]{1}, 0, true); // min x: x = 0 with y = 3
            LpSolution sol = s.solve(LIMIT);
            assertEquals(0, sol.objective(), 1e-12);
            assertEquals(0, SafeBound.of(s.model(), sol), 1e-12);
        }
    }
}
