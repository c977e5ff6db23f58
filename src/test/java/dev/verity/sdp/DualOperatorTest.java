package dev.verity.sdp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The structured S(y)·v, its dense form (what is certified), its eigenvalue gradient and the interval point agree. */
class DualOperatorTest {
    @Test
    void denseFormMatchesStructuredProduct() {
        for (long seed = 0; seed < 12; seed++) {
            SdpProblem p = TestProblems.random(seed).problem();
            double[] y = randomMultipliers(p, new SplittableRandom(seed));
            DualOperator op = new DualOperator(p, y);
            double[] dense = assemble(op.dense(), p);
            int n = p.dimension();
            double[] v = Lanczos.random(n, seed), out = new double[n];
            op.apply(v, out);
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < n; j++) s += dense[i * n + j] * v[j];
                assertEquals(s, out[i], 1e-9 * (1 + Math.abs(s)), "row " + i + " of seed " + seed);
            }
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) assertEquals(dense[i * n + j], dense[j * n + i], 0.0, "not symmetric");
        }
    }

    /** vᵀS(y)v is affine in y, so a forward difference is exact up to rounding. */
    @Test
    void eigenGradientIsTheDerivativeOfTheQuadraticForm() {
        for (long seed = 0; seed < 6; seed++) {
            SdpProblem p = TestProblems.random(seed).problem();
            SplittableRandom r = new SplittableRandom(seed + 100);
            double[] y = randomMultipliers(p, r);
            double[] v = Lanczos.random(p.dimension(), seed);
            double[] g = new DualOperator(p, y).eigenGradient(v);
            double base = quadratic(p, y, v);
            for (int k = 0; k < y.length; k++) {
                double[] y2 = y.clone();
                y2[k] += 1;
                assertEquals(g[k], quadratic(p, y2, v) - base, 1e-9 * (1 + Math.abs(base)), "multiplier " + k);
            }
        }
    }

    @Test
    void intervalPointCertifiesTheIntervalBound() {
        for (long seed = 0; seed < 12; seed++) {
            SdpProblem p = TestProblems.random(seed).problem();
            double[] y = DualOperator.intervalPoint(p);
            double[] dense = assemble(new DualOperator(p, y).dense(), p);
            double lmin = Jacobi.min(dense, p.dimension());
            assertTrue(lmin > -1e-12, "interval point not PSD: " + lmin);
            assertEquals(p.intervalBound(), y[0], 0.0);
        }
    }

    /**
     * With the triangle cut (e), CROWN's bound is a dual point: over CROWN's own intermediate bounds the point's t equals
     * CROWN's upper bound of the objective and its S is PSD, so the solver never starts above CROWN.
     */
    @Test
    void linearPointIsCrownsBound() {
        int checked = 0;
        for (long seed = 0; seed < 40; seed++) {
            TestProblems.Case c = TestProblems.random(seed);
            if (c.bounds() != dev.verity.bounds.Method.CROWN) continue;
            SdpProblem p = c.problem();
            double[] y = DualOperator.linearPoint(p);
            double crown = new dev.verity.bounds.BoundEngine(c.net()).bound(dev.verity.bounds.Method.CROWN, c.box(), c.objective()).upper()[0];
            assertEquals(crown, y[0], 1e-9 * (1 + Math.abs(crown)), "seed " + seed);
            double lmin = Jacobi.min(assemble(new DualOperator(p, y).dense(), p), p.dimension());
            assertTrue(lmin > -1e-9 * (1 + Math.abs(y[0])), "seed " + seed + ": CROWN point not PSD: " + lmin);
            checked++;
        }
        assertTrue(checked >= 10, "only " + checked + " CROWN cases");
    }

    @Test
    void dualPointRoundTrip() {
        SdpProblem p = TestProblems.random(3).problem();
        double[] y = randomMultipliers(p, new SplittableRandom(5));
        double[] back = DualPoint.of(p, y).toVector(p);
        assertArrayEquals(y, back, 1e-12);
    }

    static double quadratic(SdpProblem p, double[] y, double[] v) {
        double[] out = new double[v.length];
        new DualOperator(p, y).apply(v, out);
        return Lanczos.dot(v, out);
    }

    static double[] randomMultipliers(SdpProblem p, SplittableRandom r) {
        double[] y = new double[DualOperator.length(p)];
        for (int k = 0; k < y.length; k++) y[k] = r.nextDouble(0, 1);
        for (int i = 0; i < p.hiddenLayers(); i++) {
            int a = DualOperator.alphaOffset(p, i), rows = p.maps().get(i).rows();
            for (int j = 0; j < rows; j++) y[a + 2 * rows + j] = r.nextDouble(-1, 1);
        }
        return y;
    }

    /** The structured matrix back in the order of v (0, input, hidden). */
    static double[] assemble(CertifiedBound.Structured m, SdpProblem p) {
        int n = p.dimension(), d = m.d(), rest = n - d;
        double[] a = new double[n * n];
        // coordinate of structured index: input k ↦ 1 + k; rest 0 ↦ 0; rest i ≥ 1 ↦ d + i
        int[] coord = new int[n];
        for (int k = 0; k < d; k++) coord[k] = 1 + k;
        coord[d] = 0;
        for (int i = 1; i < rest; i++) coord[d + i] = d + i;
        for (int k = 0; k < d; k++) a[coord[k] * n + coord[k]] = m.diag()[k];
        for (int i = 0; i < rest; i++) {
            for (int k = 0; k < d; k++) {
                a[coord[d + i] * n + coord[k]] = m.coupling()[i * d + k];
                a[coord[k] * n + coord[d + i]] = m.coupling()[i * d + k];
            }
            for (int j = 0; j < rest; j++) a[coord[d + i] * n + coord[d + j]] = m.block()[i * rest + j];
        }
        return a;
    }
}
