package dev.verity.sdp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.data.Dataset;
import dev.verity.data.IdxReader;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Measurement, not a test: the SDP on paper 002's MNIST network (RSL18a_linf0.1.onnx, 784-500-10) at ε = 0.1 (box
 * clipped to [0, 1]) for the first test images. Per margin y_j − y_label: the certified SDP upper bound (robust if
 * < 0), CROWN's, the primal value, the gap and the time; margins after the first start from the previous margin's
 * dual point. Run: {@code java -cp <test classpath> dev.verity.sdp.SdpMnistMeasurement [images] [seconds per margin] [stop|all] [first image]}
 * with {@code -Dverity.shared=<shared dir>} (default ../shared).
 */
public final class SdpMnistMeasurement {
    private SdpMnistMeasurement() {}

    public static void main(String[] args) {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 30.0 / 9;
        boolean stopAtZero = args.length > 2 && args[2].equals("stop");
        int first = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        Path shared = Path.of(System.getProperty("verity.shared", "../shared"));
        Network net = OnnxImporter.load(shared.resolve("benchmarks/seed-papers/onnx/RSL18a_linf0.1.onnx"));
        Dataset data = IdxReader.readSplit(shared.resolve("benchmarks/datasets/mnist"), "t10k", first + images);
        BoundEngine engine = new BoundEngine(net);
        System.out.println("image label margin   sdp        crown      primal     gap        seconds  iterations stop");
        for (int i = first; i < first + images; i++) {
            double[] x = data.pixels(i), lo = new double[x.length], hi = new double[x.length];
            for (int k = 0; k < x.length; k++) {
                lo[k] = Math.max(0, x[k] - 0.1);
                hi[k] = Math.min(1, x[k] + 0.1);
            }
            Interval box = new Interval(lo, hi);
            int label = data.label(i);
            long t0 = System.nanoTime();
            BoundResult crown = engine.bound(Method.CROWN, box, Objective.robustness(label, 10));
            List<Interval> pre = new ArrayList<>(crown.intermediate().values());
            double crownSeconds = (System.nanoTime() - t0) / 1e9;
            DualPoint warm = null;
            int certified = 0, crownCertified = 0;
            long imageStart = System.nanoTime();
            for (int j = 0, row = 0; j < 10; j++) {
                if (j == label) continue;
                double[] c = new double[10];
                c[j] = 1;
                c[label] = -1;
                SdpProblem p = SdpProblem.of(net, box, pre, c, 0);
                SdpOptions o = new SdpOptions(1e-3, Duration.ofMillis((long) (seconds * 1000)), 1_000_000, 0);
                SdpResult r = SdpSolver.solve(p, stopAtZero ? o.withStopBelow(0) : o, warm);
                warm = r.dual();
                double crownUpper = -crown.lower()[row++];
                if (r.upperBound() < 0) certified++;
                if (crownUpper < 0) crownCertified++;
                System.out.printf("%5d %5d %6d %10.4f %10.4f %10.4f %10.4f %8.2f %10d %s%n", i, label, j, r.upperBound(), crownUpper,
                        r.primalValue(), r.gap(), r.nanos() / 1e9, r.iterations(), r.stopReason());
            }
            System.out.printf("image %d: sdp certifies %d/9 margins, crown %d/9; sdp %.1f s for 9 margins (crown %.2f s)%n", i, certified,
                    crownCertified, (System.nanoTime() - imageStart) / 1e9, crownSeconds);
        }
    }
}
