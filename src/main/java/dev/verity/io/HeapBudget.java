package dev.verity.io;

import dev.verity.InvalidInputException;

import java.util.Locale;

/**
 * Refuses, with a message a user can act on, an input that cannot fit in the Java heap — before the allocation that
 * would end in an {@link OutOfMemoryError} half-way through (issue 17). The estimate is deliberately rough and
 * generous: an ONNX model held as protobuf objects, then as double tensors (twice its float32 bytes), then folded,
 * needs about {@link #MODEL_FACTOR} times its serialized size.
 */
public final class HeapBudget {
    /** Heap bytes per serialized ONNX byte while loading (protobuf copy + double tensors + folding scratch). */
    public static final int MODEL_FACTOR = 4;

    private HeapBudget() {}

    /** The heap that can still be allocated: the maximum minus what is in use now. */
    public static long available() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Throws when {@code serializedBytes} of ONNX model would need more heap than is {@link #available()}. */
    public static void requireForModel(long serializedBytes, String source) {
        requireForModel(serializedBytes, source, available(), Runtime.getRuntime().maxMemory());
    }

    /** As above with the heap figures given (for tests). */
    static void requireForModel(long serializedBytes, String source, long available, long max) {
        long needed = serializedBytes > Long.MAX_VALUE / MODEL_FACTOR ? Long.MAX_VALUE : serializedBytes * MODEL_FACTOR;
        if (needed <= available) return;
        throw new InvalidInputException(String.format(Locale.ROOT,
                "%s is too large for this Java heap: loading its %s needs about %s, %s of the %s heap are free; "
                        + "give Java more memory, e.g. VERITY_JAVA_OPTS=-Xmx%dg ./verity …",
                source, mib(serializedBytes), mib(needed), mib(available), mib(max), suggestedGib(needed, available, max)));
    }

    /** A heap that would hold what is in use now plus {@code needed}, in whole GiB (at least 2). */
    private static long suggestedGib(long needed, long available, long max) {
        if (needed == Long.MAX_VALUE) return Math.max(2, 2 * (max >> 30));
        return Math.max(2, (max - available + needed + (1L << 30) - 1) >> 30);
    }

    private static String mib(long bytes) {
        return bytes == Long.MAX_VALUE ? "more than any heap" : String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
    }

    /** The message for an {@link OutOfMemoryError} that happened anyway (an estimate cannot cover every method's work). */
    public static String outOfMemoryMessage() {
        return String.format(Locale.ROOT, "out of memory (Java heap %s): give Java more memory (e.g. VERITY_JAVA_OPTS=-Xmx%dg ./verity …), "
                        + "or ask for less at once (--jobs 1, fewer methods)",
                mib(Runtime.getRuntime().maxMemory()), Math.max(2, (Runtime.getRuntime().maxMemory() >> 30) * 2));
    }
}
