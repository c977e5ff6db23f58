package dev.verity.sdp;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cases whose SDP optimum is derived on paper (paper 002 Sec. 4.1's vector picture: P = VVᵀ with rows e (the
 * constant, unit), x_i and z_j; (c) says z ⊥ z − s, so z lies on the sphere with diameter [0, s], and the
 * input box [−1, 1] says ‖x‖ ≤ 1 in centred coordinates).
 */
class SdpHandCasesTest {
    private static final SdpOptions OPTIONS = new SdpOptions(1e-7, Duration.ofSeconds(20), 60_000, 0);

    /** y = relu(x), x ∈ [−1, 1]. */
    private static Network singleRelu() {
        var b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1}}), Tensor.vector(0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1}}), Tensor.vector(0)));
        return b.build();
    }

    private static SdpProblem single(double c) {
        return SdpProblem.of(singleRelu(), new Interval(new double[]{-1}, new double[]{1}),
                List.of(new Interval(new double[]{-1}, new double[]{1})), new double[]{c}, 0);
    }

    /**
     * max y: the relaxation is exact here. Every feasible P has P[z] ≤ relu(u) = 1 (the box (d) of z with the 2×2
     * minor, see {@link SdpProblem}), and x = 1, z = 1 is a network point, so f_SDP = 1 = the true maximum; the
     * interval dual point already certifies it, so the gap closes at once.
     */
    @Test
    void singleReluMaximumIsOne() {
        SdpResult r = SdpSolver.solve(single(1), OPTIONS, null);
        assertTrue(r.upperBound() >= 1 && r.upperBound() <= 1 + 1e-8, "bound " + r.upperBound());
        assertEquals(1, r.primalValue(), 1e-12);
        assertTrue(r.gap() >= 0 && r.gap() < 1e-7, "gap " + r.gap());
    }

    /** max −y: P[z] ≥ 0 by (a) and x = −1 (z = 0) is a network point: f_SDP = 0, exact for the same reason. */
    @Test
    void singleReluMinimumIsZero() {
        SdpResult r = SdpSolver.solve(single(-1), OPTIONS, null);
        assertTrue(r.upperBound() >= 0 && r.upperBound() <= 1e-8, "bound " + r.upperBound());
        assertEquals(0, r.primalValue(), 1e-12);
        assertTrue(r.gap() >= 0 && r.gap() < 1e-7, "gap " + r.gap());
    }

    /**
     * Paper 002's two-neuron example (Sec. 4.2, Fig. 2): z₁ = relu(x₁ + x₂), z₂ = relu(x₁ − x₂), x ∈ [−1, 1]²,
     * maximise z₁ + z₂. True maximum 2 (x₁ = 1); interval bound 4 (z ∈ [0, 2] each).
     *
     * <p>SDP optimum 1 + √2. Upper bound: z on the sphere with diameter [0, s] gives z·e ≤ s·e/2 + ‖s‖/2, so
     * z₁·e + z₂·e ≤ x₁·e + (‖x₁ + x₂‖ + ‖x₁ − x₂‖)/2 ≤ x₁·e + √((‖x₁ + x₂‖² + ‖x₁ − x₂‖²)/2)
     * = x₁·e + √(‖x₁‖² + ‖x₂‖²) ≤ 1 + √2. Attained: x₁ = e, x₂ ⊥ e unit, z_i = s_i/2 + (√2/2)e — then
     * z_i·e = ½ + √2/2 ≥ max(0, s_i·e) and ‖z_i‖² = z_i·s_i = 1 + √2/2 ≤ 2 z_i·e = 1 + √2 (the box [0, 2] of z),
     * a rank-2 P. So the relaxation is not exact here, and the bound must approach 1 + √2 from above.
     */
    @Test
    void twoNeuronExampleOfThePaper() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1, 1}, {1, -1}}), Tensor.vector(0, 0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][]{{1, 1}}), Tensor.vector(0)));
        SdpProblem p = SdpProblem.of(b.build(), new Interval(new double[]{-1, -1}, new double[]{1, 1}),
                List.of(new Interval(new double[]{-2, -2}, new double[]{2, 2})), new double[]{1}, 0);
        SdpResult r = SdpSolver.solve(p, OPTIONS.withMaxIterations(40_000), null);
        double opt = 1 + Math.sqrt(2);
        assertTrue(r.upperBound() >= opt - 1e-9, "bound " + r.upperBound() + " below the SDP optimum " + opt);
        assertTrue(r.upperBound() <= opt + 1e-3, "bound " + r.upperBound() + " far from the SDP optimum " + opt);
        assertEquals(2, r.primalValue(), 1e-9);
        assertTrue(r.gap() >= 0);
    }
}
