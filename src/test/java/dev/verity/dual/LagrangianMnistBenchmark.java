package dev.verity.dual;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibReader;
import dev.verity.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The measurements of the report (not part of the regular suite: set VERITY_DUAL_BENCH=1): mnistfc
 * mnist-net_256x2 prop_0_0.03, all 9 rows of the property, CROWN's intermediate bounds.
 */
@EnabledIfEnvironmentVariable(named = "VERITY_DUAL_BENCH", matches = ".+")
class LagrangianMnistBenchmark {

    @Test
    void mnist256x2() throws Exception {
        String p = System.getProperty("verity.shared");
        SharedData.assume(p != null && Files.isDirectory(Path.of(p, "benchmarks")), "shared/benchmarks not present");
        Path dir = Path.of(p, "benchmarks", "vnncomp2021", "mnistfc");
        Network net = OnnxImporter.load(dir.resolve("mnist-net_256x2.onnx"));
        Case cs = VnnlibReader.read(dir.resolve("prop_0_0.03.vnnlib")).cases().getFirst();
        List<LinearConstraint> rows = new ArrayList<>();
        for (Disjunct d : cs.unsafe()) rows.addAll(d.rows());
        Objective obj = Objective.of(rows, net.outputShape().numel());
        Box b = cs.input();
        Interval box = new Interval(b.lower(), b.upper());
        BoundEngine engine = new BoundEngine(net);
        BoundResult crown = engine.bound(Method.CROWN, box, obj);
        System.out.printf("CROWN min %.6f rows %s (%.1f ms)%n", crown.minLower(), fmt(crown.lower()), crown.nanos() / 1e6);
        LagrangianDual dual = new LagrangianDual(net);
        LagrangianDual.Problem problem = dual.problem(box, crown.intermediate(), obj);
        String lrs = System.getenv().getOrDefault("VERITY_DUAL_LR", "0.01:0.999");
        int iters = Integer.parseInt(System.getenv().getOrDefault("VERITY_DUAL_ITERS", "2000"));
        for (int warm = 0; warm < 1; warm++) problem.maximise(DualOptions.defaults().withIterations(50), null); // JIT warm-up
        double reference = Double.NaN;
        if (System.getenv("VERITY_DUAL_LP") != null) {
            var lp = new dev.verity.lp.TriangleLp(net, box, crown.intermediate(), dev.verity.lp.TriangleLp.Relaxation.TRIANGLE).lower(obj, Duration.ofSeconds(60));
            double[] rep = lp.rows().stream().mapToDouble(dev.verity.lp.TriangleLp.RowBound::reported).toArray();
            System.out.printf("Triangle LP (CROWN intermediates): safe min %.6f reported rows %s (%.1f s)%n", lp.minLower(), fmt(rep), lp.nanos() / 1e9);
            reference = min(rep);
        }
        for (String lrSpec : lrs.split(",")) {
            String[] parts = lrSpec.split(":");
            double lr = Double.parseDouble(parts[0]), decay = Double.parseDouble(parts[1]);
            for (String initName : System.getenv().getOrDefault("VERITY_DUAL_INITS", "CROWN,ZERO,RANDOM").split(",")) {
                DualOptions.Init init = DualOptions.Init.valueOf(initName);
                DualOptions opt = DualOptions.defaults().withIterations(iters).withTimeBudget(Duration.ofSeconds(120))
                        .withLearningRate(lr, decay).withInit(init, 7);
                List<double[]> bestAt = new ArrayList<>();
                long[] nanosAt = new long[iters + 1];
                DualResult r = problem.maximise(opt, (it, g, best, ns) -> { bestAt.add(best.clone()); nanosAt[it] = ns; });
                double[] fin = r.lower();
                double finMin = min(fin), finSum = Arrays.stream(fin).sum();
                if (init == DualOptions.Init.CROWN && Double.isNaN(reference)) reference = finMin;
                final double ref = reference;
                // Time until the min over rows is within 1% of the final best min, and until every row is.
                long tMin = -1, tAll = -1, tRef = -1;
                int iMin = -1, iAll = -1;
                for (int it = 0; it < bestAt.size(); it++) {
                    double[] bb = bestAt.get(it);
                    if (tMin < 0 && min(bb) >= finMin - 0.01 * Math.abs(finMin)) { tMin = nanosAt[it]; iMin = it; }
                    boolean all = true;
                    for (int rr = 0; rr < fin.length; rr++) all &= bb[rr] >= fin[rr] - 0.01 * Math.abs(fin[rr]);
                    if (tAll < 0 && all) { tAll = nanosAt[it]; iAll = it; }
                    if (tRef < 0 && min(bb) >= reference - 0.01 * Math.abs(reference)) tRef = nanosAt[it];
                }
                System.out.printf("lr %.4g decay %.4g init %-6s: g0 min %.6f | min@100 %.6f @500 %.6f @%d %.6f | sum@final %.4f | %.3f ms/it | "
                                + "1%% of own best(min): it %d %.3f s; all rows: it %d %.3f s; 1%% of reference %.6f (min): %s%n",
                        lr, decay, init, min(r.initial()), min(bestAt.get(Math.min(100, bestAt.size() - 1))),
                        min(bestAt.get(Math.min(500, bestAt.size() - 1))), r.iterations(), finMin, finSum,
                        (nanosAt[r.iterations()] - nanosAt[0]) / 1e6 / Math.max(1, r.iterations()),
                        iMin, tMin / 1e9, iAll, tAll / 1e9, reference, tRef < 0 ? "never" : String.format("%.3f s", tRef / 1e9));
                if (init == DualOptions.Init.CROWN) System.out.println("   final rows " + fmt(fin));
                for (int rr = 0; rr < fin.length; rr++) assertTrue(fin[rr] >= crown.lower()[rr] - 1e-9 || init != DualOptions.Init.CROWN);
            }
        }
    }

    private static double min(double[] v) { return Arrays.stream(v).min().orElseThrow(); }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (double x : v) sb.append(String.format("%.4f ", x));
        return sb.append("]").toString();
    }
}
