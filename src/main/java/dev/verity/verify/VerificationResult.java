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
 * @param evidence       per excluded disjunct, what excluded it (for VERIFIED: every disjunct of every case)
 */
public record VerificationResult(Verdict verdict, String method, long nanos, Counterexample counterexample, List<StageLog> stages,
                                 List<Evidence> evidence) {
    public VerificationResult {
        if ((verdict == Verdict.FALSIFIED) != (counterexample != null))
            throw new IllegalArgumentException("a counterexample goes with FALSIFIED and only with it");
        stages = List.copyOf(stages);
        evidence = List.copyOf(evidence);
    }

    /** Whether the verdict rests in part on a solver's word (a MILP exclusion that Verity did not check itself). */
    public boolean solverTrusted() {
        return verdict == Verdict.VERIFIED && evidence.stream().anyMatch(e -> e.kind() == Evidence.Kind.SOLVER);
    }

    /**
     * Whether a VERIFIED holds in exact arithmetic, not only up to double rounding: every disjunct closed by an
     * outward-rounded proof ({@link Evidence#outward()}; sound mode). False for any other verdict.
     */
    public boolean roundingSound() {
        return verdict == Verdict.VERIFIED && evidence.stream().allMatch(Evidence::outward);
    }

    public long millis() { return nanos / 1_000_000; }
}
