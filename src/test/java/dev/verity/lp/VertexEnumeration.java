package dev.verity.lp;

/**
 * The exact minimum of a linear function over a bounded polytope {v : A v <= β} in R^d, by brute force: a
 * bounded polytope's minimum is at a vertex, and every vertex is the solution of d linearly independent
 * active rows. Exponential, for the tiny test LPs only.
 */
final class VertexEnumeration {
    private VertexEnumeration() {}

    /** rows: {a_1..a_d, β}; returns min c·v + k over the polytope (+inf if it is empty). */
    static double minimum(double[][] rows, double[] c, double k) {
        int d = c.length;
        double best = Double.POSITIVE_INFINITY;
        int[] pick = new int[d];
        for (int i = 0; i < d; i++) pick[i] = i;
        while (true) {
            double[] v = solve(rows, pick, d);
            if (v != null && feasible(rows, v)) {
                double f = k;
                for (int j = 0; j < d; j++) f += c[j] * v[j];
                best = Math.min(best, f);
            }
            int i = d - 1;
            while (i >= 0 && pick[i] == rows.length - d + i) i--;
            if (i < 0) return best;
            pick[i]++;
            for (int j = i + 1; j < d; j++) pick[j] = pick[j - 1] + 1;
        }
    }

    private static boolean feasible(double[][] rows, double[] v) {
        for (double[] r : rows) {
            double s = 0;
            for (int j = 0; j < v.length; j++) s += r[j] * v[j];
            if (s > r[v.length] + 1e-10) return false;
        }
        return true;
    }

    /** Gaussian elimination with partial pivoting on the picked rows as equalities; null when singular. */
    private static double[] solve(double[][] rows, int[] pick, int d) {
        double[][] a = new double[d][d + 1];
        for (int i = 0; i < d; i++) a[i] = rows[pick[i]].clone();
        for (int col = 0; col < d; col++) {
            int p = col;
            for (int i = col + 1; i < d; i++) if (Math.abs(a[i][col]) > Math.abs(a[p][col])) p = i;
            if (Math.abs(a[p][col]) < 1e-12) return null;
            double[] t = a[p]; a[p] = a[col]; a[col] = t;
            for (int i = 0; i < d; i++) {
                if (i == col) continue;
                double f = a[i][col] / a[col][col];
                for (int j = col; j <= d; j++) a[i][j] -= f * a[col][j];
            }
        }
        double[] v = new double[d];
        for (int i = 0; i < d; i++) v[i] = a[i][d] / a[i][i];
        return v;
    }
}
