package dev.verity.lp;

import com.google.ortools.Loader;

/**
 * Loads OR-Tools' native libraries once per JVM. {@link Loader#loadNativeLibraries} extracts the library
 * for this platform from the ortools-&lt;os&gt;-&lt;arch&gt; jar to a temporary directory and loads it; doing so
 * twice is harmless but slow, so the first caller pays and the rest see the holder initialised.
 */
final class OrTools {
    private OrTools() {}

    private static final class Holder {
        static final boolean LOADED;
        static {
            Loader.loadNativeLibraries();
            LOADED = true;
        }
    }

    /** Loads the natives if not yet done; throws {@link UnsatisfiedLinkError} when this platform has none. */
    static void load() {
        if (!Holder.LOADED) throw new IllegalStateException("OR-Tools natives not loaded");
    }
}
