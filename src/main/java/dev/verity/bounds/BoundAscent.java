package dev.verity.bounds;

import dev.verity.tensor.Adam;

import java.util.Arrays;

/**
 * The optimisation loop alpha-CROWN and β-CROWN share: projected Adam ascent of the summed lower bounds of several
 * rows over relaxation parameters (slopes α in their box, split multipliers β ≥ 0), keeping each row's best value over
 * the iterates. Every iterate's bound is sound, so the best one is; the result is never looser than the starting
 * point's (CROWN's, for α at its adaptive start and β = 0).
 */
final class BoundAscent {
    private BoundAscent() {}

    /** The bound as a function of the parameters. */
    interface Problem {
        /**
         * The lower bound of every row at {@code params}; when {@code gradient} is not null, also d(Σ bounds)/dparams
         * into it.
         */
        double[] evaluate(double[] params, double[] gradient);
    }

    /**
     * A group of parameters {@code [offset, offset + size)} with its own step size and box {@code [lo, hi]}.
     */
    record Group(int offset, int size, double learningRate, double lo, double hi) {}

    /**
     * The best value per row, and the parameters of the iterate with the best sum (a warm start for related problems);
     * with rows that own their parameters ({@link #run}), each
     * row's slice of {@code bestParams} is the iterate that gave that row its best value instead, so that the
     * parameters reproduce {@code best} row by row (what a certificate must carry).
     */
    record Result(double[] best, double[] bestParams) {}

    /**
     * Maximises from {@code params} (updated in place to the last iterate) for at most {@code options.alphaIterations()}
     * steps, the step sizes decaying by {@code alphaDecay} per step, stopping after {@code alphaPatience} steps without
     * improving the sum, or as soon as every row's best value is positive when {@code stopWhenPositive}. With
     * {@code ownedRows} > 0 every group is {@code [ownedRows × width]} row-major and row r's value depends on its own
     * slices only (alpha- and β-CROWN: each row has its slopes and multipliers), and the result's parameters are per row
     * those of the row's best iterate; with 0, those of the iterate with the best sum.
     */
    static Result run(double[] params, Group[] groups, Problem problem, BoundOptions options, boolean stopWhenPositive, int ownedRows) {
        return run(params, groups, problem, options, stopWhenPositive, ownedRows, NO_TIME_LIMIT);
    }

    /** No time limit for {@link #run(double[], Group[], Problem, BoundOptions, boolean, int, long)}. */
    static final long NO_TIME_LIMIT = Long.MIN_VALUE;

    /**
     * As {@link #run(double[], Group[], Problem, BoundOptions, boolean, int)}, and once {@code System.nanoTime()} has
     * passed {@code stopAtNanos} (unless it is {@link #NO_TIME_LIMIT}) the next iterate is the last: it is evaluated,
     * without gradient, and the best so far returned. Every iterate's bound is sound, so stopping early only loosens it.
     */
    static Result run(double[] params, Group[] groups, Problem problem, BoundOptions options, boolean stopWhenPositive, int ownedRows,
                      long stopAtNanos) {
        for (Group g : groups)
            if (ownedRows > 0 && g.size() % ownedRows != 0) throw new IllegalArgumentException("group of " + g.size() + " parameters over " + ownedRows + " rows");
        double[] rowBest = ownedRows > 0 ? params.clone() : null;
        Adam[] adams = new Adam[groups.length];
        for (int g = 0; g < groups.length; g++) adams[g] = new Adam(groups[g].size(), groups[g].learningRate());
        double[] grad = new double[params.length];
        double[] best = null, bestParams = params.clone();
        double bestSum = Double.NEGATIVE_INFINITY;
        int sinceImprovement = 0;
        for (int step = 0; step <= options.alphaIterations(); step++) {
            BoundEngine.checkInterrupted();
            boolean last = step == options.alphaIterations() || params.length == 0
                    || (step > 0 && stopAtNanos != NO_TIME_LIMIT && System.nanoTime() - stopAtNanos >= 0);
            Arrays.fill(grad, 0);
            double[] value = problem.evaluate(params, last ? null : grad);
            if (best == null) {
                best = new double[value.length];
                Arrays.fill(best, Double.NEGATIVE_INFINITY);
            }
            double sum = 0;
            boolean allPositive = true;
            for (int i = 0; i < value.length; i++) {
                if (rowBest != null && value[i] > best[i]) copyRow(params, rowBest, groups, ownedRows, i);
                best[i] = Math.max(best[i], value[i]);
                sum += value[i];
                allPositive &= best[i] > 0;
            }
            if (step == 0 || sum > bestSum + 1e-12 * Math.max(1, Math.abs(bestSum))) {
                bestSum = sum;
                sinceImprovement = 0;
                System.arraycopy(params, 0, bestParams, 0, params.length);
            } else if (++sinceImprovement >= options.alphaPatience()) {
                break;
            }
            if (last || (stopWhenPositive && allPositive)) break;
            for (int g = 0; g < groups.length; g++) {
                Group gr = groups[g];
                double[] p = Arrays.copyOfRange(params, gr.offset(), gr.offset() + gr.size());
                double[] d = new double[gr.size()];
                // Adam descends: ascend the bound by descending its negative.
                for (int i = 0; i < d.length; i++) d[i] = -grad[gr.offset() + i];
                adams[g].step(p, d);
                adams[g].setLearningRate(adams[g].learningRate() * options.alphaDecay());
                for (int i = 0; i < p.length; i++) params[gr.offset() + i] = Math.min(gr.hi(), Math.max(gr.lo(), p[i]));
            }
        }
        return new Result(best, rowBest != null ? rowBest : bestParams);
    }

    private static void copyRow(double[] from, double[] to, Group[] groups, int rows, int r) {
        for (Group g : groups) {
            int width = g.size() / rows, at = g.offset() + r * width;
            System.arraycopy(from, at, to, at, width);
        }
    }
}
