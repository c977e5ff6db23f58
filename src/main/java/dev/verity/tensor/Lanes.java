package dev.verity.tensor;

import jdk.incubator.vector.DoubleVector;

/**
 * Horizontal sums of vectors in a fixed order. {@code reduceLanes(ADD)} leaves the order of its additions
 * unspecified, and in practice the JIT-compiled and the interpreted forms add differently, so the same computation
 * could round differently early in a run (cold code) than later; a resumed training run would then not end
 * bit-identical to an uninterrupted one. Summing lane by lane in index order costs a few additions per dot product.
 */
final class Lanes {
    private Lanes() {}

    static double sum(DoubleVector v) {
        double s = 0;
        for (int i = 0, n = v.length(); i < n; i++) s += v.lane(i);
        return s;
    }
}
