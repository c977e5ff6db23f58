package dev.verity.testing;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.junit.jupiter.api.Assertions.*;

class SharedDataTest {
    @Test
    void missingDataSkipsOrFailsAsTheEnvironmentSays() {
        assertDoesNotThrow(() -> SharedData.assume(true, "present"));
        Class<? extends Throwable> expected = SharedData.required() ? AssertionFailedError.class : TestAbortedException.class;
        Throwable t = assertThrows(Throwable.class, () -> SharedData.assume(false, "no benchmarks"));
        assertInstanceOf(expected, t);
        assertTrue(t.getMessage().contains("no benchmarks"));
    }
}
