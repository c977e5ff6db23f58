package dev.verity.lp;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Directed rounding against exact BigDecimal arithmetic. */
class RoundingTest {
    @Test
    void enclosesExactSumsAndProducts() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 20000; i++) {
            double a = (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-8, 9)), b = (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-8, 9));
            BigDecimal sum = new BigDecimal(a).add(new BigDecimal(b)), prod = new BigDecimal(a).multiply(new BigDecimal(b));
            assertTrue(new BigDecimal(Rounding.addDown(a, b)).compareTo(sum) <= 0 && new BigDecimal(Rounding.addUp(a, b)).compareTo(sum) >= 0);
            assertTrue(new BigDecimal(Rounding.mulDown(a, b)).compareTo(prod) <= 0 && new BigDecimal(Rounding.mulUp(a, b)).compareTo(prod) >= 0);
            assertTrue(Rounding.addUp(a, b) - Rounding.addDown(a, b) <= 2 * Math.ulp(a + b));
        }
    }

    @Test
    void exactOperationsStayExact() {
        assertEquals(1.0, Rounding.mulDown(2, 0.5));
        assertEquals(1.0, Rounding.mulUp(2, 0.5));
        assertEquals(0.0, Rounding.addDown(1, -1));
        assertEquals(0.3, Rounding.addDown(0.1, 0.2)); // 0.1 + 0.2 rounds up to 0.30000000000000004; one step down is 0.3
        assertEquals(Double.MAX_VALUE, Rounding.addDown(Double.MAX_VALUE, Double.MAX_VALUE));
        assertEquals(Double.NEGATIVE_INFINITY, Rounding.mulDown(-Double.MAX_VALUE, 2));
    }
}
