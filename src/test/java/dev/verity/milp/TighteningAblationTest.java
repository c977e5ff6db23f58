package dev.verity.milp;

import dev.verity.bounds.BoundEngine;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Tensor;
import dev.verity.verify.RobustnessProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paper 004 Table 1's ablation: every variant is the same exact MILP with other big-M bounds, so all must give the same answer. */
class TighteningAblationTest {

    static Network random(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Network.Builder b = Network.builder(new Shape(4));
        int in = 4;
        for (int width : new int[]{8, 8}) {
            double[][] w = new double[width][in];
            for (double[] row : w) for (int j = 0; j < in; j++) row[j] = r.nextGaussian();
            double[] bias = new double[width];
            for (int j = 0; j < width; j++) bias[j] = 0.5 * r.nextGaussian();
            b.add(new Layer.Dense(Tensor.matrix(w), Tensor.vector(bias)));
            b.add(new Layer.Relu());
            in = width;
        }
        double[][] w = new double[3][in];
        for (double[] row : w) for (int j = 0; j < in; j++) row[j] = r.nextGaussian();
        b.add(new Layer.Dense(Tensor.matrix(w), Tensor.vector(0, 0, 0)));
        return b.build();
    }

    @Test
    void everyVariantGivesTheSameAnswerAndTheControlsBoundsAreTightest() {
        int verified = 0, falsified = 0;
        for (long seed = 1; seed <= 6; seed++) {
            Network net = random(seed);
            double[] x = {0.5, 0.5, 0.5, 0.5};
            double[] y = dev.verity.model.Forward.run(net, dev.verity.tensor.TensorOps.INSTANCE, new Tensor(x.clone(), net.inputShape().withBatch(1))).data();
            int label = 0;
            for (int j = 1; j < y.length; j++) if (y[j] > y[label]) label = j;
            VnnlibProperty p = RobustnessProperty.of(x, 0.15, label, 3, new double[]{0, 1});
            Interval domain = new Interval(new double[4], new double[]{1, 1, 1, 1});
            BoundEngine engine = new BoundEngine(net);
            String answer = null;
            int controlUnstable = -1;
            for (TighteningAblation.Variant v : TighteningAblation.Variant.values()) {
                TighteningAblation.Run run = TighteningAblation.run(engine, p, domain, v, MilpOptions.defaults().withThreads(1), Duration.ofSeconds(30));
                assertTrue(!run.answer().equals("timeout"), v + " timed out, seed " + seed);
                if (answer == null) answer = run.answer();
                assertEquals(answer, run.answer(), v + ", seed " + seed);
                assertTrue(run.boundsSeconds() >= 0 && run.mainSeconds() >= 0 && run.nodes() >= 0);
                if (v == TighteningAblation.Variant.CONTROL) controlUnstable = run.unstable();
                // Bounds over the whole domain contain those over G(x), so they leave at least as many neurons unstable.
                if (v == TighteningAblation.Variant.NO_TIGHT) assertTrue(run.unstable() >= controlUnstable, "seed " + seed);
            }
            if (answer.equals("verified")) verified++; else falsified++;
        }
        assertTrue(verified > 0 && falsified > 0, "the seeds should cover both answers: " + verified + " verified, " + falsified + " falsified");
    }
}
