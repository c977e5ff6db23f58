package dev.verity.eval;

import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundOptions;
import dev.verity.data.Dataset;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A one-pixel classifier whose every evaluation number can be worked out by hand.
 *
 * <p>{@code h = relu([x, x])}, {@code y0 = 2 h1 − h2} (= x), {@code y1 = 0.5}: class 0 iff x > 0.5. On the ball
 * {@code [l, u] = [x − ε, x + ε] ∩ [0, 1]} both ReLUs are active, so back-substitution (CROWN, DeepZ = LP-GREEDY) is
 * exact, {@code y0 ∈ [l, u]}, while interval arithmetic loses the correlation of h1 and h2: {@code y0 ∈ [2l − u, 2u − l]}.
 * Hence, with margin {@code y0 − 0.5} for label 0 and {@code 0.5 − y0} for label 1:
 * <pre>
 * image  x     label  │ ε = 0.05              │ ε = 0.1                 │ ε = 0.2
 * A      0.9   0      │ crown ✓  ibp ✓ (.25)  │ crown ✓  ibp ✓ (.10)    │ crown ✓  ibp ✗ (−.10)
 * B      0.75  0      │ crown ✓  ibp ✓ (.10)  │ crown ✓  ibp ✗ (−.05)   │ crown ✓  ibp ✗
 * C      0.58  0      │ crown ✓  ibp ✗ (−.07) │ refuted (x' = 0.48)     │ refuted
 * D      0.1   1      │ crown ✓  ibp ✓ (.25)  │ crown ✓  ibp ✓ (.10)    │ crown ✓  ibp ✗ (−.10)
 * E      0.4   0      │ misclassified (predicts 1)
 * </pre>
 * So with n = 5: test error 20 %; PGD lower bound 20 %, 40 %, 40 %; CROWN (and LP-GREEDY, MILP) upper bound 20 %, 40 %,
 * 40 %; IBP upper bound 40 %, 60 %, 100 %. The CR curves from (0, 80 %): CROWN 80, 80, 60, 60 at ε = 0.05, 0.1, 0.2,
 * area .05·80 + .05·70 + .1·60 = 13.5; IBP 60, 40, 0, area .05·70 + .05·50 + .1·20 = 8.0.
 */
final class TinyEval {
    private TinyEval() {}

    static final List<Double> EPS = List.of(0.05, 0.1, 0.2);

    static Network net() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}, {1}}), Tensor.vector(0, 0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{2, -1}, {0, 0}}), Tensor.vector(0, 0.5)));
        return b.build();
    }

    static Dataset data() {
        return new Dataset(new Tensor(new double[] {0.9, 0.75, 0.58, 0.1, 0.4}, 5, 1), new int[] {0, 0, 0, 1, 0}, new Shape(1), "tiny");
    }

    static EvalSettings settings(String methods, boolean skipRefuted, int jobs) {
        return new EvalSettings(EPS, EvalMethod.parseAll(List.of(methods.split(","))), Duration.ofSeconds(30),
                PgdOptions.defaults().withRestarts(5).withSteps(20).withBatchSize(5), BoundOptions.defaults(), skipRefuted, jobs);
    }

    /** Runs the evaluation of {@code indices} into {@code file} (appending) and returns the summary of everything in it. */
    static Summary run(Path file, int[] indices, EvalSettings s) {
        Evaluation e = new Evaluation(net(), data(), indices, s);
        List<ResultLine> existing = ResultsFile.read(file);
        try (ResultsFile out = ResultsFile.openForAppend(file)) {
            e.run(existing, out, (done, total) -> {});
        }
        return Summary.of(indices, s.eps(), s.methods(), ResultsFile.read(file));
    }
}
