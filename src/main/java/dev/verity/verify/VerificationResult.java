package dev.verity.verify;

import dev.verity.attack.Counterexample;

import java.util.List;

/**
 * The outcome of {@link Verifier#verify}.
 *
 * @param verdict        the answer
 * @param method         the stage that decided it ({@code pgd}, {@code ibp}, {@code crown}, {@code alpha-crown},
 *                       {@code trivial} for an empty unsafe set); null for UNKNOWN and TIMEOUT
 * @param nanos          wall-clock time of the whole run
 * @param counterexample the confirmed counterexample when FALSIFIED, else null
 * @param stages         what every stage that ran did, in order
 */
public record VerificationResult(Verdict verdict, String method, long nanos, Counterexample counterexample, List<StageLog> stages) {
    public VerificationResult {
        if ((verdict == Verdict.FALSIFIED) != (counterexample != null))
            throw new IllegalArgumentException("a counterexample goes with FALSIFIED and only with it");
        stages = List.copyOf(stages);
    }

    public long millis() { return nanos / 1_000_000; }
}
