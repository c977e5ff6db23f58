package dev.verity.lp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundOptions;
import dev.verity.bounds.Method;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every LP backend gives a sound safe bound; GLOP's is exact, PDLP's close; the engine honours the choice. */
class LpBackendTest {

    private static Network net(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        var b = Network.builder(new Shape(3));
        int[] widths = {3, 8, 6, 2};
        for (int i = 1; i < widths.length; i++) {
            Tensor w = Tensor.zeros(widths[i], widths[i - 1]), bias = Tensor.zeros(widths[i]);
            for (int k = 0; k < w.size(); k++) w.data()[k] = r.nextDouble(-1, 1);
            for (int k = 0; k < bias.size(); k++) bias.data()[k] = r.nextDouble(-0.5, 0.5);
            b.add(new Layer.Dense(w, bias));
            if (i < widths.length - 1) b.add(new Layer.Relu());
        }
        return b.build();
    }

    @Test
    void everyBackendIsSoundAndGlopAndPdlpAgree() {
        for (long seed = 1; seed <= 4; seed++) {
            Network net = net(seed);
            Interval box = new Interval(new double[] {-1, -0.5, 0}, new double[] {0.5, 1, 1});
            Objective obj = Objective.robustness(0, 2);
            Map<Integer, Interval> pre = new BoundEngine(net).bound(Method.CROWN, box, obj).intermediate();
            TriangleLp lp = new TriangleLp(net, box, pre, TriangleLp.Relaxation.TRIANGLE);
            double sampled = TriangleLpTest.sampledMinimum(net, box, obj, new SplittableRandom(seed))[0];
            double glop = Double.NaN;
            for (LpBackend backend : LpBackend.values()) {
                TriangleLp.Result r;
                try (OrToolsLpSolver solver = new OrToolsLpSolver(backend)) {
                    r = lp.lower(solver, obj, Duration.ofSeconds(20));
                }
                double bound = r.lower()[0];
                assertTrue(bound <= sampled + 1e-9, backend + " seed " + seed + ": " + bound + " above a sampled value " + sampled);
                // PDLP's reported objective is that of an approximately feasible point (first-order method): it may lie below
                // the true optimum by its tolerance, where the safe bound — a true lower bound — may exceed it.
                double slack = backend == LpBackend.PDLP ? 1e-5 * (1 + Math.abs(r.rows().getFirst().reported())) : 1e-9;
                assertTrue(bound <= r.rows().getFirst().reported() + slack || Double.isNaN(r.rows().getFirst().reported()),
                        backend + " seed " + seed + ": the safe bound " + bound + " never exceeds the solver's own optimum " + r.rows().getFirst().reported());
                if (backend == LpBackend.GLOP) glop = bound;
                if (backend == LpBackend.PDLP) assertEquals(glop, bound, 1e-3 * (1 + Math.abs(glop)), "PDLP vs GLOP, seed " + seed);
            }
        }
    }

    @Test
    void theEngineUsesTheChosenBackendAndNamesAreParsed() {
        Network net = net(9);
        Interval box = new Interval(new double[] {-1, -1, -1}, new double[] {1, 1, 1});
        Objective obj = Objective.robustness(1, 2);
        double glop = new BoundEngine(net).bound(Method.LP_LAST_CROWN, box, obj).lower()[0];
        double pdlp = new BoundEngine(net, BoundOptions.defaults().withLpBackend(LpBackend.PDLP)).bound(Method.LP_LAST_CROWN, box, obj).lower()[0];
        assertTrue(pdlp <= glop + 1e-9, "PDLP's safe bound cannot beat the exact LP optimum: " + pdlp + " > " + glop);
        assertEquals(glop, pdlp, 1e-3 * (1 + Math.abs(glop)));
        assertEquals(LpBackend.HIGHS, LpBackend.parse("HiGHS"));
        assertThrows(dev.verity.InvalidInputException.class, () -> LpBackend.parse("cplex"));
    }
}
