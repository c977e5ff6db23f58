package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code verity demo}: the bundled example end to end — a VNN-COMP 2021 MNIST network and two of its
 * robustness properties (one that holds, one that is violated, per the competition's results). Today it
 * loads both, evaluates the network in double and float32, and searches each input box by sampling; the
 * bound engine will turn it into a full verification run.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs Verity on the bundled example (mnist-net_256x2 from VNN-COMP 2021 with two robustness properties).")
final class DemoCommand implements Callable<Integer> {
    static final String RESOURCE_DIR = "/dev/verity/demo/";
    static final String MODEL = "mnist-net_256x2.onnx";
    static final String[] PROPERTIES = {"prop_0_0.03.vnnlib", "prop_0_0.05.vnnlib"};

    @Option(names = "--samples", defaultValue = "2000", paramLabel = "N", description = "Random points per input box (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() throws IOException {
        if (samples < 1) throw new InvalidInputException("--samples must be at least 1");
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("verity-demo");
        try {
            Path model = extract(dir, MODEL);
            Network net = OnnxImporter.load(model);
            out.printf("model     %s: input %s, output %s, %,d parameters, %,d ReLUs%n", MODEL, net.inputShape(),
                    net.outputShape(), net.parameterCount(), net.reluCount());
            for (String name : PROPERTIES) {
                VnnlibProperty property = VnnlibReader.read(extract(dir, name));
                out.printf("property  %s: %d input(s), %d output(s), %d case(s)%n", name, property.inputCount(),
                        property.outputCount(), property.cases().size());
                runProperty(net, property, out);
            }
        } finally {
            try (var files = Files.list(dir)) {
                files.forEach(f -> f.toFile().delete());
            }
            Files.deleteIfExists(dir);
        }
        out.println("done: sampling can only find counterexamples; proofs (VERIFIED) need the bound engine.");
        out.flush();
        return Main.EXIT_OK;
    }

    private void runProperty(Network net, VnnlibProperty property, PrintWriter out) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Case c : property.cases()) {
            Box box = c.input();
            double[] centre = box.center();
            double[] y64 = evaluate(net, centre, false);
            double[] y32 = evaluate(net, centre, true);
            out.printf("  centre: predicted class %d (float64), %d (float32); safety margin %.6f%n",
                    RunCommand.argmax(y64), RunCommand.argmax(y32), margin(c, y64));
            double best = Double.POSITIVE_INFINITY;
            double[] worst = null;
            for (int s = 0; s < samples; s++) {
                double[] x = new double[centre.length];
                for (int i = 0; i < x.length; i++) {
                    double lo = box.lower()[i], hi = box.upper()[i];
                    // Half the samples on box corners: for piecewise-linear nets the extremes are often there.
                    x[i] = s % 2 == 0 ? (rnd.nextBoolean() ? lo : hi) : lo + (hi - lo) * rnd.nextDouble();
                }
                double m = margin(c, evaluate(net, x, false));
                if (m < best) {
                    best = m;
                    worst = x;
                }
            }
            boolean violated = best <= 0 && margin(c, evaluate(net, worst, true)) <= 0;
            out.printf("  sampling: %d points, smallest safety margin %.6f -> %s%n", samples, best,
                    violated ? "counterexample found (checked in float64 and float32)" : "no counterexample found");
        }
    }

    /**
     * Safety margin of outputs {@code y}: the property's unsafe set is a disjunction of conjunctions of
     * rows {@code c·y + d <= 0}; a disjunct is violated when all its rows are <= 0, so its margin is the
     * largest row value, and the point's margin is the smallest over disjuncts (<= 0: counterexample).
     */
    static double margin(Case c, double[] y) {
        double m = Double.POSITIVE_INFINITY;
        for (Disjunct d : c.unsafe()) {
            double worstRow = Double.NEGATIVE_INFINITY;
            for (LinearConstraint row : d.rows()) worstRow = Math.max(worstRow, row.value(y));
            m = Math.min(m, worstRow);
        }
        return m;
    }

    private static double[] evaluate(Network net, double[] x, boolean float32) {
        Tensor batch = new Tensor(x.clone(), net.inputShape().withBatch(1));
        return Forward.run(net, float32 ? Float32Ops.INSTANCE : TensorOps.INSTANCE, batch).data();
    }

    private static Path extract(Path dir, String name) {
        try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) throw new IllegalStateException("bundled demo file missing from the jar: " + name);
            Path target = dir.resolve(name);
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
