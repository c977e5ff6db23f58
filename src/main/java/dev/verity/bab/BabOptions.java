package dev.verity.bab;

import dev.verity.bounds.Method;

/**
 * Settings of branch and bound.
 *
 * @param method   the bound method of every domain: a back-substitution method with a linear bound over the input
 *                 (crown, crown-0, crown-ibp, deepz, hbox)
 * @param maxBytes the memory the queue of open domains may take (each keeps its box and its parent's pre-activation
 *                 bounds); past it the run stops, undecided, rather than exhaust the heap
 */
public record BabOptions(Method method, long maxBytes) {
    public BabOptions {
        switch (method) {
            case HBOX, DEEPZ, CROWN, CROWN_0, CROWN_IBP -> { }
            case IBP, ALPHA_CROWN, LAGRANGIAN, SDP, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN ->
                    throw new IllegalArgumentException("branch and bound needs a back-substitution method, not " + method.cliName());
        }
        if (maxBytes <= 0) throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
    }

    /** CROWN on every domain, at most a quarter of the heap for the queue. */
    public static BabOptions defaults() {
        return new BabOptions(Method.CROWN, Runtime.getRuntime().maxMemory() / 4);
    }

    public BabOptions withMethod(Method m) { return new BabOptions(m, maxBytes); }
}
