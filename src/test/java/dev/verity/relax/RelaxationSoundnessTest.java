package dev.verity.relax;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Soundness of every single-neuron relaxation: for each pre-activation interval [l, u] the lines must
 * satisfy {@code lower(z) <= f(z) <= upper(z)} at the endpoints and at many sampled z in between. The
 * only slack allowed is a few ulps of the numbers involved in evaluating a line (slope·z, intercept,
 * f(z)): the lines of {@link Relaxations} are supposed to be sound in floating point, not just on paper.
 *
 * <p>The activation values are computed here independently of {@link Relaxations.Activation} (plain
 * {@code Math.max}, {@code 1/(1+exp(-z))}, {@code Math.tanh}), so a wrong activation in the relaxation
 * code cannot hide behind itself.
 */
class RelaxationSoundnessTest {
    /** Points sampled per interval, on top of the two endpoints, 0 (when inside) and points near them. */
    private static final int SAMPLES = 400;
    /** Allowed error of one comparison, in ulps of the largest magnitude involved. */
    private static final double ULPS = 4;

    private static final double[] LEAKY_SLOPES = {0.0, 1e-3, 0.01, 0.1, 0.3, 0.5, 0.99, 1.0};

    // ---- the intervals -----------------------------------------------------------------------------

    /** Hand-picked edge cases: tiny, huge, all-negative, all-positive, straddling (balanced and lopsided), touching 0. */
    static List<double[]> edgeIntervals() {
        List<double[]> list = new ArrayList<>(List.of(
                new double[]{-1, 1}, new double[]{-2, 2}, new double[]{-1, 3}, new double[]{-3, 1},
                new double[]{-1e-300, 1e-300}, new double[]{-Double.MIN_VALUE, Double.MIN_VALUE},
                new double[]{-1e-12, 2e-12}, new double[]{-5e-9, 1e-15}, new double[]{-1e-15, 5e-9},
                new double[]{-1e6, 1e6}, new double[]{-1e12, 3}, new double[]{-3, 1e12},
                new double[]{-1e150, 1e150}, new double[]{-1e200, 1e-200}, new double[]{-1e-200, 1e200},
                new double[]{0, 0}, new double[]{0, 1}, new double[]{-1, 0}, new double[]{0, 1e-300}, new double[]{-1e-300, 0},
                new double[]{1e-300, 2e-300}, new double[]{-2e-300, -1e-300},
                new double[]{2, 2}, new double[]{-2, -2}, new double[]{3, 7}, new double[]{-7, -3},
                new double[]{1e9, 1e9 + 1}, new double[]{-1e9 - 1, -1e9}, new double[]{1e200, 1e201}, new double[]{-1e201, -1e200},
                new double[]{-40, -39}, new double[]{39, 40}, new double[]{-800, -799}, new double[]{799, 800},
                new double[]{-800, 800}, new double[]{-0.5, 40}, new double[]{-40, 0.5},
                new double[]{-1e-9, 1e-9}, new double[]{1 - 1e-15, 1}, new double[]{-1, -1 + 1e-15},
                new double[]{-Math.ulp(1.0), Math.ulp(1.0)}));
        return list;
    }

