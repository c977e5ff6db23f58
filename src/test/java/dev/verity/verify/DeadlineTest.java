package dev.verity.verify;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-method budget: the caller stops waiting at the deadline and the abandoned computation is interrupted. */
class DeadlineTest {

    @Test
    void aComputationPastTheDeadlineIsAbandonedAndInterrupted() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        long t0 = System.nanoTime();
        Optional<Integer> r = Deadline.call(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return 1;
        }, t0 + 50_000_000L);
        double waited = (System.nanoTime() - t0) / 1e9;
        assertTrue(r.isEmpty());
        assertTrue(waited < 5, "waited " + waited + " s for a 0.05 s budget");
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the abandoned computation was told to stop");
    }

    @Test
    void aResultInTimeIsReturnedAndAFailureIsRethrown() {
        assertEquals(Optional.of(42), Deadline.call(() -> 42, System.nanoTime() + 5_000_000_000L));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Deadline.call(() -> { throw new IllegalStateException("boom"); }, System.nanoTime() + 5_000_000_000L));
        assertEquals("boom", e.getMessage());
    }
}
