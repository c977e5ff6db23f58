package dev.verity.attack;

import dev.verity.testing.HandNets;

import dev.verity.model.Network;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.verity.attack.TinyNets.box;
import static dev.verity.attack.TinyNets.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgdTest {

    @Test
    void findsTheKnownBandAndReportsItsCaseAndDisjunct() {
        Network net = HandNets.band();
        // Case 0: box [0, 0.3]^2 has s <= 0.6, y0 = s < 1.4: safe. Case 1: [0, 1]^2; its disjunct 0
        // (y0 >= 5) is impossible (y0 <= 1.5), disjunct 1 (y1 - y0 <= 0) holds exactly on 1.4 <= x0 + x1 <= 1.55.
        Disjunct bandRow = new Disjunct(row(0, -1, 1));
        Case safe = TinyNets.caseOf(box(0, 0.3, 0, 0.3), bandRow);
        Case unsafe = TinyNets.caseOf(box(0, 1, 0, 1), new Disjunct(row(5, -1, 0)), bandRow);
        VnnlibProperty p = new VnnlibProperty(2, 2, List.of(safe, unsafe));
        for (PgdOptions.Schedule schedule : PgdOptions.Schedule.values()) {
            AttackResult r = Pgd.attack(net, p, PgdOptions.defaults().withRestarts(8).withSteps(30).withSchedule(schedule));
            Counterexample ce = r.counterexample().orElseThrow(() -> new AssertionError(schedule + ": " + r));
            assertEquals(1, ce.caseIndex());
            assertEquals(1, ce.disjunctIndex());
            double[] x = ce.input();
            assertTrue(unsafe.input().contains(x));
            double s = x[0] + x[1];
            assertTrue(s >= 1.4 - 1e-12 && s <= 1.55 + 1e-12, "x0 + x1 = " + s + " outside the band");
            // Re-check independently in both arithmetics.
            assertTrue(bandRow.isSatisfiedBy(Counterexamples.forward(net, TensorOps.INSTANCE, x)));
            assertTrue(bandRow.isSatisfiedBy(Counterexamples.forward(net, Float32Ops.INSTANCE, x)));
            assertEquals((float) x[0], x[0]); // reported inputs are float32 values, so both passes see the same point
            assertTrue(r.bestValue(0, 0) > 0.79, "case 0 is safe by at least 1.4 - 0.6: " + r.bestValue(0, 0));
        }
    }

    @Test
    void findsNothingWhereTheMarginIsPositiveEverywhere() {
        // y0 - y1 = x0 + 0.5 x1 + 2 >= 0.5 on [-1, 1]^2; unsafe is y0 - y1 <= 0.
        Network net = TinyNets.linearPositive();
        VnnlibProperty p = new VnnlibProperty(2, 2, List.of(TinyNets.caseOf(box(-1, 1, -1, 1), new Disjunct(row(0, 1, -1)))));
        AttackResult r = Pgd.attack(net, p, PgdOptions.defaults().withRestarts(10).withSteps(20));
        assertFalse(r.found());
        assertFalse(r.timedOut());
        assertEquals(0.5, r.bestValue(0, 0), 1e-12, "PGD reaches the minimising corner (-1, -1)");
        assertEquals(10, r.restartsRun());
        assertEquals(21, r.forwardPasses()); // one batch: steps + 1 evaluations
        assertEquals(20, r.backwardPasses());
        assertEquals(0, r.confirmCalls());
    }

    @Test
    void doesNotReportAViolationThatExistsOnlyInDouble() {
        // y = x on [0.1, 1], unsafe y <= 0.1: only x = 0.1 violates, and only in double (float32 rounds it up).
        Network net = TinyNets.identity1();
        VnnlibProperty p = new VnnlibProperty(1, 1, List.of(new Case(new Box(new double[] {0.1}, new double[] {1}), List.of(new Disjunct(row(-0.1, 1))))));
        AttackResult r = Pgd.attack(net, p, PgdOptions.defaults().withRestarts(4).withSteps(10));
        assertEquals(0.0, r.bestValue(0, 0), "the double pass reaches the boundary");
        assertTrue(r.confirmCalls() > 0);
        assertFalse(r.found(), r.toString());
    }

    @Test
    void anEmptyDisjunctMakesEveryPointOfTheBoxACounterexample() {
        Network net = TinyNets.linearPositive();
        VnnlibProperty p = new VnnlibProperty(2, 2, List.of(TinyNets.caseOf(box(-1, 1, -1, 1), new Disjunct(List.of()))));
        Counterexample ce = Pgd.attack(net, p, PgdOptions.defaults()).counterexample().orElseThrow();
        assertTrue(p.cases().getFirst().input().contains(ce.input()));
    }

    @Test
    void respectsAPastDeadline() {
        Network net = HandNets.band();
        VnnlibProperty p = new VnnlibProperty(2, 2, List.of(TinyNets.caseOf(box(0, 1, 0, 1), new Disjunct(row(0, -1, 1)))));
        AttackResult r = Pgd.attack(net, p, PgdOptions.defaults().withDeadline(Instant.now().minus(Duration.ofSeconds(1))));
        assertTrue(r.timedOut());
        assertFalse(r.found());
        assertEquals(0, r.forwardPasses());
    }

    @Test
    void roundsCandidatesToFloat32InsideTheBox() {
        double lo = 0.1, hi = 0.2; // neither bound is a float32: (float) 0.1 > 0.1, (float) 0.2 > 0.2
        double[] f = Pgd.toFloat32Inside(new double[] {0.1, 0.2, 0.15, 1e-300}, new double[] {lo, lo, lo, 0}, new double[] {hi, hi, hi, Double.MIN_VALUE});
        assertEquals((float) 0.1, f[0]);
        assertEquals(Math.nextDown((float) 0.2), f[1]);
        assertEquals((float) 0.15, f[2]);
        assertEquals(0.0, f[3]); // [0, 4.9e-324]: 0 is the float32 inside
        for (int i = 0; i < 3; i++) assertTrue(f[i] >= lo && f[i] <= hi);
        // An interval with no float32 inside keeps the double value.
        double a = 0.1, b = Math.nextUp(0.1);
        assertEquals(a, Pgd.toFloat32Inside(new double[] {a}, new double[] {a}, new double[] {b})[0]);
    }
}
