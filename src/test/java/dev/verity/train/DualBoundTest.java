package dev.verity.train;

import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import dev.verity.tensor.Var;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paper 001's dual bound with predicted multipliers, as predictor–verifier training uses it. */
class DualBoundTest {

    /** 001: IBP "is equivalent to setting λ to zero" — with every gate 0 the dual bound is IBP's, number for number. */
    @Test
    void zeroMultipliersGiveIntervalBoundPropagation() {
        for (boolean conv : new boolean[] {false, true}) {
            Network n = BatchBoundsTest.net(conv, 3);
            Model model = new Model(n);
            BatchBoundsTest.Batch bt = BatchBoundsTest.batch(new SplittableRandom(4), 5, 0.1);
            Tape tape = new Tape();
            BatchBounds bb = new BatchBounds(model, tape, model.bind(tape, false));
            List<Var> values = bb.forwardAll(tape.constant(bt.lo()));
            Tensor dual = bb.dualRobustLogits(BatchBoundsTest.box(tape, bt), bt.labels(), (id, pre, box) -> tape.constant(Tensor.zeros(pre.shape())), values).value();
            Tensor ibp = bb.robustLogits(Method.IBP, BatchBoundsTest.box(tape, bt), bt.labels(), true).value();
            for (int i = 0; i < dual.size(); i++) assertEquals(ibp.data()[i], dual.data()[i], 1e-9 * (1 + Math.abs(ibp.data()[i])), "conv=" + conv + " " + i);
        }
    }

    /** Weak duality: whatever the verifier predicts, no point of the box exceeds the bound. */
    @Test
    void anyGatesGiveASoundBound() {
        SplittableRandom r = new SplittableRandom(8);
        for (boolean conv : new boolean[] {false, true}) {
            Network n = BatchBoundsTest.net(conv, 5);
            Model model = new Model(n);
            BatchBoundsTest.Batch bt = BatchBoundsTest.batch(new SplittableRandom(6), 4, 0.15);
            for (int trial = 0; trial < 3; trial++) {
                Tape tape = new Tape();
                BatchBounds bb = new BatchBounds(model, tape, model.bind(tape, false));
                List<Var> values = bb.forwardAll(tape.constant(bt.lo()));
                long seed = r.nextLong();
                Tensor xi = bb.dualRobustLogits(BatchBoundsTest.box(tape, bt), bt.labels(), (id, pre, box) -> {
                    SplittableRandom g = new SplittableRandom(seed + id);
                    return tape.constant(pre.value().map(v -> g.nextDouble()));
                }, values).value();
                for (int s = 0; s < bt.labels().length; s++) {
                    for (int sample = 0; sample < 200; sample++) {
                        double[] x = new double[16];
                        for (int i = 0; i < 16; i++) x[i] = bt.lo().data()[s * 16 + i] + r.nextDouble() * (bt.hi().data()[s * 16 + i] - bt.lo().data()[s * 16 + i]);
                        Tensor y = Forward.run(n, TensorOps.INSTANCE, new Tensor(x, 1, 1, 4, 4));
                        int label = bt.labels()[s];
                        for (int j = 0; j < BatchBoundsTest.K; j++)
                            assertTrue(y.data()[j] - y.data()[label] <= xi.get(s, j) + 1e-9, "conv=" + conv + " sample " + s + " class " + j);
                    }
                }
            }
        }
    }

    /** Gradients of the PVT loss w.r.t. the predictor's weights and the verifier's parameters, against central differences. */
    @Test
    void gradientsMatchFiniteDifferences() {
        for (boolean conv : new boolean[] {false, true}) {
            Network n = BatchBoundsTest.net(conv, 9);
            Model model = new Model(n);
            Verifier verifier = new Verifier(n);
            SplittableRandom r = new SplittableRandom(2);
            for (Tensor p : verifier.parameters()) for (int i = 0; i < p.size(); i++) p.data()[i] += 0.3 * (r.nextDouble() - 0.5);
            BatchBoundsTest.Batch bt = BatchBoundsTest.batch(new SplittableRandom(7), 3, 0.12);
            Tape tape = new Tape();
            Model.Weights w = model.bind(tape, true);
            List<Var> vars = new java.util.ArrayList<>(w.vars());
            vars.addAll(verifier.bind(tape, true));
            tape.backward(loss(model, verifier, tape, w, bt));
            List<Tensor> params = new java.util.ArrayList<>(model.parameters());
            params.addAll(verifier.parameters());
            int checked = 0;
            SplittableRandom pick = new SplittableRandom(1);
            for (int p = 0; p < params.size(); p++) {
                Tensor param = params.get(p);
                for (int t = 0; t < 4; t++) {
                    int i = pick.nextInt(param.size());
                    double old = param.data()[i], h = 1e-6;
                    param.data()[i] = old + h;
                    double up = lossValue(model, verifier, bt);
                    param.data()[i] = old - h;
                    double down = lossValue(model, verifier, bt);
                    param.data()[i] = old;
                    double fd = (up - down) / (2 * h), got = vars.get(p).requiresGrad() ? vars.get(p).grad().data()[i] : 0;
                    assertEquals(fd, got, 1e-5 * (1 + Math.abs(fd)), "conv=" + conv + " parameter " + p + "[" + i + "]");
                    if (fd != 0) checked++;
                }
            }
            assertTrue(checked >= 10, "checked " + checked);
        }
    }

    static Var loss(Model model, Verifier verifier, Tape tape, Model.Weights w, BatchBoundsTest.Batch bt) {
        BatchBounds bb = new BatchBounds(model, tape, w);
        Tensor centre = bt.lo().add(bt.hi()).scale(0.5);
        List<Var> values = bb.forwardAll(tape.constant(centre));
        return tape.crossEntropy(bb.dualRobustLogits(BatchBoundsTest.box(tape, bt), bt.labels(), verifier, values), bt.labels());
    }

    static double lossValue(Model model, Verifier verifier, BatchBoundsTest.Batch bt) {
        Tape tape = new Tape();
        Model.Weights w = model.bind(tape, false);
        verifier.bind(tape, false);
        return loss(model, verifier, tape, w, bt).item();
    }
}
