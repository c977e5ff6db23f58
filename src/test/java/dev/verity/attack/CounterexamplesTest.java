package dev.verity.attack;

import dev.verity.testing.HandNets;

import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static dev.verity.attack.TinyNets.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CounterexamplesTest {
    /** {@code y = x} on {@code [0, 1]}; unsafe: {@code y <= 0.1}, i.e. the row {@code y - 0.1 <= 0}. */
    private static final Network NET = TinyNets.identity1();
    private static final Case CASE = new Case(new Box(new double[] {0}, new double[] {1}), List.of(new Disjunct(row(-0.1, 1))));

    @Test
    void acceptsARealCounterexample() {
        Optional<Counterexample> ce = Counterexamples.confirm(NET, CASE, new double[] {0.05});
        assertTrue(ce.isPresent());
        assertArrayEquals(new double[] {0.05}, ce.get().input());
        assertArrayEquals(new double[] {0.05}, ce.get().output());
        assertEquals((float) 0.05, ce.get().outputFloat32()[0]);
        assertEquals(0, ce.get().disjunctIndex());
    }

    @Test
    void rejectsAPointOutsideTheBoxEvenByTheSmallestStep() {
        // Both would be unsafe outputs; only the box excludes them, and without tolerance.
        assertTrue(Counterexamples.confirm(NET, CASE, new double[] {Math.nextDown(0.0)}).isEmpty());
        assertTrue(Counterexamples.confirm(NET, CASE, new double[] {-0.5}).isEmpty());
        assertTrue(Counterexamples.confirm(NET, CASE, new double[] {0.0}).isPresent()); // closed box
    }

    @Test
    void rejectsAPointThatViolatesOnlyInDouble() {
        // In double y = 0.1 and 0.1 - 0.1 = 0 <= 0; float32 rounds the input up to 0.100000001490116...,
        // so the float32 output gives 1.49e-9 > 0: onnxruntime would not see a violation.
        double[] x = {0.1};
        assertTrue(CASE.isCounterexample(x, Counterexamples.forward(NET, TensorOps.INSTANCE, x)));
        assertTrue(CASE.input().contains(x));
        assertTrue(!CASE.isUnsafeOutput(Counterexamples.forward(NET, Float32Ops.INSTANCE, x)));
        assertTrue(Counterexamples.confirm(NET, CASE, x).isEmpty());
        // The float32 neighbour just below is a counterexample in both arithmetics.
        assertTrue(Counterexamples.confirm(NET, CASE, new double[] {Math.nextDown(0.1f)}).isPresent());
    }

    @Test
    void requiresTheSameDisjunctInBothPassesAndReportsTheCase() {
        // Case 0 cannot be violated (its box is [0.5, 1]); case 1 is violated by x = 0.05 through its second disjunct.
        Case safe = new Case(new Box(new double[] {0.5}, new double[] {1}), List.of(new Disjunct(row(-0.1, 1))));
        Case unsafe = new Case(new Box(new double[] {0}, new double[] {1}), List.of(new Disjunct(row(5, 1)), new Disjunct(row(-0.1, 1))));
        VnnlibProperty p = new VnnlibProperty(1, 1, List.of(safe, unsafe));
        Counterexample ce = Counterexamples.confirm(NET, p, new double[] {0.05}).orElseThrow();
        assertEquals(1, ce.caseIndex());
        assertEquals(1, ce.disjunctIndex());
        assertTrue(Counterexamples.confirm(NET, p, 0, new double[] {0.05}).isEmpty());
        assertTrue(Counterexamples.confirm(NET, p, new double[] {0.7}).isEmpty());
    }

    @Test
    void forwardMatchesTheNetwork() {
        Network band = HandNets.band();
        double[] y = Counterexamples.forward(band, TensorOps.INSTANCE, new double[] {0.75, 0.75});
        assertArrayEquals(new double[] {1.5, 1.4}, y, 1e-12);
        assertArrayEquals(Forward.evaluate(band, dev.verity.tensor.Tensor.vector(0.75, 0.75)).data(), y);
    }
}
