package dev.verity.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.InvalidInputException;
import org.junit.jupiter.api.Test;

/** A model that cannot fit in the heap is bad input with advice, decided before anything is allocated. */
class HeapBudgetTest {
    private static final long GIB = 1L << 30;

    @Test
    void aModelWithinTheFreeHeapPasses() {
        assertDoesNotThrow(() -> HeapBudget.requireForModel(GIB / 4, "m.onnx", GIB, 2 * GIB)); // needs 1 GiB, 1 GiB free
    }

    @Test
    void aModelBeyondTheFreeHeapIsRefusedWithAdvice() {
        var e = assertThrows(InvalidInputException.class, () -> HeapBudget.requireForModel(GIB / 4 + 1, "big.onnx", GIB, 2 * GIB));
        String m = e.getMessage();
        assertTrue(m.startsWith("big.onnx is too large for this Java heap"), m);
        assertTrue(m.contains("needs about 1,024 MiB") && m.contains("1,024 MiB of the 2,048 MiB heap are free"), m);
        assertTrue(m.contains("VERITY_JAVA_OPTS=-Xmx3g"), m); // in use now (1 GiB) + needed (1 GiB and 4 bytes), rounded up
    }

    @Test
    void aClaimedSizeThatOverflowsIsRefusedNotWrapped() {
        var e = assertThrows(InvalidInputException.class, () -> HeapBudget.requireForModel(Long.MAX_VALUE / 2, "huge.onnx", GIB, GIB));
        assertTrue(e.getMessage().contains("more than any heap"), e.getMessage());
    }
}
