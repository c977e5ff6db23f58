package dev.verity.verify;

import dev.verity.bab.BabOptions;
import dev.verity.bab.InputSplit;
import dev.verity.bab.Outcome;
import dev.verity.bab.ProofRecorder;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.check.Certificate;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Case;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibProperty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a VERIFIED result into a {@link Certificate}. A disjunct excluded by a bound stage gets a root exclusion with
 * its best row's bound over the case's box by interval arithmetic, or by CROWN where interval arithmetic does not
 * exclude it — bounds the checker recomputes; one excluded by input-splitting branch and bound gets that run's proof tree (the run is repeated with a
 * recorder: it is deterministic). What the format cannot carry yet — alpha-CROWN's optimised slopes, β-CROWN's
 * split multipliers, a MILP solver's word, an LP's or SDP's dual — is listed as missing, and the certificate is then
 * incomplete.
 */
public final class CertificateWriter {
    private final Network net;
    private final BoundEngine engine;
    private final BabOptions bab;

    public CertificateWriter(Network net, BabOptions bab) {
        this.net = net;
        this.engine = new BoundEngine(net);
        this.bab = bab;
    }

    /** The certificate of {@code r} (which must be VERIFIED); {@code babTime}: the most each repeated branch and bound may take. */
    public Certificate write(VnnlibProperty property, VerificationResult r, String modelSha, String propertySha, Duration babTime) {
        if (r.verdict() != Verdict.VERIFIED) throw new IllegalArgumentException("only a VERIFIED result has a certificate, not " + r.verdict());
        List<String> missing = new ArrayList<>();
        List<Certificate.CaseProof> cases = new ArrayList<>();
        Map<Integer, List<Evidence>> byCase = new TreeMap<>();
        for (Evidence e : r.evidence()) byCase.computeIfAbsent(e.caseIndex(), k -> new ArrayList<>()).add(e);
        for (int k = 0; k < property.cases().size(); k++) {
            Case c = property.cases().get(k);
            if (c.unsafe().isEmpty()) continue;
            List<Evidence> ev = byCase.getOrDefault(k, List.of());
            ProofRecorder recorder = new ProofRecorder();
            List<Integer> split = ev.stream().filter(e -> e.stage().equals(Verifier.INPUT_SPLIT)).map(Evidence::disjunct).sorted().toList();
            if (!split.isEmpty()) {
                Outcome o = new InputSplit(engine, bab, Margins::certified)
                        .decide(property, k, split, System.nanoTime() + babTime.toNanos(), recorder);
                if (!(o instanceof Outcome.Proven)) {
                    missing.add("case " + k + ": the repeated input splitting did not prove disjuncts " + split + " (" + o + ")");
                    recorder = new ProofRecorder();
                }
            }
            for (Evidence e : ev) {
                if (e.stage().equals(Verifier.INPUT_SPLIT)) continue;
                switch (e.kind()) {
                    case BOUND -> {
                        if (!rootExclusion(c, e.disjunct(), recorder))
                            missing.add("case " + k + " disjunct " + e.disjunct() + ": excluded by " + e.stage()
                                    + ", whose bound the certificate cannot carry yet (CROWN and interval bounds do not exclude it)");
                    }
                    case BRANCH_AND_BOUND -> missing.add("case " + k + " disjunct " + e.disjunct() + ": excluded by " + e.stage()
                            + " (β-CROWN split multipliers are not in the certificate format yet)");
                    case SOLVER -> missing.add("case " + k + " disjunct " + e.disjunct() + ": excluded on the word of the MILP solver");
                }
            }
            cases.add(new Certificate.CaseProof(k, recorder.tree()));
        }
        return new Certificate(modelSha, propertySha, cases, missing);
    }

    /** Adds the disjunct's best row over the case's box (interval arithmetic, else CROWN) if its bound is positive. */
    private boolean rootExclusion(Case c, int disjunct, ProofRecorder recorder) {
        List<LinearConstraint> rows = c.unsafe().get(disjunct).rows();
        if (rows.isEmpty()) return false;
        Interval box = new Interval(c.input().lower(), c.input().upper());
        Objective objective = Objective.of(rows, net.outputShape().numel());
        // interval arithmetic first: when it excludes the disjunct, its bound is the claim (cheap, and the checker
        // reproduces it on any network it reads); CROWN only otherwise
        double[] ibp = engine.bound(Method.IBP, box, objective).lower();
        double[] bound = ibp;
        if (Arrays.stream(ibp).noneMatch(v -> v > 0)) bound = engine.bound(Method.CROWN, box, objective).lower();
        int best = -1;
        double claim = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rows.size(); r++) if (bound[r] > claim) { claim = bound[r]; best = r; }
        if (!(claim > 0)) return false;
        recorder.excludedAtRoot(disjunct, best, claim);
        return true;
    }
}