    /** Random intervals over 40 orders of magnitude, of every sign pattern; fixed seed. */
    static List<double[]> randomIntervals(long seed, int count) {
        SplittableRandom r = new SplittableRandom(seed);
        List<double[]> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double a = magnitude(r), b = magnitude(r);
            switch (i % 4) {
                case 0 -> list.add(new double[]{-a, b});                                // straddling
                case 1 -> list.add(new double[]{Math.min(a, b), Math.max(a, b)});       // all positive
                case 2 -> list.add(new double[]{-Math.max(a, b), -Math.min(a, b)});     // all negative
                default -> {                                                            // narrow around a random centre
                    double c = (r.nextBoolean() ? 1 : -1) * magnitude(r), w = Math.abs(c) * Math.pow(10, -r.nextInt(1, 16));
                    list.add(new double[]{c - w, c + w});
                }
            }
        }
        return list;
    }

    private static double magnitude(SplittableRandom r) {
        return r.nextDouble(1, 10) * Math.pow(10, r.nextInt(-20, 21));
    }

    static List<double[]> allIntervals() {
        List<double[]> all = new ArrayList<>(edgeIntervals());
        all.addAll(randomIntervals(20240611L, 400));
        return all;
    }

    /** z values to check in [l, u]: both endpoints, 0 when inside, the neighbours of all three, and uniform samples. */
    static double[] points(double l, double u, SplittableRandom r) {
        List<Double> z = new ArrayList<>(List.of(l, u, Math.nextUp(l), Math.nextDown(u), 0.5 * l + 0.5 * u));
        if (l <= 0 && u >= 0) {
            z.add(0.0);
            z.add(Math.max(l, -Double.MIN_VALUE));
            z.add(Math.min(u, Double.MIN_VALUE));
            z.add(Math.max(l, -1e-300));
            z.add(Math.min(u, 1e-300));
        }
        for (int i = 0; i < SAMPLES; i++) {
            double t = r.nextDouble();
            z.add(i % 2 == 0 ? l + t * (u - l) : u - t * (u - l)); // both ends get fine samples
        }
        // Log-spaced points toward each endpoint, where a wrong slope shows first.
        for (int k = 1; k <= 30; k++) {
            double f = Math.pow(2, -k);
            z.add(l + f * (u - l));
            z.add(u - f * (u - l));
        }
        double[] out = new double[z.size()];
        int n = 0;
        for (double v : z) if (v >= l && v <= u && Double.isFinite(v)) out[n++] = v;
        return java.util.Arrays.copyOf(out, n);
    }

    // ---- the check ---------------------------------------------------------------------------------

    /**
     * Checks {@code ls·z + li <= f(z) <= us·z + ui} on the sampled z with an error of a few ulps of the
     * largest term, recording every violation (and non-finite lines) in {@code out}.
     */
    static void check(String what, double l, double u, Lines lines, int i, DoubleUnaryOperator f, SplittableRandom r, Violations out) {
        double ls = lines.lowerSlope()[i], li = lines.lowerIntercept()[i], us = lines.upperSlope()[i], ui = lines.upperIntercept()[i];
        String where = what + " on [" + l + ", " + u + "]: lower " + ls + "·z + " + li + ", upper " + us + "·z + " + ui;
        if (!(Double.isFinite(ls) && Double.isFinite(li) && Double.isFinite(us) && Double.isFinite(ui))) {
            out.add(Double.POSITIVE_INFINITY, "non-finite line, " + where);
            return;
        }
        for (double z : points(l, u, r)) {
            double fz = f.applyAsDouble(z);
            double lo = ls * z + li, hi = us * z + ui;
            double tolLo = tolerance(fz, ls * z, li), tolHi = tolerance(fz, us * z, ui);
            if (!(lo <= fz + tolLo)) out.add((lo - fz) / Math.max(Math.abs(fz), Double.MIN_NORMAL),
                    "lower line above f at z = " + z + ": " + lo + " > f(z) = " + fz + ", " + where);
            if (!(hi >= fz - tolHi)) out.add((fz - hi) / Math.max(Math.abs(fz), Double.MIN_NORMAL),
                    "upper line below f at z = " + z + ": " + hi + " < f(z) = " + fz + ", " + where);
        }
    }

    /** Violations found in one test, reported together (count and the worst few by relative size). */
    static final class Violations {
        private final List<Double> size = new ArrayList<>();
        private final List<String> text = new ArrayList<>();
        private final java.util.Set<String> intervals = new java.util.LinkedHashSet<>();

        void add(double relative, String message) {
            size.add(relative);
            text.add(message);
            intervals.add(message.substring(message.indexOf(" on [") + 4, message.indexOf("]:") + 1));
        }

        void assertNone() {
            if (size.isEmpty()) return;
            Integer[] order = new Integer[size.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(size.get(b), size.get(a)));
            StringBuilder sb = new StringBuilder(size.size() + " violations on " + intervals.size() + " intervals " + intervals + "; worst:");
            for (int k = 0; k < Math.min(4, order.length); k++)
                sb.append("\n  (relative ").append(size.get(order[k])).append(") ").append(text.get(order[k]));
            fail(sb.toString());
        }
    }

    static double tolerance(double... terms) {
        double m = Double.MIN_NORMAL;
        for (double t : terms) m = Math.max(m, Math.abs(t));
        return ULPS * Math.ulp(m);
    }

    static double relu(double z) { return Math.max(z, 0); }

    static DoubleUnaryOperator leaky(double a) { return z -> z >= 0 ? z : a * z; }

    static double sigmoid(double z) { return 1 / (1 + Math.exp(-z)); }

    private static Interval intervalOf(List<double[]> list) {
        double[] l = new double[list.size()], u = new double[list.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = list.get(i)[0];
            u[i] = list.get(i)[1];
        }
        return new Interval(l, u);
    }

    // ---- tests -------------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> reluAndLeakyReluLinesAreSound() {
        List<DynamicTest> tests = new ArrayList<>();
        List<double[]> intervals = allIntervals();
        Interval pre = intervalOf(intervals);
        for (ReluRelaxation kind : ReluRelaxation.values()) {
            for (double a : LEAKY_SLOPES) {
                tests.add(DynamicTest.dynamicTest(kind + " slope " + a, () -> {
                    Lines lines = a == 0 ? Relaxations.relu(pre, kind) : Relaxations.leakyRelu(pre, a, kind);
                    assertEquals(pre.size(), lines.size());
                    SplittableRandom r = new SplittableRandom(7 + kind.ordinal());
                    DoubleUnaryOperator f = a == 0 ? RelaxationSoundnessTest::relu : leaky(a);
                    Violations v = new Violations();
                    for (int i = 0; i < pre.size(); i++) check(kind + " leaky " + a, pre.lower(i), pre.upper(i), lines, i, f, r, v);
                    v.assertNone();
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> sigmoidAndTanhLinesAreSound() {
        List<DynamicTest> tests = new ArrayList<>();
        List<double[]> intervals = allIntervals();
        // S-shaped functions are interesting where they bend: add many intervals of moderate size.
        intervals.addAll(moderateIntervals(99L, 600));
        Interval pre = intervalOf(intervals);
        for (ReluRelaxation kind : List.of(ReluRelaxation.BOX, ReluRelaxation.ADAPTIVE)) {
            tests.add(DynamicTest.dynamicTest("sigmoid " + kind, () -> {
                Lines lines = Relaxations.sigmoid(pre, kind);
                SplittableRandom r = new SplittableRandom(11);
                Violations v = new Violations();
                for (int i = 0; i < pre.size(); i++) check("sigmoid " + kind, pre.lower(i), pre.upper(i), lines, i, RelaxationSoundnessTest::sigmoid, r, v);
                v.assertNone();
            }));
            tests.add(DynamicTest.dynamicTest("tanh " + kind, () -> {
                Lines lines = Relaxations.tanh(pre, kind);
                SplittableRandom r = new SplittableRandom(13);
                Violations v = new Violations();
                for (int i = 0; i < pre.size(); i++) check("tanh " + kind, pre.lower(i), pre.upper(i), lines, i, Math::tanh, r, v);
                v.assertNone();
            }));
        }
        return tests.stream();
    }

    /** Intervals with endpoints in [-12, 12], where sigmoid and tanh are neither flat nor linear. */
    static List<double[]> moderateIntervals(long seed, int count) {
        SplittableRandom r = new SplittableRandom(seed);
        List<double[]> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double a = r.nextDouble(-12, 12), b = i % 3 == 0 ? a + r.nextDouble() * 1e-6 : r.nextDouble(-12, 12);
            list.add(new double[]{Math.min(a, b), Math.max(a, b)});
        }
        return list;
    }

    /**
     * Stable neurons are exact for every kind but CROWN-0: identity when l >= 0, the line a·z (0 for ReLU) when
     * u <= 0. Both lines must coincide exactly (no slack), or back-substitution loses precision for nothing.
     * CROWN-0 (003 App. K.4) keeps its lower line a·z on active neurons too.
     */
    @Test
    void stableNeuronsAreExactForEveryKind() {
        Interval pre = new Interval(new double[]{0, 1e-300, 2, 1e12, -5, -1e-300, -1e12, 0, -3},
                                    new double[]{0, 1e-300, 3, 2e12, -1, -1e-300, -1e11, 7, 0});
        for (ReluRelaxation kind : ReluRelaxation.values()) {
            for (double a : LEAKY_SLOPES) {
                Lines lines = Relaxations.leakyRelu(pre, a, kind);
                for (int i = 0; i < pre.size(); i++) {
                    double s = pre.lower(i) >= 0 ? 1 : a;
                    String where = kind + " a=" + a + " [" + pre.lower(i) + ", " + pre.upper(i) + "]";
                    assertEquals(kind == ReluRelaxation.ZERO ? a : s, lines.lowerSlope()[i], 0, where);
                    assertEquals(s, lines.upperSlope()[i], 0, where);
                    assertEquals(0, lines.lowerIntercept()[i], 0, where);
                    assertEquals(0, lines.upperIntercept()[i], 0, where);
                }
            }
        }
    }

    /**
     * The lines are the ones the papers define (paper 003 Sec. 2 / App. K.2), not merely sound ones: on
     * [l, u] = [-1, 3] (u > -l) and [-3, 1] (u < -l) each kind has its textbook slopes and intercepts.
     */
    @Test
    void unstableReluLinesAreTheTextbookOnes() {
        Interval pre = new Interval(new double[]{-1, -3, -2}, new double[]{3, 1, 2});
        // chord slopes u/(u-l): 3/4, 1/4, 1/2; chord intercepts -l·u/(u-l): 3/4, 3/4, 1
        double[] s = {0.75, 0.25, 0.5}, c = {0.75, 0.75, 1};
        Lines box = Relaxations.relu(pre, ReluRelaxation.BOX);
        Lines par = Relaxations.relu(pre, ReluRelaxation.PARALLEL);
        Lines ada = Relaxations.relu(pre, ReluRelaxation.ADAPTIVE);
        Lines zero = Relaxations.relu(pre, ReluRelaxation.ZERO);
        Lines opt = Relaxations.relu(pre, ReluRelaxation.OPTIMIZED);
        for (int i = 0; i < 3; i++) {
            // hBox: 0 <= y <= u
            assertLine(box, i, 0, 0, 0, pre.upper(i));
            // DeepZ: λz <= y <= λz − λl
            assertLine(par, i, s[i], 0, s[i], c[i]);
            // CROWN-0: 0 <= y <= chord
            assertLine(zero, i, 0, 0, s[i], c[i]);
            // CROWN/DeepPoly: lower slope 1 iff u > -l (ties, as [-2, 2], take 0: paper 003 Sec. 2 "0 <= x if -l >= u")
            double adaptive = pre.upper(i) > -pre.lower(i) ? 1 : 0;
            assertLine(ada, i, adaptive, 0, s[i], c[i]);
            assertLine(opt, i, adaptive, 0, s[i], c[i]);
        }
        assertEquals(0.25, ReluRelaxation.chordSlope(-3, 1), 0);
    }

    private static void assertLine(Lines lines, int i, double ls, double li, double us, double ui) {
        String where = "neuron " + i;
        assertEquals(ls, lines.lowerSlope()[i], 1e-15, "lower slope, " + where);
        assertEquals(li, lines.lowerIntercept()[i], 1e-15, "lower intercept, " + where);
        assertEquals(us, lines.upperSlope()[i], 1e-15, "upper slope, " + where);
        assertEquals(ui, lines.upperIntercept()[i], 1e-15, "upper intercept, " + where);
    }

    /**
     * CROWN-0 is continuous in (l, u) (the point of 003 App. K.4): across l = 0 (unstable → active) and u = 0
     * (inactive → unstable) its lines change by at most the change of the bounds, where CROWN's lower slope jumps.
     */
    @Test
    void crownZeroLinesAreContinuousAcrossStability() {
        double d = 1e-9;
        for (double other : new double[] {0.01, 0.5, 3, 40}) {
            for (double a : LEAKY_SLOPES) {
                // l crosses 0 with u = other; then u crosses 0 with l = −other.
                Interval pre = new Interval(new double[] {-d, d, -other, -other}, new double[] {other, other, -d, d});
                Lines z = Relaxations.leakyRelu(pre, a, ReluRelaxation.ZERO);
                for (int pair : new int[] {0, 2}) {
                    String where = "a=" + a + " other=" + other + " pair " + pair;
                    assertEquals(z.lowerSlope()[pair], z.lowerSlope()[pair + 1], 1e-6, where);
                    assertEquals(z.upperSlope()[pair], z.upperSlope()[pair + 1], 1e-6, where);
                    assertEquals(z.upperIntercept()[pair], z.upperIntercept()[pair + 1], 1e-6, where);
                }
            }
        }
        // CROWN's adaptive lower slope is not: 0 just before l = 0 with u small, 1 once active.
        Lines c = Relaxations.relu(new Interval(new double[] {-0.5, 1e-9}, new double[] {0.4, 0.4}), ReluRelaxation.ADAPTIVE);
        assertEquals(0, c.lowerSlope()[0], 0);
        assertEquals(1, c.lowerSlope()[1], 0);
    }

    /** The upper line of every chord-based kind touches the activation at both endpoints (it is the chord). */
    @Test
    void chordTouchesBothEndpoints() {
        List<double[]> straddling = randomIntervals(5L, 400).stream().filter(p -> p[0] < 0 && p[1] > 0).toList();
        Interval pre = intervalOf(straddling);
        for (ReluRelaxation kind : List.of(ReluRelaxation.PARALLEL, ReluRelaxation.ADAPTIVE, ReluRelaxation.ZERO, ReluRelaxation.OPTIMIZED)) {
            for (double a : LEAKY_SLOPES) {
                if (a == 1) continue; // leaky slope 1 is the identity: no kink, the chord is the function
                Lines lines = Relaxations.leakyRelu(pre, a, kind);
                for (int i = 0; i < pre.size(); i++) {
                    double l = pre.lower(i), u = pre.upper(i);
                    double atL = lines.upperSlope()[i] * l + lines.upperIntercept()[i];
                    double atU = lines.upperSlope()[i] * u + lines.upperIntercept()[i];
                    double tol = 1e-12 * Math.max(Math.abs(l), Math.abs(u));
                    assertEquals(a * l, atL, tol, kind + " chord at l of [" + l + ", " + u + "] a=" + a);
                    assertEquals(u, atU, tol, kind + " chord at u of [" + l + ", " + u + "] a=" + a);
                }
            }
        }
    }

    /**
     * S-shaped lines are reasonably tight as well as sound: on a straddling interval both lines pass
     * within 1e-9 of f at one endpoint (they go through (l, f(l)) and (u, f(u))); on a one-signed
     * interval the chord touches f at both endpoints.
     */
    @Test
    void sShapedLinesTouchTheCurve() {
        Interval pre = new Interval(new double[]{-2, -5, 0.5, -0.1}, new double[]{3, -1, 4, 0.2});
        for (boolean isSigmoid : new boolean[]{true, false}) {
            DoubleUnaryOperator f = isSigmoid ? RelaxationSoundnessTest::sigmoid : Math::tanh;
            Lines lines = isSigmoid ? Relaxations.sigmoid(pre, ReluRelaxation.ADAPTIVE) : Relaxations.tanh(pre, ReluRelaxation.ADAPTIVE);
            for (int i = 0; i < pre.size(); i++) {
                double l = pre.lower(i), u = pre.upper(i);
                double lowAtL = lines.lowerSlope()[i] * l + lines.lowerIntercept()[i], upAtU = lines.upperSlope()[i] * u + lines.upperIntercept()[i];
                double upAtL = lines.upperSlope()[i] * l + lines.upperIntercept()[i], lowAtU = lines.lowerSlope()[i] * u + lines.lowerIntercept()[i];
                if (u <= 0) { // convex: chord above
                    assertEquals(f.applyAsDouble(l), upAtL, 1e-9);
                    assertEquals(f.applyAsDouble(u), upAtU, 1e-9);
                } else if (l >= 0) { // concave: chord below
                    assertEquals(f.applyAsDouble(l), lowAtL, 1e-9);
                    assertEquals(f.applyAsDouble(u), lowAtU, 1e-9);
                } else {
                    assertEquals(f.applyAsDouble(l), lowAtL, 1e-9);
                    assertEquals(f.applyAsDouble(u), upAtU, 1e-9);
                    assertEquals(lines.lowerSlope()[i], lines.upperSlope()[i], 0);
                }
                assertTrue(lines.lowerSlope()[i] > 0 && lines.upperSlope()[i] > 0, "increasing function, positive slopes");
            }
        }
    }

    @Test
    void leakySlopeOutsideZeroOneIsRejected() {
        Interval pre = new Interval(new double[]{-1}, new double[]{1});
        assertThrows(IllegalArgumentException.class, () -> Relaxations.leakyRelu(pre, -0.1, ReluRelaxation.ADAPTIVE));
        assertThrows(IllegalArgumentException.class, () -> Relaxations.leakyRelu(pre, 1.5, ReluRelaxation.ADAPTIVE));
        assertThrows(IllegalArgumentException.class, () -> Relaxations.leakyRelu(pre, Double.NaN, ReluRelaxation.ADAPTIVE));
    }

    /**
     * Any lower slope in [a, 1] through the origin is sound for an unstable leaky ReLU (what alpha-CROWN
     * optimises over): checked by sampling with the chord as the upper line.
     */
    @Test
    void everyOptimisableSlopeIsSound() {
        List<double[]> straddling = randomIntervals(17L, 200).stream().filter(p -> p[0] < 0 && p[1] > 0).toList();
        Interval pre = intervalOf(straddling);
        SplittableRandom r = new SplittableRandom(3);
        Violations v = new Violations();
        for (double a : LEAKY_SLOPES) {
            Lines chord = Relaxations.leakyRelu(pre, a, ReluRelaxation.OPTIMIZED);
            int n = pre.size();
            for (double alpha : new double[]{a, 0.5 * (a + 1), 1, a + r.nextDouble() * (1 - a)}) {
                double[] slope = new double[n];
                java.util.Arrays.fill(slope, alpha);
                Lines lines = new Lines(slope, new double[n], chord.upperSlope().clone(), chord.upperIntercept().clone());
                for (int i = 0; i < n; i++) check("alpha " + alpha + " leaky " + a, pre.lower(i), pre.upper(i), lines, i, leaky(a), r, v);
            }
        }
        v.assertNone();
    }

    /**
     * The tangent-through-endpoint lines of an S-shaped activation, and every convex combination of them with the
     * parallel lines (what alpha-CROWN optimises over), are sound: checked by sampling on intervals that contain 0.
     */
    @Test
    void tangentLinesAndTheirMixturesAreSound() {
        List<double[]> intervals = new ArrayList<>(moderateIntervals(5L, 600));
        intervals.addAll(allIntervals());
        Interval pre = intervalOf(intervals.stream().filter(p -> p[0] < 0 && p[1] > 0).toList());
        SplittableRandom r = new SplittableRandom(8);
        Violations v = new Violations();
        int n = pre.size();
        for (boolean isSigmoid : new boolean[] {true, false}) {
            Relaxations.Activation act = isSigmoid ? Relaxations.Activation.SIGMOID : Relaxations.Activation.TANH;
            DoubleUnaryOperator f = isSigmoid ? RelaxationSoundnessTest::sigmoid : Math::tanh;
            Lines a = isSigmoid ? Relaxations.sigmoid(pre, ReluRelaxation.ADAPTIVE) : Relaxations.tanh(pre, ReluRelaxation.ADAPTIVE);
            Lines b = Relaxations.sShapedTangents(pre, act);
            for (double w : new double[] {0, 0.3, 1, r.nextDouble()}) {
                double[] ls = new double[n], li = new double[n], us = new double[n], ui = new double[n];
                for (int i = 0; i < n; i++) {
                    ls[i] = w * a.lowerSlope()[i] + (1 - w) * b.lowerSlope()[i];
                    li[i] = w * a.lowerIntercept()[i] + (1 - w) * b.lowerIntercept()[i];
                    us[i] = (1 - w) * a.upperSlope()[i] + w * b.upperSlope()[i];
                    ui[i] = (1 - w) * a.upperIntercept()[i] + w * b.upperIntercept()[i];
                }
                Lines mixed = new Lines(ls, li, us, ui);
                for (int i = 0; i < n; i++) check((isSigmoid ? "sigmoid" : "tanh") + " mix " + w, pre.lower(i), pre.upper(i), mixed, i, f, r, v);
            }
        }
        v.assertNone();
        assertTrue(n > 100, "intervals containing 0: " + n);
    }

    /** The tangent through an endpoint touches the curve: its line meets f at one point in the interval (sigmoid, [-4, 3]). */
    @Test
    void theTangentThroughAnEndpointTouchesTheCurve() {
        Interval pre = new Interval(new double[] {-4}, new double[] {3});
        Lines b = Relaxations.sShapedTangents(pre, Relaxations.Activation.SIGMOID);
        double gap = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= 70_000; k++) {
            double z = -4 + 7.0 * k / 70_000;
            gap = Math.min(gap, b.upperSlope()[0] * z + b.upperIntercept()[0] - sigmoid(z));
        }
        assertTrue(gap >= 0 && gap < 1e-6, "the upper line touches sigmoid: closest gap " + gap);
        assertEquals(sigmoid(-4), b.upperSlope()[0] * -4 + b.upperIntercept()[0], 1e-9, "and passes through (l, f(l))");
    }
}
