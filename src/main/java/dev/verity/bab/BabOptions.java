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
 * @param batch     ReLU splitting: domains split per step, their children bounded in one batched β-CROWN pass
 * @param iterations ReLU splitting: β-CROWN's optimisation steps per batch of children (the root gets the engine's
 *                  alpha-CROWN steps)
 * @param clip      input splitting: shrink each domain's box to the bounding box its open disjuncts' linear bounds allow
 *                  before splitting it ({@link InputClipping})
 * @param recompute ReLU splitting: recompute each child's pre-activation bounds after the split's layer by CROWN (off:
 *                  the child keeps its parent's, the split neuron clamped — still sound, the child's box being part of
 *                  the parent's, and β carries the split into the bound, as in β-CROWN's paper). On a large
 *                  convolutional net the recomputation is most of the time: on ResNet-4B (14,436 ReLUs) 62 % of it, and
 *                  without it 1.7× the domains are bounded in the same time (prop_0: 6,179 against 3,623 in 206 s),
 *                  reaching a margin of −0.029 instead of −0.058 ({@link #forLargeNetworks()}). A run that records a
 *                  proof ({@link ProofRecorder}) recomputes whatever this says: the checker re-derives the bounds so
 */
public record BabOptions(Method method, long maxBytes, int lookahead, int batch, int iterations, boolean clip, boolean recompute) {
    public BabOptions {
        switch (method) {
            case HBOX, DEEPZ, CROWN, CROWN_0, CROWN_IBP -> { }
            case IBP, HBOX_FORWARD, ALPHA_CROWN, LAGRANGIAN, SDP, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN ->
                    throw new IllegalArgumentException("branch and bound needs a back-substitution method, not " + method.cliName());
        }
        if (maxBytes <= 0) throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        if (lookahead < 1) throw new IllegalArgumentException("lookahead must be >= 1, got " + lookahead);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (iterations < 0) throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
    }

    /**
     * CROWN on every input-split domain, at most a quarter of the heap for the queue, no lookahead (the gradient smear
     * alone: with it a lookahead over ACAS Xu's 5 inputs only spent bounds — 3_3 prop_2 reached a margin of −0.0033 in
     * 85 s with it, −0.0011 in 112 s without), clipping; ReLU splitting 64 domains per batch (mnistfc 256x4 prop_5_0.03: 13.0 s; with 16: 16.1 s, with 4:
     * 21.5 s) and 20 β-CROWN steps per batch (α,β-CROWN's BaB default), each child's later bounds recomputed.
     */
    public static BabOptions defaults() {
        return new BabOptions(Method.CROWN, Runtime.getRuntime().maxMemory() / 4, 1, 64, 20, true, true);
    }

    /**
     * ReLU splitting on a large network, where one batched pass is expensive and more domains per second beat tighter
     * bounds per domain: children keep their parent's bounds ({@link #recompute()} off) and get 10 β-CROWN steps per
     * batch. On ResNet-4B (cifar10_resnet prop_0_eps_0.004, 300 s, one core) this proves the property: 10,373 domains in
     * 173 s; with 20 steps 6,179 domains in 206 s left a margin of −0.029, and recomputing the bounds too, 3,623 and −0.058.
     */
    public BabOptions forLargeNetworks() {
        return withRecompute(false).withIterations(10);
    }

    public BabOptions withMethod(Method m) { return new BabOptions(m, maxBytes, lookahead, batch, iterations, clip, recompute); }

    public BabOptions withLookahead(int dims) { return new BabOptions(method, maxBytes, dims, batch, iterations, clip, recompute); }

    public BabOptions withBatch(int domains) { return new BabOptions(method, maxBytes, lookahead, domains, iterations, clip, recompute); }

    public BabOptions withIterations(int steps) { return new BabOptions(method, maxBytes, lookahead, batch, steps, clip, recompute); }

    public BabOptions withMaxBytes(long bytes) { return new BabOptions(method, bytes, lookahead, batch, iterations, clip, recompute); }

    public BabOptions withRecompute(boolean on) { return new BabOptions(method, maxBytes, lookahead, batch, iterations, clip, on); }

    public BabOptions withClip(boolean on) { return new BabOptions(method, maxBytes, lookahead, batch, iterations, on, recompute); }
}
