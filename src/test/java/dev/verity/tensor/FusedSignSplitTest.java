package dev.verity.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused back-substitution ops ({@link Tape#groupedRelaxStep}, {@link Tape#groupedBoxMinPair}) must compute bit for
 * bit what the separate ops they replace compute — values and every gradient — since certified training's results
 * (and resumed runs) must not change with them. Sizes include odd widths (vector tails), zeros in the rows (the kink
 * at 0) and shapes large enough for {@link Parallel#chunks} to split every pass across threads.
 */
class FusedSignSplitTest {
    private final SplittableRandom rnd = new SplittableRandom(11);

    private Tensor random(int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = rnd.nextDouble(-1, 1);
        return t;
    }

    /** Rows with exact zeros sprinkled in, where the sign split has its kink. */
    private Tensor rows(int... shape) {
        Tensor t = random(shape);
        for (int i = 0; i < t.size(); i += 7) t.data()[i] = 0;
        return t;
    }

    private record Result(double[][] values, double[][] grads) {}

    /**
     * The ReLU step of back-substitution, separately (repeatRows when shared, then the lower term, the upper term,
     * the rows, in BatchBounds' former order) or fused, with a loss weighting every output by fixed random factors.
     */
    private Result relaxStep(boolean fused, Tensor a0, Tensor p0, Tensor q0, Tensor c0, boolean samePq, boolean shared, boolean twoSided,
                             Tensor wRows, Tensor wLow, Tensor wUp) {
        Tape tape = new Tape();
        Var a = tape.variable(a0), p = tape.variable(p0), q = samePq ? p : tape.variable(q0), c = tape.variable(c0);
        int groups = p0.dim(0);
        Var rows, low, up;
        if (fused) {
            Var[] out = tape.groupedRelaxStep(a, p, q, c, shared, twoSided);
            rows = out[0];
            low = out[1];
            up = twoSided ? out[2] : null;
        } else {
            Var r = shared ? tape.repeatRows(a, groups) : a;
            Var zeros = tape.constant(Tensor.zeros(c0.shape()));
            low = tape.groupedBoxMin(r, zeros, c);
            up = twoSided ? tape.groupedBoxMin(r, c, zeros) : null;
            rows = tape.groupedMulBySign(r, p, q, false);
        }
        Var loss = tape.add(tape.sum(tape.mul(rows, tape.constant(wRows))), tape.sum(tape.mul(low, tape.constant(wLow))));
        if (up != null) loss = tape.add(loss, tape.sum(tape.mul(up, tape.constant(wUp))));
        tape.backward(loss);
        double[][] values = {rows.value().data(), low.value().data(), up == null ? new double[0] : up.value().data()};
        return new Result(values, new double[][] {a.grad().data(), p.grad().data(), q.grad().data(), c.grad().data()});
    }

    private void assertSameRelaxStep(int groups, int m, int n, boolean shared, boolean twoSided, boolean samePq) {
        Tensor a = rows(shared ? m : groups * m, n), p = random(groups, n), q = random(groups, n), c = random(groups, n);
        Tensor wRows = random(groups * m, n), wLow = random(groups * m, 1), wUp = random(groups * m, 1);
        Result sep = relaxStep(false, a, p, q, c, samePq, shared, twoSided, wRows, wLow, wUp);
        Result fus = relaxStep(true, a, p, q, c, samePq, shared, twoSided, wRows, wLow, wUp);
        String what = "G=" + groups + " m=" + m + " n=" + n + " shared=" + shared + " twoSided=" + twoSided + " p=q " + samePq;
        for (int i = 0; i < sep.values.length; i++) assertArrayEquals(sep.values[i], fus.values[i], "value " + i + " " + what);
        for (int i = 0; i < sep.grads.length; i++) assertArrayEquals(sep.grads[i], fus.grads[i], "gradient " + i + " " + what);
    }

    @Test
    void relaxStepEqualsTheSeparateOpsBitForBit() {
        for (boolean shared : new boolean[] {false, true})
            for (boolean twoSided : new boolean[] {false, true})
                for (boolean samePq : new boolean[] {false, true}) assertSameRelaxStep(3, 4, 13, shared, twoSided, samePq);
    }

    @Test
    void relaxStepEqualsTheSeparateOpsOnTheParallelPaths() {
        // 64 groups x 40 rows x 1600 values: every pass (forward rows, backward per group, shared rows) has
        // well over Parallel.MIN_PARALLEL_WORK multiply-adds, so each is split into chunks.
        assertTrue(Parallel.chunks(64 * 40, 4L * 1600) > 1 || Runtime.getRuntime().availableProcessors() == 1);
        assertTrue(Parallel.chunks(64, 4L * 40 * 1600) > 1 || Runtime.getRuntime().availableProcessors() == 1);
        assertTrue(Parallel.chunks(40, 4L * 64 * 1600) > 1 || Runtime.getRuntime().availableProcessors() == 1);
        assertSameRelaxStep(64, 40, 1600, true, true, true);
        assertSameRelaxStep(64, 40, 1600, false, false, false);
    }

    @Test
    void relaxStepSharedEqualsRepeatedRows() {
        // Shared rows give the same values as the rows repeated per group, and the gradient of the shared rows is
        // the repeated rows' gradient summed over the groups.
        Tensor a = rows(5, 9), p = random(4, 9), q = random(4, 9), c = random(4, 9);
        Tensor rep = Tensor.zeros(20, 9);
        for (int g = 0; g < 4; g++) System.arraycopy(a.data(), 0, rep.data(), g * 45, 45);
        Tensor[] shared = SignSplit.groupedRelaxStep(a, p, q, c, true, true), plain = SignSplit.groupedRelaxStep(rep, p, q, c, false, true);
        for (int i = 0; i < 3; i++) assertArrayEquals(plain[i].data(), shared[i].data());
        Tensor g = random(20, 9), gl = random(20, 1), gu = random(20, 1);
        Tensor gShared = SignSplit.groupedRelaxStepBackward(a, p, q, c, true, g, gl, gu, true, true, true)[0];
        Tensor gPlain = SignSplit.groupedRelaxStepBackward(rep, p, q, c, false, g, gl, gu, true, true, true)[0];
        for (int i = 0; i < 45; i++) {
            double s = 0;
            for (int k = 0; k < 4; k++) s += gPlain.data()[k * 45 + i];
            assertEquals(s, gShared.data()[i], 0);
        }
    }

    @Test
    void relaxStepWithAnUnusedOutputEqualsTheOpsThatAreUsed() {
        // Only the rows carry on (the intercept terms unused), as when a gradient reaches just some results.
        Tensor a = rows(6, 10), p = random(2, 10), q = random(2, 10), c = random(2, 10);
        Tape t1 = new Tape(), t2 = new Tape();
        Var a1 = t1.variable(a), c1 = t1.variable(c), a2 = t2.variable(a), c2 = t2.variable(c);
        Var[] fused = t1.groupedRelaxStep(a1, t1.constant(p), t1.constant(q), c1, false, true);
        t1.backward(t1.sum(fused[2]));
        t2.backward(t2.sum(t2.groupedBoxMin(a2, c2, t2.constant(Tensor.zeros(2, 10)))));
        assertArrayEquals(a2.grad().data(), a1.grad().data());
        assertArrayEquals(c2.grad().data(), c1.grad().data());
    }

    private Result boxPair(boolean fused, Tensor a0, Tensor lo0, Tensor hi0, Tensor wLow, Tensor wUp, boolean useLow, boolean useUp) {
        Tape tape = new Tape();
        Var a = tape.variable(a0), lo = tape.variable(lo0), hi = tape.variable(hi0);
        Var low, up;
        if (fused) {
            Var[] both = tape.groupedBoxMinPair(a, lo, hi);
            low = both[0];
            up = both[1];
        } else {
            low = tape.groupedBoxMin(a, lo, hi);
            up = tape.groupedBoxMin(a, hi, lo);
        }
        Var lossLow = tape.sum(tape.mul(low, tape.constant(wLow))), lossUp = tape.sum(tape.mul(up, tape.constant(wUp)));
        tape.backward(useLow && useUp ? tape.add(lossLow, lossUp) : useLow ? lossLow : lossUp);
        return new Result(new double[][] {low.value().data(), up.value().data()},
                new double[][] {a.grad().data(), lo.grad().data(), hi.grad().data()});
    }

    @Test
    void boxMinPairEqualsTwoBoxMinsBitForBit() {
        int[][] sizes = {{3, 4, 13}, {64, 40, 1600}}; // the second takes the parallel paths
        for (int[] s : sizes) {
            int groups = s[0], m = s[1], n = s[2];
            Tensor a = rows(groups * m, n), lo = random(groups, n), hi = lo.add(random(groups, n).map(Math::abs));
            Tensor wLow = random(groups * m, 1), wUp = random(groups * m, 1);
            for (boolean[] use : new boolean[][] {{true, true}, {true, false}, {false, true}}) {
                Result sep = boxPair(false, a, lo, hi, wLow, wUp, use[0], use[1]);
                Result fus = boxPair(true, a, lo, hi, wLow, wUp, use[0], use[1]);
                for (int i = 0; i < 2; i++) assertArrayEquals(sep.values[i], fus.values[i]);
                for (int i = 0; i < 3; i++) assertArrayEquals(sep.grads[i], fus.grads[i], "gradient " + i + " n=" + n + " use " + use[0] + use[1]);
            }
        }
    }

    @Test
    void fusedGradientsMatchFiniteDifferences() {
        int groups = 2, m = 3, n = 11;
        Tensor a = random(m, n), p = random(groups, n), q = random(groups, n), c = random(groups, n);
        for (int i = 0; i < a.size(); i++) if (Math.abs(a.data()[i]) < 0.05) a.data()[i] = 0.3; // away from the kink
        Tensor lo = random(groups, n), hi = lo.add(random(groups, n).map(Math::abs));
        Tensor wRows = random(groups * m, n), wLow = random(groups * m, 1), wUp = random(groups * m, 1);
        Tensor[] inputs = {a, p, q, c, lo, hi};
        java.util.function.Function<Tape, Var[]> loss = tape -> {
            Var[] v = new Var[inputs.length];
            for (int i = 0; i < v.length; i++) v[i] = tape.variable(inputs[i]);
            Var[] step = tape.groupedRelaxStep(v[0], v[1], v[2], v[3], true, true);
            Var rows = step[0]; // [G·m, n]: bounded over the box below, per group
            Var[] pair = tape.groupedBoxMinPair(rows, v[4], v[5]);
            Var s = tape.add(tape.sum(tape.mul(rows, tape.constant(wRows))), tape.sum(tape.mul(step[1], tape.constant(wLow))));
            s = tape.add(s, tape.sum(tape.mul(step[2], tape.constant(wUp))));
            s = tape.add(s, tape.add(tape.sum(tape.mul(pair[0], tape.constant(wLow))), tape.sum(tape.mul(pair[1], tape.constant(wUp)))));
            Var[] out = new Var[v.length + 1];
            System.arraycopy(v, 0, out, 0, v.length);
            out[v.length] = s;
            return out;
        };
        Tape tape = new Tape();
        Var[] vars = loss.apply(tape);
        tape.backward(vars[inputs.length]);
        double h = 1e-6;
        for (int k = 0; k < inputs.length; k++) {
            double[] x = inputs[k].data(), grad = vars[k].grad().data();
            for (int i = 0; i < x.length; i++) {
                double keep = x[i];
                x[i] = keep + h;
                double fPlus = loss.apply(new Tape())[inputs.length].item();
                x[i] = keep - h;
                double fMinus = loss.apply(new Tape())[inputs.length].item();
                x[i] = keep;
                assertEquals((fPlus - fMinus) / (2 * h), grad[i], 1e-6, "input " + k + " element " + i);
            }
        }
    }
}
