package dev.verity.train;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certified training's batched, differentiable bounds against the bound engine (the same presets must give the
 * same numbers per sample), and their gradients against finite differences.
 */
class BatchBoundsTest {
    static final int K = 4;

    /** An MLP and a small convnet on 4×4 images, both with three ReLU layers' worth of relaxation. */
    static Network net(boolean conv, long seed) {
        return net(conv, seed, false);
    }

    /** As {@link #net(boolean, long)}, optionally with an input normalisation (x − 0.13) / 0.31 in front. */
    static Network net(boolean conv, long seed, boolean normalised) {
        SplittableRandom r = new SplittableRandom(seed);
        var b = Network.builder(new Shape(1, 4, 4));
        if (normalised) b.add(new Layer.Affine(Tensor.full(1 / 0.31, 1, 4, 4), Tensor.full(-0.13 / 0.31, 1, 4, 4)));
        if (conv) {
            b.add(RandomLayers.conv(r, 1, 3, 2, ConvGeometry.simple(1, 0)));
            b.add(new Layer.Relu());
            b.add(new Layer.Flatten());
            b.add(RandomLayers.dense(r, 27, 8));
        } else {
            b.add(new Layer.Flatten());
            b.add(RandomLayers.dense(r, 16, 10));
            b.add(new Layer.Relu());
            b.add(RandomLayers.dense(r, 10, 8));
        }
        b.add(new Layer.Relu());
        b.add(RandomLayers.dense(r, 8, 6));
        b.add(new Layer.Relu());
        b.add(RandomLayers.dense(r, 6, K));
        return b.build();
    }

    static final Method[] TRAINABLE = {Method.IBP, Method.HBOX, Method.DEEPZ, Method.CROWN, Method.CROWN_0, Method.CROWN_IBP};

    record Batch(Tensor lo, Tensor hi, int[] labels) {}

    static Batch batch(SplittableRandom r, int b, double eps) {
        double[] lo = new double[b * 16], hi = new double[b * 16];
        int[] labels = new int[b];
        for (int i = 0; i < lo.length; i++) {
            double c = r.nextDouble();
            lo[i] = Math.max(0, c - eps);
            hi[i] = Math.min(1, c + eps);
        }
        for (int s = 0; s < b; s++) labels[s] = r.nextInt(K);
        return new Batch(new Tensor(lo, b, 1, 4, 4), new Tensor(hi, b, 1, 4, 4), labels);
    }

