package dev.verity.bounds;

import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Paper 003 (Jovanović et al., "Certified Defenses: Why Tighter Relaxations May Hurt Training"), App. A,
 * "Backsubstitution example": the toy network of its Figure 8 (from Singh et al., DeepPoly) under the
 * DeepZ relaxation, reproduced number by number, plus the same network under the other relaxations of
 * Sec. 2 (numbers derived by hand from the Sec. 2 definitions, marked as such; App. A gives only DeepZ).
 *
 * <pre>
 *   x0 ∈ [-1, 1]²
 *   h1: x1,1 = x0,1 + x0,2      x1,2 = x0,1 − x0,2        (eq. 3, 4)
 *   h2: x2 = ReLU(x1)
 *   h3: x3,1 = x2,1 + x2,2      x3,2 = x2,1 − x2,2
 * </pre>
 */
class PaperToyExampleTest {
    static final double EXACT = 1e-12;

    /** Node ids: 0 input, 1 = h1, 2 = ReLU, 3 = h3. */
    static Network appendixAToyNetwork(boolean stopAfterRelu) {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1, 1}, {1, -1}}), Tensor.vector(0, 0)));
        int relu = b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1, 1}, {1, -1}}), Tensor.vector(0, 0)));
        return stopAfterRelu ? b.build(relu) : b.build();
    }

    static final Interval INPUT = new Interval(new double[]{-1, -1}, new double[]{1, 1});

    /**
     * DeepZ walk-through of App. A: l1 = (−2, −2), u1 = (2, 2); both ReLUs unstable with λ = 1/2, so
     * ½x1,j <= x2,j <= ½x1,j + 1 and, back-substituted, ½(x0,1 + x0,2) <= x2,1 <= ½(x0,1 + x0,2) + 1 and
     * ½(x0,1 − x0,2) <= x2,2 <= ½(x0,1 − x0,2) + 1, giving l2 = (−1, −1) as printed. The appendix prints
     * u2,1 = ½(u0,1 + u0,2) = 1, dropping the "+ 1" of the line it just derived (and repeats the l2,2 line
     * in place of u2,2): the correct values are u2 = (2, 2), and 1 would be unsound — x0 = (1, 1) reaches
     * x2,1 = ReLU(2) = 2. After h3 the back-substituted bounds are x0,1 <= x3,1 <= x0,1 + 2 and
     * x0,2 − 1 <= x3,2 <= x0,2 + 1, so l3 = (−1, −2), u3 = (3, 2), as printed.
     */
    @Test
    void appendixABacksubstitutionExampleDeepZ() {
        Network net = appendixAToyNetwork(false);
        BoundEngine engine = new BoundEngine(net);
        BoundResult r = engine.bound(Method.DEEPZ, INPUT, Objective.identity(2));

        // l1,1 = l1,2 = −2, u1,1 = u1,2 = 2
        Interval pre = r.intermediate().get(1);
        assertArrayEquals(new double[]{-2, -2}, pre.lower(), EXACT);
        assertArrayEquals(new double[]{2, 2}, pre.upper(), EXACT);
        assertEquals(Map.of(1, pre).keySet(), r.intermediate().keySet(), "the only pre-activation node is h1");

        // λ = u/(u − l) = 1/2 for both neurons: ½x1 <= x2 <= ½x1 + 1
        var lines = engine.lines(2, r.intermediate(), Method.DEEPZ.relaxation());
        assertArrayEquals(new double[]{0.5, 0.5}, lines.lowerSlope(), EXACT);
        assertArrayEquals(new double[]{0, 0}, lines.lowerIntercept(), EXACT);
        assertArrayEquals(new double[]{0.5, 0.5}, lines.upperSlope(), EXACT);
        assertArrayEquals(new double[]{1, 1}, lines.upperIntercept(), EXACT);

        // l2 = (−1, −1) as printed; u2 = (2, 2), not the printed (1, 1): x0 = (1, 1) reaches x2,1 = 2
        BoundResult afterRelu = new BoundEngine(appendixAToyNetwork(true)).bound(Method.DEEPZ, INPUT, Objective.identity(2));
        assertArrayEquals(new double[]{-1, -1}, afterRelu.lower(), EXACT);
        assertArrayEquals(new double[]{2, 2}, afterRelu.upper(), EXACT);
        assertEquals(2.0, Forward.evaluate(appendixAToyNetwork(true), Tensor.vector(1, 1)).data()[0], 0, "x2,1 at x0 = (1, 1)");
        assertEquals(2.0, Forward.evaluate(appendixAToyNetwork(true), Tensor.vector(1, -1)).data()[1], 0, "x2,2 at x0 = (1, −1)");

        // Back-substituted linear bounds in x0: x0,1 <= x3,1 <= x0,1 + 2 and x0,2 − 1 <= x3,2 <= x0,2 + 1
        assertArrayEquals(new double[]{1, 0, 0}, linearBound(engine, r, Method.DEEPZ, new double[]{1, 0}, false), EXACT);
        assertArrayEquals(new double[]{1, 0, 2}, linearBound(engine, r, Method.DEEPZ, new double[]{1, 0}, true), EXACT);
        assertArrayEquals(new double[]{0, 1, -1}, linearBound(engine, r, Method.DEEPZ, new double[]{0, 1}, false), EXACT);
        assertArrayEquals(new double[]{0, 1, 1}, linearBound(engine, r, Method.DEEPZ, new double[]{0, 1}, true), EXACT);

        // l3,1 = −1, u3,1 = 3, l3,2 = −2, u3,2 = 2
        assertArrayEquals(new double[]{-1, -2}, r.lower(), EXACT);
        assertArrayEquals(new double[]{3, 2}, r.upper(), EXACT);
    }

    /**
     * The same network under the other relaxations of paper 003 Sec. 2 (hand-derived, not printed in the
     * paper). Box/IBP and hBox: x2 ∈ [0, 2]², so x3,1 ∈ [0, 4], x3,2 ∈ [−2, 2]. CROWN/DeepPoly: u = −l = 2
     * is a tie, and Sec. 2's rule ("0 <= x if −l >= u") takes the lower line y >= 0 with the chord
     * y <= ½z + 1 above: x3,1 >= 0 and x3,1 <= x0,1 + 2 <= 3; x3,2 >= −(½(x0,1 − x0,2) + 1) >= −2 and
     * x3,2 <= ½(x0,1 + x0,2) + 1 <= 2. CROWN-0 and CROWN-IBP coincide with CROWN here (tie → slope 0;
     * the intermediate layer is exact by intervals), and alpha-CROWN cannot improve on it (its lower line
     * αz for x3,1 gives −2·max(α1, α2), best at α = 0). The true ranges are x3,1 ∈ [0, 2], x3,2 ∈ [−2, 2].
     * (App. K.2 states the tie the other way round — y >= z when u = −l — which would give x3,1 >= −2.)
     */
    @Test
    void appendixAToyNetworkUnderTheOtherRelaxations() {
        Network net = appendixAToyNetwork(false);
        BoundEngine engine = new BoundEngine(net);
        Object[][] expected = {
                {Method.IBP, new double[]{0, -2}, new double[]{4, 2}},
                {Method.HBOX, new double[]{0, -2}, new double[]{4, 2}},
                {Method.CROWN, new double[]{0, -2}, new double[]{3, 2}},
                {Method.CROWN_0, new double[]{0, -2}, new double[]{3, 2}},
                {Method.CROWN_IBP, new double[]{0, -2}, new double[]{3, 2}},
                {Method.ALPHA_CROWN, new double[]{0, -2}, new double[]{3, 2}},
        };
        for (Object[] e : expected) {
            Method m = (Method) e[0];
            BoundResult r = engine.bound(m, INPUT, Objective.identity(2));
            assertArrayEquals((double[]) e[1], r.lower(), EXACT, m + " lower");
            assertArrayEquals((double[]) e[2], r.upper(), EXACT, m + " upper");
            if (m != Method.IBP) {
                assertArrayEquals(new double[]{-2, -2}, r.intermediate().get(1).lower(), EXACT, m + " l1");
                assertArrayEquals(new double[]{2, 2}, r.intermediate().get(1).upper(), EXACT, m + " u1");
            }
        }
        // CROWN's back-substituted bounds of x3,1: 0 <= x3,1 <= x0,1 + 2
        BoundResult crown = engine.bound(Method.CROWN, INPUT, Objective.identity(2));
        assertArrayEquals(new double[]{0, 0, 0}, linearBound(engine, crown, Method.CROWN, new double[]{1, 0}, false), EXACT);
        assertArrayEquals(new double[]{1, 0, 2}, linearBound(engine, crown, Method.CROWN, new double[]{1, 0}, true), EXACT);
    }

    /**
     * Singh et al.'s full version of the toy network (the DeepPoly paper, which App. A refers to for the
     * CROWN/DeepPoly walk-through), continuing after h3: x4 = ReLU(x3), x5,1 = x4,1 + x4,2 + 1,
     * x5,2 = x4,2. Derived by hand with the Sec. 2 CROWN rules: x3,1 ∈ [0, 3] is stable (x4,1 = x3,1),
     * x3,2 ∈ [−2, 2] is unstable (0 <= x4,2 <= ½x3,2 + 1), so x5,1 ∈ [1, 5.5] and x5,2 ∈ [0, 2] — the
     * values DeepPoly reports for this network.
     */
    @Test
    void deepPolyContinuationOfTheToyNetwork() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1, 1}, {1, -1}}), Tensor.vector(0, 0)));
        b.add(new Layer.Relu());
        int h3 = b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1, 1}, {1, -1}}), Tensor.vector(0, 0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1, 1}, {0, 1}}), Tensor.vector(1, 0)));
        BoundResult r = new BoundEngine(b.build()).bound(Method.CROWN, INPUT, Objective.identity(2));
        assertArrayEquals(new double[]{0, -2}, r.intermediate().get(h3).lower(), EXACT);
        assertArrayEquals(new double[]{3, 2}, r.intermediate().get(h3).upper(), EXACT);
        assertArrayEquals(new double[]{1, 0}, r.lower(), EXACT);
        assertArrayEquals(new double[]{5.5, 2}, r.upper(), EXACT);
    }

    /**
     * The back-substituted linear bound {@code p·x0 + q} of {@code row·x3} (lower or upper) as
     * {@code (p1, p2, q)}, with the relaxation fixed by the intermediate bounds of {@code r}: the
     * back-substitution is run with point "boxes" at (0,0), (1,0) and (0,1), where concretisation
     * returns the linear function's value itself.
     */
    static double[] linearBound(BoundEngine engine, BoundResult r, Method method, double[] row, boolean upper) {
        Network net = engine.network();
        double sign = upper ? -1 : 1;
        double[] at = new double[3];
        double[][] points = {{0, 0}, {1, 0}, {0, 1}};
        for (int k = 0; k < 3; k++) {
            Interval point = new Interval(points[k].clone(), points[k].clone());
            var solver = new BackSubstitution<>(net, TensorOps.INSTANCE, engine.constants(), point,
                    id -> BoundEngine.constantLines(engine.lines(id, r.intermediate(), method.relaxation()), net.node(id)),
                    engine.maxPools(r.intermediate()), null);
            Tensor a = new Tensor(new double[]{sign * row[0], sign * row[1]}, 1, 2);
            at[k] = sign * solver.lower(net.output().id(), a, Tensor.zeros(1, 1)).data()[0];
        }
        return new double[]{at[1] - at[0], at[2] - at[0], at[0]};
    }
}
