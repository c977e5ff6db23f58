// Paper 003's hBox as DiffAI implements it: a forward *hybrid zonotope* — input generators kept exactly, every unstable
// ReLU's error moved into a per-neuron box term that linear layers propagate by |W| — against which Verity's `hbox`
// (003 Sec. 2: back-substitution with 0 <= x <= u for unstable ReLUs, every intermediate bound by the same) is compared
// in docs/results/training.md ("Table 7: which hBox"). A comparison script, not part of Verity: plain double arithmetic,
// MLPs only (Affine, Flatten, Dense, ReLU), the specification elided into the last layer as Verity's eval does.
//
// Run from the repository root, after `./mvnw -B -q package -DskipTests` (or any `./verity` call) built the jar:
//   java --add-modules jdk.incubator.vector -cp target/verity-all.jar bench/HybridZonotopeHBox.java \
//        MODEL.onnx ../shared/benchmarks/datasets/mnist EPS [IMAGES]
import dev.verity.model.*;
import dev.verity.data.*;
import dev.verity.onnx.OnnxImporter;
import java.nio.file.Path;

public class HybridZonotopeHBox {
    public static void main(String[] args) {
        Network net = OnnxImporter.load(Path.of(args[0]));
        Dataset data = IdxReader.readSplit(Path.of(args[1]), "t10k", args.length > 3 ? Integer.parseInt(args[3]) : 10000);
        double eps = Double.parseDouble(args[2]);
        int certified = 0, correct = 0, n = data.size();
        for (int s = 0; s < n; s++) {
            double[] x = data.pixels(s);
            int d = x.length;
            double[] c = new double[d], b = new double[d];
            double[][] g = new double[d][d];
            for (int i = 0; i < d; i++) {
                double lo = Math.max(0, x[i] - eps), hi = Math.min(1, x[i] + eps);
                c[i] = (lo + hi) / 2; g[i][i] = (hi - lo) / 2;
            }
            double[] y = x.clone();
            double[] margins = null;
            for (Node node : net.nodes()) {
                switch (node.layer()) {
                    case Layer.Input _, Layer.Flatten _ -> { }
                    case Layer.Affine af -> {
                        double[] sc = af.scale().data(), sh = af.shift().data();
                        for (int i = 0; i < c.length; i++) {
                            c[i] = c[i] * sc[i] + sh[i]; b[i] = Math.abs(sc[i]) * b[i]; y[i] = y[i] * sc[i] + sh[i];
                            for (int k = 0; k < d; k++) g[i][k] *= sc[i];
                        }
                    }
                    case Layer.Dense de when node == net.output() -> { // elision: the margins' rows through the last layer
                        int out = de.out(), in = de.in();
                        double[] w = de.weight().data(), bias = de.bias().data();
                        double[] y2 = new double[out];
                        for (int o = 0; o < out; o++) { double ys = bias[o]; for (int i = 0; i < in; i++) ys += w[o * in + i] * y[i]; y2[o] = ys; }
                        int label = data.label(s), pred = 0;
                        for (int j = 1; j < out; j++) if (y2[j] > y2[pred]) pred = j;
                        if (pred != label) { margins = null; break; }
                        margins = new double[out];
                        for (int j = 0; j < out; j++) {
                            if (j == label) { margins[j] = Double.POSITIVE_INFINITY; continue; }
                            double m = bias[label] - bias[j];
                            double[] gk = new double[d];
                            for (int i = 0; i < in; i++) {
                                double wi = w[label * in + i] - w[j * in + i];
                                m += wi * c[i] - Math.abs(wi) * b[i];
                                if (wi != 0) for (int k = 0; k < d; k++) gk[k] += wi * g[i][k];
                            }
                            for (int k = 0; k < d; k++) m -= Math.abs(gk[k]);
                            margins[j] = m;
                        }
                    }
                    case Layer.Dense de -> {
                        int out = de.out(), in = de.in();
                        double[] w = de.weight().data(), bias = de.bias().data();
                        double[] c2 = new double[out], b2 = new double[out], y2 = new double[out];
                        double[][] g2 = new double[out][d];
                        for (int o = 0; o < out; o++) {
                            double cs = bias[o], bs = 0, ys = bias[o];
                            for (int i = 0; i < in; i++) {
                                double wi = w[o * in + i];
                                cs += wi * c[i]; bs += Math.abs(wi) * b[i]; ys += wi * y[i];
                                if (wi != 0) for (int k = 0; k < d; k++) g2[o][k] += wi * g[i][k];
                            }
                            c2[o] = cs; b2[o] = bs; y2[o] = ys;
                        }
                        c = c2; b = b2; g = g2; y = y2;
                    }
                    case Layer.Relu _ -> {
                        for (int i = 0; i < c.length; i++) {
                            double r = b[i];
                            for (int k = 0; k < d; k++) r += Math.abs(g[i][k]);
                            double l = c[i] - r, u = c[i] + r;
                            y[i] = Math.max(0, y[i]);
                            if (l >= 0) continue;
                            java.util.Arrays.fill(g[i], 0);
                            if (u <= 0) { c[i] = 0; b[i] = 0; }
                            else { c[i] = u / 2; b[i] = u / 2; }
                        }
                    }
                    default -> throw new IllegalStateException("layer " + node.layer());
                }
            }
            if (margins == null) continue;
            correct++;
            boolean ok = true;
            for (double m : margins) ok &= m > 0;
            if (ok) certified++;
        }
        System.out.printf("%d images: clean %.2f%%, certified by forward hybrid zonotope (HBox) %.2f%%%n", n, 100.0 * correct / n, 100.0 * certified / n);
    }
}
