package dev.verity.tensor;

import java.util.stream.IntStream;

/**
 * Splits a loop over independent items (batch samples) into contiguous chunks run on the common
 * fork-join pool, but only when the work is large enough to repay the hand-off; small loops (the
 * usual single-sample bound computation) stay on the calling thread.
 */
final class Parallel {
    private Parallel() {}

    /** Below this many multiply-adds in total a loop runs serially. */
    static final long MIN_PARALLEL_WORK = 4_000_000L;

    /**
     * From this many multiply-adds per item on, the item's own GEMM is big enough to be split
     * across threads inside {@link Gemm}, so splitting the loop as well would only oversubscribe.
     */
    static final long MAX_ITEM_WORK = 1L << 21;

    @FunctionalInterface
    interface RangeBody {
        /** Processes items {@code [from, to)}; {@code chunk} numbers the call, 0..chunks-1. */
        void run(int chunk, int from, int to);
    }

    /** The number of chunks {@link #forRange} will use for {@code n} items of the given cost each. */
    static int chunks(int n, long workPerItem) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (n <= 1 || cores <= 1 || workPerItem >= MAX_ITEM_WORK || (long) n * workPerItem < MIN_PARALLEL_WORK) return 1;
        return Math.min(n, cores);
    }

    /** Runs {@code body} over {@code [0, n)} in {@code chunks} contiguous pieces (see {@link #chunks}). */
    static void forRange(int n, int chunks, RangeBody body) {
        if (chunks <= 1) {
            body.run(0, 0, n);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(c -> body.run(c, (int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }
}
