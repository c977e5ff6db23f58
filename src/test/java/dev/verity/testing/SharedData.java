package dev.verity.testing;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one gate of every test that reads {@code ../shared} (benchmarks, datasets, oracle). Where it is absent — a fresh
 * checkout without the data — such a test is skipped; where {@code VERITY_REQUIRE_SHARED=1} is set (CI, which always
 * has {@code ../shared} beside the checkout) it fails instead, so a broken data setup cannot turn CI green by skipping
 * the tests that use real networks.
 */
public final class SharedData {
    private SharedData() {}

    /** The environment variable that makes missing shared data a failure. */
    public static final String REQUIRE = "VERITY_REQUIRE_SHARED";

    public static boolean required() {
        return "1".equals(System.getenv(REQUIRE)) || "true".equalsIgnoreCase(System.getenv(REQUIRE));
    }

    /** Skips (or, when {@link #required}, fails) the calling test unless {@code present}; {@code what} says what is missing. */
    public static void assume(boolean present, String what) {
        if (present) return;
        if (required()) fail(what + " — " + REQUIRE + " is set, so missing shared data fails the test instead of skipping it");
        Assumptions.abort(what);
    }
}
