package dev.verity.lp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.relax.Interval;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;
import dev.verity.tensor.Tensor;
import dev.verity.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paper 000's LP-LAST on vnncomp2021 mnistfc mnist-net_256x2 with prop_0_0.03: intermediate bounds from
 * the greedy solver (DeepZ = Wong–Kolter's LP-GREEDY), the final layer's 9 margin rows by the Triangle
 * LP. Prints GLOP's time and the min margin next to CROWN's and DeepZ's.
 */
class MnistLpLastTest {

    @Test
    void lpLastOnMnist256x2() {
        String p = System.getProperty("verity.shared");
        SharedData.assume(p != null && Files.isDirectory(Path.of(p, "benchmarks")), "shared/benchmarks not present");
        Path dir = Path.of(p, "benchmarks/vnncomp2021/mnistfc");
        Network net = OnnxImporter.load(dir.resolve("mnist-net_256x2.onnx"));
        VnnlibProperty prop = VnnlibReader.read(dir.resolve("prop_0_0.03.vnnlib"));
        Case c = prop.cases().getFirst();
        Interval box = new Interval(c.input().lower(), c.input().upper());
        List<LinearConstraint> rows = new ArrayList<>();
        for (Disjunct d : c.unsafe()) rows.addAll(d.rows());
        assertEquals(9, rows.size());
        Objective obj = Objective.of(rows, prop.outputCount());

        BoundEngine engine = new BoundEngine(net);
        BoundResult deepz = engine.bound(Method.DEEPZ, box, obj);
        BoundResult crown = engine.bound(Method.CROWN, box, obj);
        TriangleLp.Result lp = new TriangleLp(net, box, deepz.intermediate(), TriangleLp.Relaxation.TRIANGLE).lower(obj, Duration.ofSeconds(60));

        long solveNanos = lp.rows().stream().mapToLong(TriangleLp.RowBound::nanos).sum();
        double maxGap = lp.rows().stream().mapToDouble(r -> r.reported() - r.bound()).max().orElseThrow();
        System.out.printf("LP-LAST mnist-net_256x2 prop_0_0.03: %d variables, %d constraints, %d unstable; encode %.0f ms, "
                        + "GLOP 9 rows %.0f ms (total %.0f ms); min margin LP-LAST %.6f (reported %.6f, max reported − safe %.2e), "
                        + "DeepZ %.6f, CROWN %.6f%n",
                lp.variables(), lp.constraints(), deepz.unstableNeurons(), lp.encodeNanos() / 1e6, solveNanos / 1e6, lp.nanos() / 1e6,
                lp.minLower(), lp.rows().stream().mapToDouble(TriangleLp.RowBound::reported).min().orElseThrow(), maxGap,
                deepz.minLower(), crown.minLower());
        for (TriangleLp.RowBound r : lp.rows()) System.out.println("  " + r);

        // The same LP with other intermediate bounds, for comparison: CROWN's (LP >= CROWN), and DeepZ's
        // intersected with interval bounds (BoundOptions.Intermediate.INTERSECT_IBP).
        TriangleLp.Result lpCrown = new TriangleLp(net, box, crown.intermediate(), TriangleLp.Relaxation.TRIANGLE).lower(obj, Duration.ofSeconds(60));
        BoundResult deepzIbp = new BoundEngine(net, dev.verity.bounds.BoundOptions.defaults()
                .withIntermediate(dev.verity.bounds.BoundOptions.Intermediate.INTERSECT_IBP)).bound(Method.DEEPZ, box, obj);
        TriangleLp.Result lpIbp = new TriangleLp(net, box, deepzIbp.intermediate(), TriangleLp.Relaxation.TRIANGLE).lower(obj, Duration.ofSeconds(60));
        System.out.printf("  Triangle LP with CROWN's intermediate bounds: %.6f (%d unstable, %.0f ms); with DeepZ ∩ IBP: %.6f (%d unstable, %.0f ms)%n",
                lpCrown.minLower(), crown.unstableNeurons(), lpCrown.nanos() / 1e6, lpIbp.minLower(), deepzIbp.unstableNeurons(), lpIbp.nanos() / 1e6);
        assertTrue(lpCrown.minLower() >= crown.minLower() - 1e-9);

        double[] center = c.input().center();
        double[] y = Forward.evaluate(net, new Tensor(center, net.inputShape().dims())).data();
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(LpStatus.OPTIMAL, lp.rows().get(i).status());
            assertTrue(lp.lower()[i] >= deepz.lower()[i] - 1e-9, "row " + i + ": LP-LAST below the greedy bound with the same intermediate bounds");
            assertTrue(lp.lower()[i] <= rows.get(i).value(y), "row " + i + ": LP-LAST above the value at the box centre");
        }
    }
}
