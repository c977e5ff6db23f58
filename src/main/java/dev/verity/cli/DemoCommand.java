package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;
import dev.verity.verify.VerificationResult;
import dev.verity.verify.Verifier;
import dev.verity.verify.VerifyOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code verity demo}: the bundled example end to end — a VNN-COMP 2021 MNIST network and three of its
 * robustness properties (two that hold, one that is violated, per the competition's results), each run
 * through the {@link Verifier} pipeline; prints every stage, the verdict and the method that decided it.
 * prop_4_0.05 is proved (intervals fail, CROWN succeeds), prop_0_0.05 is refuted by a confirmed
 * counterexample, and prop_0_0.03 needs the complete stage: every bound method leaves one disjunct open, and
 * the MILP (paper 004) over the LP-tightened bounds closes it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs Verity on the bundled example (mnist-net_256x2 from VNN-COMP 2021 with three robustness properties: "
                + "prop_4_0.05 and prop_0_0.03 hold and prop_0_0.05 is violated, per the competition) through the verify pipeline.",
                "For each property the last line is: <property>: <verdict> [by <method>] (expected: holds|violated)."})
final class DemoCommand implements Callable<Integer> {
    static final String RESOURCE_DIR = "/dev/verity/demo/";
    static final String MODEL = "mnist-net_256x2.onnx";
    static final String[] PROPERTIES = {"prop_4_0.05.vnnlib", "prop_0_0.05.vnnlib", "prop_0_0.03.vnnlib"};
    /** The VNN-COMP 2021 answers (expected_majority in shared/benchmarks/vnncomp_expected_results.csv). */
    static final String[] EXPECTED = {"holds", "violated", "holds"};

    @Option(names = "--samples", defaultValue = "50", paramLabel = "N", description = "PGD starting points per input box (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed of the attack (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "S", description = "Time limit per property in seconds (default ${DEFAULT-VALUE}).")
    double timeout;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() throws IOException {
        if (samples < 1) throw new InvalidInputException("--samples must be at least 1");
        if (!(timeout > 0) || Double.isInfinite(timeout)) throw new InvalidInputException("--timeout must be a number of seconds > 0");
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("verity-demo");
        try {
            Path model = extract(dir, MODEL);
            Network net = OnnxImporter.load(model);
            out.printf("model     %s: input %s, output %s, %,d parameters, %,d ReLUs%n", MODEL, net.inputShape(),
                    net.outputShape(), net.parameterCount(), net.reluCount());
            VerifyOptions defaults = VerifyOptions.defaults(Duration.ofMillis((long) (timeout * 1000)));
            VerifyOptions options = defaults.withPgd(defaults.pgd().withRestarts(samples).withBatchSize(Math.min(samples, 100)).withSeed(seed));
            Verifier verifier = new Verifier(net, options); // one verifier: the bound engine's constants are shared
            for (int i = 0; i < PROPERTIES.length; i++) {
                VnnlibProperty property = VnnlibReader.read(extract(dir, PROPERTIES[i]));
                out.printf("property  %s: %d case(s), %d disjunct(s)%n", PROPERTIES[i], property.cases().size(), property.disjunctCount());
                out.flush();
                VerificationResult r = verifier.verify(property, s -> {
                    out.println("  " + s);
                    out.flush();
                });
                if (r.counterexample() != null)
                    out.printf("  counterexample in case %d, disjunct %d, confirmed in float64 and float32 (outputs %s)%n",
                            r.counterexample().caseIndex(), r.counterexample().disjunctIndex(),
                            java.util.Arrays.toString(r.counterexample().output()));
                out.printf("%s: %s%s in %d ms (expected: %s)%n", PROPERTIES[i], r.verdict().word(),
                        r.method() == null ? "" : " by " + r.method(), r.millis(), EXPECTED[i]);
                out.flush();
            }
        } finally {
            try (var files = Files.list(dir)) {
                files.forEach(f -> f.toFile().delete());
            }
            Files.deleteIfExists(dir);
        }
        out.println("done: Verity never reports 'verified' without a certified bound on every disjunct (or on every leaf of a "
                + "branch-and-bound tree, or an infeasible MILP) nor 'falsified' without a confirmed counterexample; "
                + "'unknown'/'timeout' mean neither was reached in time.");
        out.flush();
        return Main.EXIT_OK;
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