    @ParameterizedTest
    @EnumSource(names = {"IBP", "HBOX", "DEEPZ", "CROWN", "CROWN_0", "CROWN_IBP"})
    void elidedMarginsEqualTheBoundEngine(Method method) {
        for (boolean conv : new boolean[] {false, true}) {
            for (long seed = 1; seed <= 4; seed++) {
                Network n = net(conv, seed, seed % 2 == 0);
                Batch bt = batch(new SplittableRandom(seed * 31), 5, 0.15);
                Model model = new Model(n);
                Tape tape = new Tape();
                BatchBounds bb = new BatchBounds(model, tape, model.bind(tape, false));
                Tensor robust = bb.robustLogits(method, box(tape, bt), bt.labels(), true).value();
                BoundEngine engine = new BoundEngine(n);
                for (int s = 0; s < bt.labels().length; s++) {
                    int y = bt.labels()[s];
                    BoundResult res = engine.bound(method, sampleBox(bt, s), marginRows(y));
                    for (int j = 0; j < K; j++) {
                        double want = j == y ? 0 : res.lower()[j];
                        assertEquals(want, -robust.get(s, j), 1e-9 * (1 + Math.abs(want)), method + " conv=" + conv + " seed " + seed + " sample " + s + " class " + j);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IBP", "HBOX", "DEEPZ", "CROWN", "CROWN_0", "CROWN_IBP"})
    void worstCaseLogitsWithoutElisionEqualTheBoundEngine(Method method) {
        for (boolean conv : new boolean[] {false, true}) {
            Network n = net(conv, 7);
            Batch bt = batch(new SplittableRandom(77), 4, 0.1);
            Model model = new Model(n);
            Tape tape = new Tape();
            Tensor robust = new BatchBounds(model, tape, model.bind(tape, false)).robustLogits(method, box(tape, bt), bt.labels(), false).value();
            BoundEngine engine = new BoundEngine(n);
            for (int s = 0; s < bt.labels().length; s++) {
                BoundResult res = engine.bound(method, sampleBox(bt, s), Objective.identity(K));
                for (int j = 0; j < K; j++) {
                    double want = j == bt.labels()[s] ? res.lower()[j] : res.upper()[j];
                    assertEquals(want, robust.get(s, j), 1e-9 * (1 + Math.abs(want)), method + " conv=" + conv + " sample " + s + " class " + j);
                }
            }
        }
    }

    /**
     * d(loss)/d(parameter) by the tape against central differences, for the certified loss of every preset,
     * with and without elision, on both nets. Differences use h = 1e-6; at random points no relaxation switches
     * (active/unstable or CROWN's adaptive slope) within ±h.
     */
    @ParameterizedTest
    @EnumSource(names = {"IBP", "HBOX", "DEEPZ", "CROWN", "CROWN_0", "CROWN_IBP"})
    void gradientsMatchFiniteDifferences(Method method) {
        for (boolean conv : new boolean[] {false, true}) {
            for (boolean elision : new boolean[] {true, false}) {
                assertGradientsMatchFiniteDifferences(net(conv, 11, elision), method, elision, method + " conv=" + conv);
            }
        }
    }

    /**
     * hbox-forward (the forward hybrid zonotope) on MLPs, with and without the input normalisation: the batched, taped
     * bounds equal the bound engine's {@code HybridZonotope} (elided margins and worst-case logits), and the loss's
     * gradients equal central differences.
     */
    @Test
    void theForwardHybridZonotopeEqualsTheBoundEngineAndDifferentiates() {
        Method method = Method.HBOX_FORWARD;
        for (long seed = 1; seed <= 4; seed++) {
            Network n = net(false, seed, seed % 2 == 0);
            Batch bt = batch(new SplittableRandom(seed * 31), 5, 0.15);
            Model model = new Model(n);
            Tape tape = new Tape();
            BatchBounds bb = new BatchBounds(model, tape, model.bind(tape, false));
            Tensor elided = bb.robustLogits(method, box(tape, bt), bt.labels(), true).value();
            Tensor worst = bb.robustLogits(method, box(tape, bt), bt.labels(), false).value();
            BoundEngine engine = new BoundEngine(n);
            for (int s = 0; s < bt.labels().length; s++) {
                int y = bt.labels()[s];
                BoundResult margins = engine.bound(method, sampleBox(bt, s), marginRows(y));
                BoundResult logits = engine.bound(method, sampleBox(bt, s), Objective.identity(K));
                for (int j = 0; j < K; j++) {
                    double want = j == y ? 0 : margins.lower()[j];
                    assertEquals(want, -elided.get(s, j), 1e-9 * (1 + Math.abs(want)), "elided seed " + seed + " sample " + s + " class " + j);
                    double wantLogit = j == y ? logits.lower()[j] : logits.upper()[j];
                    assertEquals(wantLogit, worst.get(s, j), 1e-9 * (1 + Math.abs(wantLogit)), "worst case seed " + seed + " sample " + s + " class " + j);
                }
            }
        }
        for (boolean elision : new boolean[] {true, false})
            assertGradientsMatchFiniteDifferences(net(false, 11, elision), method, elision, method.toString());
    }

    @Test
    void theForwardHybridZonotopeRefusesConvolutionsWithAReason() {
        Model model = new Model(net(true, 1));
        Tape tape = new Tape();
        Batch bt = batch(new SplittableRandom(1), 2, 0.1);
        var e = assertThrows(dev.verity.InvalidInputException.class,
                () -> new BatchBounds(model, tape, model.bind(tape, false)).robustLogits(Method.HBOX_FORWARD, box(tape, bt), bt.labels(), true));
        assertTrue(e.getMessage().contains("multilayer perceptrons"), e.getMessage());
    }

    /** The elided rows z_y − z_j (the row j = y zero) whose lower bounds are the robust margins. */
    static Objective marginRows(int y) {
        Tensor c = Tensor.zeros(K, K);
        for (int j = 0; j < K; j++) if (j != y) { c.set(1, j, y); c.set(-1, j, j); }
        return new Objective(c, new double[K]);
    }

    /**
     * The tape's d(certified loss)/d(parameter) against central differences (h = 1e-6) at four random entries of
     * every parameter tensor, on a batch of three; at least eight of the checked entries must have a gradient.
     */
    static void assertGradientsMatchFiniteDifferences(Network n, Method method, boolean elision, String what) {
        Model model = new Model(n);
        Batch bt = batch(new SplittableRandom(5), 3, 0.12);
        Tape tape = new Tape();
        Model.Weights w = model.bind(tape, true);
        Var loss = tape.crossEntropy(new BatchBounds(model, tape, w).robustLogits(method, box(tape, bt), bt.labels(), elision), bt.labels());
        tape.backward(loss);
        SplittableRandom pick = new SplittableRandom(3);
        int checked = 0;
        for (int p = 0; p < model.parameters().size(); p++) {
            Tensor param = model.parameters().get(p), grad = w.vars().get(p).grad();
            for (int t = 0; t < 4; t++) {
                int i = pick.nextInt(param.size());
                double old = param.data()[i], h = 1e-6;
                param.data()[i] = old + h;
                double up = lossOf(model, method, bt, elision);
                param.data()[i] = old - h;
                double down = lossOf(model, method, bt, elision);
                param.data()[i] = old;
                double fd = (up - down) / (2 * h);
                assertEquals(fd, grad.data()[i], 1e-5 * (1 + Math.abs(fd)), what + " elision=" + elision + " parameter " + p + "[" + i + "]");
                if (fd != 0) checked++;
            }
        }
        assertTrue(checked >= 8, "too few parameters with a gradient: " + checked);
    }

    static double lossOf(Model model, Method method, Batch bt, boolean elision) {
        Tape tape = new Tape();
        BatchBounds bb = new BatchBounds(model, tape, model.bind(tape, false));
        return tape.crossEntropy(bb.robustLogits(method, box(tape, bt), bt.labels(), elision), bt.labels()).item();
    }

    static BatchBounds.Box box(Tape tape, Batch bt) {
        return new BatchBounds.Box(tape.constant(bt.lo()), tape.constant(bt.hi()));
    }

    static Interval sampleBox(Batch bt, int s) {
        double[] lo = java.util.Arrays.copyOfRange(bt.lo().data(), s * 16, (s + 1) * 16);
        double[] hi = java.util.Arrays.copyOfRange(bt.hi().data(), s * 16, (s + 1) * 16);
        return new Interval(lo, hi);
    }
}
