package dev.verity.verify;

import dev.verity.attack.AttackResult;
import dev.verity.attack.Counterexample;
import dev.verity.attack.Counterexamples;
import dev.verity.attack.Pgd;

import java.time.Instant;
import java.util.Optional;

/** PGD within its share of the budget ({@link VerifyOptions#pgdShare()}); FALSIFIED only if the verifier re-confirms its point. */
record AttackStage(long budgetNanos) implements Stage {

    @Override
    public Optional<VerificationResult> run(RunState run) {
        long t0 = System.nanoTime();
        int before = run.openCount();
        long share = (long) (budgetNanos * run.options.pgdShare());
        long pgdDeadline = Math.min(run.deadline, saturatedAdd(t0, share));
        Instant until = Instant.now().plusNanos(Math.max(0, pgdDeadline - t0));
        AttackResult a = Pgd.attack(run.net, run.property, run.options.pgd().withDeadline(until));
        Optional<Counterexample> confirmed = a.counterexample()
                .flatMap(c -> Counterexamples.confirm(run.net, run.property, c.input()));
        String outcome = confirmed.isPresent() ? "counterexample (case " + confirmed.get().caseIndex() + ", disjunct "
                + confirmed.get().disjunctIndex() + ")"
                : a.found() ? "candidate rejected by the re-check"
                : "no counterexample in " + a.restartsRun() + " start(s)" + (a.timedOut() ? ", stopped at its time share" : "");
        run.log(new StageLog("pgd", outcome, before, confirmed.isPresent() ? 0 : before,
                a.bestValue() == Double.POSITIVE_INFINITY ? Double.NaN : a.bestValue(), System.nanoTime() - t0));
        return confirmed.map(ce -> run.result(Verdict.FALSIFIED, "pgd", ce));
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
