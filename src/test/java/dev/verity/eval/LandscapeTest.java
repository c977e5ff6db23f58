package dev.verity.eval;

import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.train.DifferentiableBounds;
import dev.verity.train.Model;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The landscape of paper 003 Sec. 4: the exact curves of the Sec. 4.1 example, and sweeps of a random network. */
class LandscapeTest {

    /**
     * Paper 003 Sec. 4.1: x0 ∈ [−1, 1], x1,1 = x1,2 = x0 + w, x2 = ReLU(x1), x3,1 = x2,2 + 1, x3,2 = x2,2 − x2,1; here
     * at w = 0, and w is swept as the first layer's bias direction (1, 1).
     */
    static Network paperExample() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}, {1}}), Tensor.vector(0, 0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{0, 1}, {-1, 1}}), Tensor.vector(1, 0)));
        return b.build();
    }

    static final Interval UNIT = new Interval(new double[] {-1}, new double[] {1});
    static final double[] X31 = {1, 0}, X32 = {0, 1};
    static final Landscape.Settings PAPER_SWEEP = Landscape.Settings.of(2, 400); // w in [−2, 2], step 0.01, every quarter on the grid

    static Landscape.Curve paperCurve(Method m, double[] c) {
        Landscape ls = new Landscape(paperExample(), UNIT, c);
        return ls.sweep(Landscape.paperName(m), m, ls.along(1, new double[] {1, 1}, "w"), PAPER_SWEEP);
    }

    /**
     * The relaxations by hand, with pre-activations [w − 1, w + 1] (unstable for |w| < 1) and λ = u/(u − l) = (1 + w)/2:
     * <ul>
     *   <li>Box: x2,j ∈ [relu(w − 1), relu(w + 1)], so l3,1 = relu(w − 1) + 1 and l3,2 = relu(w − 1) − relu(w + 1).</li>
     *   <li>hBox: 0 ≤ x2,j ≤ 1 + w when unstable, x2 = x1 when l ≥ 0: l3,1 = 1 up to w = 1 then w; l3,2 = −1 − w on (−1, 1),
     *       0 for w ≥ 1 (the exact x2,2 − x2,1 = x1,2 − x1,1 = 0): a jump of +2 at w = 1.</li>
     *   <li>DeepZ: λx1 ≤ x2 ≤ λ(x1 − l): l3,1 = 1 + λ(w − 1) = (w² + 1)/2 and l3,2 = λ(x0 + w) − λ(x0 + w − l) = λl
     *       = (w² − 1)/2 on (−1, 1), continuous at ±1.</li>
     *   <li>CROWN: chord above, lower slope 1 if u > −l (w > 0) else 0: l3,1 = 1 for w ≤ 0 and w − 1 + 1 = w for w > 0
     *       (a jump of −1 at w = 0); l3,2 = −2λ = −1 − w for w ∈ (−1, 0] and (1 − λ)(w − 1) + λ(w − 1) = w − 1 on (0, 1):
     *       continuous, both sides −1 at 0.</li>
     *   <li>CROWN-0 (003 App. K.4: x2 >= 0 for every neuron, stable ones too): l3,1 = 0 + 1 = 1 for every w; l3,2 = −u1,1
     *       = −1 − w wherever x2,1 is not inactive (the chord's and the identity's maximum over [l, u] are both u), 0 for
     *       w <= −1: continuous, where hBox (exact once stable) jumps at w = 1.</li>
     * </ul>
     */
    static double expected(Method m, double[] c, double w) {
        boolean first = c[0] == 1;
        double relu = Math.max(0, w - 1), relu2 = Math.max(0, w + 1);
        return switch (m) {
            case IBP -> first ? relu + 1 : relu - relu2;
            // hbox-forward: one layer of relaxed neurons and no two paths from one of them meeting later: hBox's sets
            case HBOX, HBOX_FORWARD -> first ? (w <= 1 ? 1 : w) : (w <= -1 || w >= 1 ? 0 : -1 - w);
            case DEEPZ -> first ? (w <= -1 ? 1 : w < 1 ? (w * w + 1) / 2 : w) : (w <= -1 || w >= 1 ? 0 : (w * w - 1) / 2);
            case CROWN, CROWN_IBP -> first ? (w <= 0 ? 1 : w) : (w <= -1 || w >= 1 ? 0 : w <= 0 ? -1 - w : w - 1);
            case CROWN_0 -> first ? 1 : (w <= -1 ? 0 : -1 - w);
            case ALPHA_CROWN, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN, LAGRANGIAN, SDP -> throw new AssertionError(m);
        };
    }

    @Test
    void thePaperExampleHasTheHandComputedCurves() {
        double[] ws = {-2, -1.5, -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2};
        for (Method m : List.of(Method.IBP, Method.HBOX, Method.HBOX_FORWARD, Method.DEEPZ, Method.CROWN, Method.CROWN_0, Method.CROWN_IBP)) {
            for (double[] c : List.of(X31, X32)) {
                Landscape.Curve curve = paperCurve(m, c);
                assertEquals(401, curve.values().length);
                for (double w : ws) {
                    int k = (int) Math.round((w + 2) / 0.01);
                    assertEquals(w, curve.deltas()[k], 1e-15);
                    assertEquals(expected(m, c, w), curve.values()[k], 1e-12, m + " " + (c[0] == 1 ? "x3,1" : "x3,2") + " at w = " + w);
                }
            }
        }
        // Spot values from the paper's text: CROWN's l3,1 is 1 for w ≤ 0 and w on (0, 1]; hBox's l3,2 is −1 − w, nearly −2 before w = 1.
        Landscape.Curve crown = paperCurve(Method.CROWN, X31);
        assertEquals(1, crown.values()[200], 0);          // w = 0
        assertEquals(0.01, crown.values()[201], 1e-15);   // w = 0.01
        Landscape.Curve hbox = paperCurve(Method.HBOX, X32);
        assertEquals(-1.99, hbox.values()[299], 1e-12);   // w = 0.99
        assertEquals(0, hbox.values()[300], 0);           // w = 1
        // The slope is d(bound)/dw: DeepZ's l3,1 = (w² + 1)/2 has slope w; CROWN's l3,1 slope 1 right of 0.
        assertEquals(0.5, paperCurve(Method.DEEPZ, X31).slopes()[250], 1e-12);
        assertEquals(1, crown.slopes()[250], 1e-12);
    }

    @Test
    void thePaperExampleJumpsAreFoundWhereTheTheorySaysAndNowhereElse() {
        // CROWN (and CROWN-IBP, whose intervals are exact on one layer): l3,1 drops from 1 to 0 at w = 0.
        for (Method m : List.of(Method.CROWN, Method.CROWN_IBP)) {
            Landscape.Curve c = paperCurve(m, X31);
            assertEquals(1, c.jumps().size(), m + " " + c.jumps());
            Landscape.Jump j = c.jumps().getFirst();
            assertEquals(0, j.delta(), 1e-8);
            assertTrue(j.width() <= 2e-9 * 1.0001, "bracket " + j.width());
            assertEquals(1, j.left(), 1e-8);
            assertEquals(0, j.right(), 1e-8);
            assertEquals(-1, j.size(), 1e-8);
        }
        // hBox: l3,2 rises from −2 (the limit of −1 − w) to 0 at w = 1.
        Landscape.Curve h = paperCurve(Method.HBOX, X32);
        assertEquals(1, h.jumps().size(), h.jumps().toString());
        Landscape.Jump j = h.jumps().getFirst();
        assertEquals(1, j.delta(), 1e-8);
        assertEquals(-2, j.left(), 1e-8);
        assertEquals(0, j.right(), 1e-8);
        assertEquals(2, j.size(), 1e-8);
        // Continuous: Box and DeepZ always (003 Theorem 1) — including their kinks at w = ±1 —, hBox on x3,1, CROWN on
        // x3,2 (its lower-slope switch at w = 0 meets the same value −1 from both sides), CROWN-0 everywhere (no switch).
        for (Method m : List.of(Method.IBP, Method.DEEPZ)) {
            for (double[] c : List.of(X31, X32)) assertEquals(List.of(), paperCurve(m, c).jumps(), m.toString());
        }
        assertEquals(List.of(), paperCurve(Method.HBOX, X31).jumps());
        assertEquals(List.of(), paperCurve(Method.CROWN, X32).jumps());
        for (double[] c : List.of(X31, X32)) assertEquals(List.of(), paperCurve(Method.CROWN_0, c).jumps(), "crown-0");
        // DeepZ's parabola is steep nowhere, but Box's kinks give grid changes that are not linear: no candidate survives.
        assertEquals(0, paperCurve(Method.DEEPZ, X31).evaluations());
    }

    @Test
    void aJumpIsFoundWhereverItFallsBetweenGridPoints() {
        // An odd grid (0.013 apart) puts neither w = 0 nor w = 1 on the grid; the bisection still pins both.
        Landscape ls = new Landscape(paperExample(), UNIT, X31);
        Landscape.Curve c = ls.sweep("crown", Method.CROWN, ls.along(1, new double[] {1, 1}, "w"), Landscape.Settings.of(1.3, 201));
        assertEquals(1, c.jumps().size(), c.jumps().toString());
        assertEquals(0, c.jumps().getFirst().delta(), 2e-9);
        assertEquals(-1, c.jumps().getFirst().size(), 1e-8);
        assertTrue(Double.isNaN(c.atZero()), "0 is not on an odd grid");
    }

    static Network randomMlp(long seed, int... sizes) {
        Random r = new Random(seed);
        Network.Builder b = Network.builder(new Shape(sizes[0]));
        for (int i = 1; i < sizes.length; i++) {
            double[] w = new double[sizes[i] * sizes[i - 1]], bias = new double[sizes[i]];
            for (int k = 0; k < w.length; k++) w[k] = r.nextGaussian() / Math.sqrt(sizes[i - 1]);
            for (int k = 0; k < bias.length; k++) bias[k] = 0.1 * r.nextGaussian();
            b.add(new Layer.Dense(new Tensor(w, sizes[i], sizes[i - 1]), new Tensor(bias, sizes[i])));
            if (i + 1 < sizes.length) b.add(new Layer.Relu());
        }
        return b.build();
    }

    /** The bound of {@code m} at θ + δ·d, computed independently of the sweep (its own copy, the verified engine). */
    static double boundAt(Network net, Method m, Interval box, double[] c, Landscape.Direction d, double delta) {
        Network copy = new Model(net).snapshot();
        List<Tensor> ps = DifferentiableBounds.parameters(copy);
        for (int i = 0; i < ps.size(); i++) {
            double[] p = ps.get(i).data(), di = d.tensors().get(i).data();
            for (int j = 0; j < p.length; j++) p[j] += delta * di[j];
        }
        return new BoundEngine(copy).bound(m, box, new Objective(new Tensor(c.clone(), 1, c.length), new double[1])).lower()[0];
    }

    @Test
    void aRandomNetworkSweepStartsAtTheEngineBoundAndBoxAndDeepzHaveNoJumps() {
        Network net = randomMlp(11, 6, 16, 16, 4);
        Random r = new Random(3);
        double[] lo = new double[6], hi = new double[6];
        for (int i = 0; i < 6; i++) {
            double x = r.nextDouble();
            lo[i] = x - 0.3;
            hi[i] = x + 0.3;
        }
        Interval box = new Interval(lo, hi);
        double[] c = {1, 0, -1, 0};
        double[] before = DifferentiableBounds.parameters(net).getFirst().data().clone();
        Landscape ls = new Landscape(net, box, c);
        Landscape.Settings s = Landscape.Settings.of(0.05 * ls.firstLayerWeightNorm(), 200);
        int jumpsSeen = 0;
        for (Method m : List.of(Method.IBP, Method.HBOX, Method.DEEPZ, Method.CROWN, Method.CROWN_IBP)) {
            Landscape.Direction d = ls.firstLayerGradient(m).orElseThrow();
            // A unit direction in the first layer's weights only; moving along it raises the bound at the rate |∇|.
            assertEquals(1, d.norm(), 1e-12);
            for (int i = 1; i < d.tensors().size(); i++) assertEquals(0, maxAbs(d.tensors().get(i)), 0);
            Landscape.Curve curve = ls.sweep(Landscape.paperName(m), m, d, s);
            double engine = new BoundEngine(net).bound(m, box, new Objective(new Tensor(c.clone(), 1, 4), new double[1])).lower()[0];
            assertEquals(engine, curve.atZero(), 1e-10 * (1 + Math.abs(engine)), m.toString());
            assertEquals(d.gradientNorm(), curve.slopes()[100], 1e-9 * d.gradientNorm(), m.toString());
            // The grid values are the engine's at the shifted weights, not an artefact of the sweep's copy.
            for (int k : new int[] {0, 37, 150, 200})
                assertEquals(boundAt(net, m, box, c, d, curve.deltas()[k]), curve.values()[k], 1e-9 * (1 + Math.abs(curve.values()[k])), m + " k=" + k);
            if (m == Method.IBP || m == Method.DEEPZ) assertEquals(List.of(), curve.jumps(), m.toString());
            // Every reported jump is real: just left and right of it the engine's bounds differ by its size.
            for (Landscape.Jump j : curve.jumps()) {
                double left = boundAt(net, m, box, c, d, j.delta() - 1e-7), right = boundAt(net, m, box, c, d, j.delta() + 1e-7);
                assertEquals(j.size(), right - left, 1e-4 + 1e-3 * Math.abs(j.size()), m + " jump at " + j.delta());
                assertTrue(Math.abs(j.size()) > 1e-6, m + " " + j);
            }
            jumpsSeen += curve.jumps().size();
            assertFalse(curve.exhausted());
        }
        assertTrue(jumpsSeen > 0, "this network's hBox/CROWN landscapes have discontinuities");
        assertArrayEquals(before, DifferentiableBounds.parameters(net).getFirst().data(), 0, "the caller's network is never modified");
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (double v : t.data()) m = Math.max(m, Math.abs(v));
        return m;
    }

    @Test
    void namesAndUnsupportedInput() {
        assertEquals(Method.IBP, Landscape.parseMethod("box"));
        assertEquals(Method.IBP, Landscape.parseMethod("IBP"));
        assertEquals(Method.CROWN_IBP, Landscape.parseMethod("crown-ibp"));
        assertEquals("box", Landscape.paperName(Method.IBP));
        assertThrows(InvalidInputException.class, () -> Landscape.parseMethod("alpha-crown"));
        assertThrows(InvalidInputException.class, () -> Landscape.parseMethod("nope"));
        assertThrows(InvalidInputException.class, () -> Landscape.Settings.of(0, 10));
        assertThrows(InvalidInputException.class, () -> Landscape.Settings.of(1, 1));
        Network.Builder b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 1}}), Tensor.vector(0)));
        b.add(new Layer.Sigmoid());
        Network sig = b.build();
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new Landscape(sig, new Interval(new double[2], new double[] {1, 1}), new double[] {1}));
        assertTrue(e.getMessage().contains("landscape"), e.getMessage());
    }

    /**
     * Input normalisation in front ((x − m)/s, as `train --normalize` exports it) followed by a first layer W·s,
     * b + W·m computes the same function as the plain W, b: along the first layer's bias both landscapes are equal.
     */
    @Test
    void aNormalisedNetworkHasTheLandscapeOfItsFoldedTwin() {
        Network plain = randomMlp(5, 3, 6, 2);
        double m = 0.13, sd = 0.31;
        Layer.Dense first = (Layer.Dense) plain.node(1).layer();
        Network.Builder b = Network.builder(new Shape(3));
        b.add(new Layer.Affine(new Tensor(new double[] {1 / sd, 1 / sd, 1 / sd}, 3), new Tensor(new double[] {-m / sd, -m / sd, -m / sd}, 3)));
        double[] w = first.weight().data(), bias = first.bias().data();
        // The normalised net's first layer sees (x − m)/s; give it weights W·s and bias b + W·m so that it computes W·x + b.
        double[] scaled = new double[w.length], shifted = bias.clone();
        for (int j = 0; j < 6; j++) {
            for (int k = 0; k < 3; k++) {
                scaled[j * 3 + k] = w[j * 3 + k] * sd;
                shifted[j] += w[j * 3 + k] * m;
            }
        }
        b.add(new Layer.Dense(new Tensor(scaled, 6, 3), new Tensor(shifted, 6)));
        for (int id = 2; id < plain.nodes().size(); id++) b.add(plain.node(id).layer());
        Network normalised = b.build();
        Interval box = new Interval(new double[] {0.1, 0.2, 0.3}, new double[] {0.5, 0.6, 0.9});
        double[] c = {1, -1}, dir = {1, -1, 0.5, 0, 2, -0.5};
        for (Method meth : List.of(Method.IBP, Method.HBOX, Method.DEEPZ, Method.CROWN, Method.CROWN_0, Method.CROWN_IBP)) {
            Landscape a = new Landscape(plain, box, c), n = new Landscape(normalised, box, c);
            Landscape.Curve ca = a.sweep("p", meth, a.along(1, dir, "b"), Landscape.Settings.of(1, 40));
            Landscape.Curve cn = n.sweep("n", meth, n.along(1, dir, "b"), Landscape.Settings.of(1, 40));
            for (int k = 0; k < ca.values().length; k++)
                assertEquals(ca.values()[k], cn.values()[k], 1e-9 * (1 + Math.abs(ca.values()[k])), meth + " k=" + k);
            assertEquals(ca.jumps().size(), cn.jumps().size(), meth.toString());
        }
    }
}
