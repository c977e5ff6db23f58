package dev.verity.tensor;

/** Finding and selecting the non-zero columns of a row-major matrix (inner-dimension pruning for GEMM). */
final class SparseColumns {
    private SparseColumns() {}

    /** Pruning pays only when at least this fraction of the columns is zero (the copies cost rows·k). */
    private static final double MIN_ZERO_FRACTION = 0.2;

    /** Indices of the columns of {@code a [rows, cols]} with a non-zero entry, or null if too few are zero to bother. */
    static int[] nonZeroColumns(double[] a, int rows, int cols) {
        boolean[] used = new boolean[cols];
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            for (int c = 0; c < cols; c++) used[c] |= a[off + c] != 0; // branch-free: the JIT vectorises it
        }
        int count = 0;
        for (boolean u : used) if (u) count++;
        if (count > cols * (1 - MIN_ZERO_FRACTION)) return null;
        int[] kept = new int[count];
        for (int c = 0, i = 0; c < cols; c++) if (used[c]) kept[i++] = c;
        return kept;
    }

    /** The columns {@code kept} of {@code a [rows, cols]} as a new {@code [rows, kept.length]} matrix. */
    static double[] select(double[] a, int rows, int cols, int[] kept) {
        int k = kept.length;
        double[] out = new double[rows * k];
        for (int r = 0; r < rows; r++) {
            int src = r * cols, dst = r * k;
            for (int i = 0; i < k; i++) out[dst + i] = a[src + kept[i]];
        }
        return out;
    }
}
