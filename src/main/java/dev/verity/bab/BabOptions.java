package dev.verity.bab;

import dev.verity.bounds.Method;

/**
 * Settings of branch and bound.
 *
 * @param method   the bound method of every domain: a back-substitution method with a linear bound over the input
 *                 (crown, crown-0, crown-ibp, deepz, hbox)
 * @param maxBytes the memory the queue of open domains may take (each keeps its box and its parent's pre-activation
 *                 bounds); past it the run stops, undecided, rather than exhaust the heap
 * @param lookahead input splitting: at most this many dimensions (by smear score) a split tries when the first does
 *                  not make progress ({@link InputSplit}); 1 = the smear score alone. Each try costs two bounds.
 */
public record BabOptions(Method method, long maxBytes, int lookahead) {
    public BabOptions {
        switch (method) {
            case HBOX, DEEPZ, CROWN, CROWN_0, CROWN_IBP -> { }
            case IBP, ALPHA_CROWN, LAGRANGIAN, SDP, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN ->
                    throw new IllegalArgumentException("branch and bound needs a back-substitution method, not " + method.cliName());
        }
        if (maxBytes <= 0) throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        if (lookahead < 1) throw new IllegalArgumentException("lookahead must be >= 1, got " + lookahead);
    }

    /** CROWN on every domain, at most a quarter of the heap for the queue, a lookahead over all of ACAS Xu's 5 inputs. */
    public static BabOptions defaults() {
        return new BabOptions(Method.CROWN, Runtime.getRuntime().maxMemory() / 4, 5);
    }

    public BabOptions withMethod(Method m) { return new BabOptions(m, maxBytes, lookahead); }

    public BabOptions withLookahead(int dims) { return new BabOptions(method, maxBytes, dims); }
}
