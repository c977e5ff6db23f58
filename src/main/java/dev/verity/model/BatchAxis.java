package dev.verity.model;

/**
 * Layers describe sample axes; values carry a leading batch axis. These translate a layer's axis
 * arguments to the batched value (the batch axis stays first and is never padded).
 */
public final class BatchAxis {
    private BatchAxis() {}

    /** A permutation of sample axes as one of batched axes. */
    public static int[] perm(int[] samplePerm) {
        int[] p = new int[samplePerm.length + 1];
        for (int i = 0; i < samplePerm.length; i++) p[i + 1] = samplePerm[i] + 1;
        return p;
    }

    /** The inverse of a sample-axis permutation, as one of batched axes (the adjoint of a transpose). */
    public static int[] inversePerm(int[] samplePerm) {
        int[] inv = new int[samplePerm.length + 1];
        for (int i = 0; i < samplePerm.length; i++) inv[samplePerm[i] + 1] = i + 1;
        return inv;
    }

    /** Pads (begins for every sample axis, then ends) as pads of batched axes, with zero padding of the batch axis. */
    public static int[] pads(int[] samplePads) {
        int r = samplePads.length / 2;
        int[] p = new int[samplePads.length + 2];
        for (int i = 0; i < r; i++) {
            p[i + 1] = samplePads[i];
            p[r + 2 + i] = samplePads[r + i];
        }
        return p;
    }
}
