package dev.verity.verify;

import java.util.Optional;

/**
 * One stage of the verification pipeline ({@link Verifier}): it closes disjuncts of the run through {@link RunState#exclude}
 * and logs what it did; it returns a verdict when it decided the property (or ran out of time), empty to let the next
 * stage go on. The stages, in the order the default pipeline runs them: {@link AttackStage}, {@link BoundStage} per
 * bound method with {@link BabStage} among them, {@link MilpStage}.
 */
sealed interface Stage permits AttackStage, BoundStage, BabStage, MilpStage {
    Optional<VerificationResult> run(RunState run);
}
