package dev.verity.train;

import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;

import java.util.SplittableRandom;

/**
 * The inner maximisation of Madry et al.'s adversarial training: PGD on the cross-entropy over each sample's
 * L∞ ball clipped to [0, 1], from a uniform random start, with signed-gradient steps of size 2.5·ε/steps
 * (so the whole ball can be crossed). Weights are constants here; only the input carries a gradient.
 */
final class AdversarialBatch {
    private AdversarialBatch() {}

    static Tensor attack(Model model, Tensor x, int[] labels, double eps, int steps, SplittableRandom rng) {
        double[] xd = x.data(), lo = new double[xd.length], hi = new double[xd.length], cur = new double[xd.length];
        for (int i = 0; i < xd.length; i++) {
            lo[i] = Math.max(0, xd[i] - eps);
            hi[i] = Math.min(1, xd[i] + eps);
            cur[i] = lo[i] + rng.nextDouble() * (hi[i] - lo[i]);
        }
        double step = 2.5 * eps / steps;
        for (int s = 0; s < steps; s++) {
            Tape tape = new Tape();
            Var in = tape.variable(new Tensor(cur.clone(), x.shape()));
            Var loss = tape.crossEntropy(new BatchBounds(model, tape, model.bind(tape, false)).forward(in), labels);
            tape.backward(loss);
            double[] g = in.grad().data();
            for (int i = 0; i < cur.length; i++) cur[i] = Math.min(hi[i], Math.max(lo[i], cur[i] + step * Math.signum(g[i])));
        }
        return new Tensor(cur, x.shape());
    }
}
