package dev.verity.tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Random tensors, comparisons and the finite-difference gradient check shared by the tensor tests. */
final class TestTensors {
    private TestTensors() {}

    static Tensor t(int[] shape, double... values) { return new Tensor(values.clone(), shape); }

    static int[] s(int... shape) { return shape; }

    /** Uniform values in [lo, hi). */
    static Tensor uniform(Random r, double lo, double hi, int... shape) {
        double[] d = new double[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * r.nextDouble();
        return new Tensor(d, shape);
    }

    /** Values with |v| in [0.1, 1) and random sign: far from the kinks of relu and friends at 0. */
    static Tensor awayFromZero(Random r, int... shape) {
        double[] d = new double[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < d.length; i++) d[i] = (r.nextBoolean() ? 1 : -1) * (0.1 + 0.9 * r.nextDouble());
        return new Tensor(d, shape);
    }

    /** Distinct values (a shuffled grid 0.1 apart, around 0): maxima are unique with a wide margin. */
    static Tensor distinct(Random r, int... shape) {
        int n = Math.toIntExact(Tensor.numel(shape));
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = 0.1 * (i - n / 2.0);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            double tmp = d[i]; d[i] = d[j]; d[j] = tmp;
        }
        return new Tensor(d, shape);
    }

    static void assertTensor(int[] shape, double[] expected, Tensor actual, double tol) {
        assertArrayEquals(shape, actual.shape(), "shape");
        assertEquals(expected.length, actual.size(), "size");
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], actual.data()[i], tol, "element " + i + " of " + actual);
    }

    static void assertSame(Tensor expected, Tensor actual, double tol) {
        assertTensor(expected.shape(), expected.data(), actual, tol);
    }

    /** A computation from variables to an output var, rebuilt on a fresh tape for every evaluation. */
    @FunctionalInterface
    interface Fn {
        Var apply(Tape tape, List<Var> in);
    }

    static final double H = 1e-6;

    /**
     * Checks the tape's gradient of {@code L = sum(f(inputs) * R)} (R a fixed random weighting, so
     * every output element matters differently) against central differences with step {@link #H}.
     * Each element must agree to {@code rtol} relative plus a tiny absolute slack for near-zero
     * entries; the gradient must not vanish (a test that cannot fail is useless).
     */
    static void gradCheck(long seed, double rtol, Fn f, Tensor... inputs) {
        Random r = new Random(seed);
        Tape tape = new Tape();
        List<Var> vars = Arrays.stream(inputs).map(tape::variable).toList();
        Var y = f.apply(tape, vars);
        Tensor weights = uniform(r, -1, 1, y.shape());
        Var loss = tape.sum(tape.mul(y, tape.constant(weights)));
        tape.backward(loss);
        for (int k = 0; k < inputs.length; k++) {
            double[] x = inputs[k].data();
            double[] analytic = vars.get(k).grad().data();
            assertEquals(x.length, analytic.length);
            double norm = 0;
            for (int i = 0; i < x.length; i++) {
                double keep = x[i];
                x[i] = keep + H;
                double up = lossValue(f, inputs, weights);
                x[i] = keep - H;
                double down = lossValue(f, inputs, weights);
                x[i] = keep;
                double numeric = (up - down) / (2 * H);
                double err = Math.abs(numeric - analytic[i]);
                if (err > rtol * Math.max(Math.abs(numeric), Math.abs(analytic[i])) + 1e-8)
                    fail("input " + k + " element " + i + ": analytic " + analytic[i] + " vs numeric " + numeric);
                norm += numeric * numeric;
            }
            assertTrue(Math.sqrt(norm) > 1e-3, "gradient of input " + k + " vanishes: the check would prove nothing");
        }
    }

    private static double lossValue(Fn f, Tensor[] inputs, Tensor weights) {
        Tape tape = new Tape();
        Var y = f.apply(tape, Arrays.stream(inputs).map(tape::constant).toList());
        double[] yd = y.value().data(), w = weights.data();
        double acc = 0;
        for (int i = 0; i < yd.length; i++) acc += yd[i] * w[i];
        return acc;
    }
}
