package dev.verity.attack;

import java.util.Optional;

/**
 * What an attack found. {@code bestValues[k][j]} is the smallest value of disjunct j of case k's
 * objective {@code max_r (c_r·y + d_r)} seen at any evaluated point of case k's box (double forward
 * pass; +inf when none was evaluated, e.g. the deadline passed first): at most 0 means the double pass
 * found an unsafe output, though only {@link #counterexample()} has been confirmed (float32 included).
 *
 * @param counterexample  a confirmed counterexample, if one was found
 * @param bestValues      per case and disjunct, the smallest objective value seen
 * @param forwardPasses   batched forward passes (each over up to {@code batchSize} points)
 * @param backwardPasses  batched backward passes
 * @param pointsEvaluated points evaluated by the batched forward passes (confirmations not counted)
 * @param restartsRun     starting points attacked (over all cases), including an interrupted batch
 * @param confirmCalls    candidates passed to {@link Counterexamples#confirm}
 * @param timedOut        whether the deadline stopped the attack before it was done
 * @param elapsedNanos    wall-clock time of the attack
 */
public record AttackResult(Optional<Counterexample> counterexample, double[][] bestValues, long forwardPasses, long backwardPasses,
                           long pointsEvaluated, long restartsRun, long confirmCalls, boolean timedOut, long elapsedNanos) {

    public AttackResult {
        bestValues = deepCopy(bestValues);
    }

    @Override public double[][] bestValues() { return deepCopy(bestValues); }

    public double bestValue(int caseIndex, int disjunctIndex) { return bestValues[caseIndex][disjunctIndex]; }

    /** The smallest objective value over all cases and disjuncts (+inf when nothing was evaluated). */
    public double bestValue() {
        double m = Double.POSITIVE_INFINITY;
        for (double[] row : bestValues) for (double v : row) m = Math.min(m, v);
        return m;
    }

    public boolean found() { return counterexample.isPresent(); }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    @Override public String toString() {
        return "AttackResult[" + (found() ? counterexample.get() : "no counterexample, best value " + bestValue()) + ", " + forwardPasses
                + " forward / " + backwardPasses + " backward passes, " + restartsRun + " restarts, " + confirmCalls + " confirm calls"
                + (timedOut ? ", timed out" : "") + ", " + elapsedNanos / 1_000_000 + " ms]";
    }
}
