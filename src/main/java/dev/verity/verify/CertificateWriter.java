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
            Map<Integer, String> byBound = new TreeMap<>();
            for (Evidence e : ev) {
                if (e.stage().equals(Verifier.INPUT_SPLIT)) continue;
                switch (e.kind()) {
                    case BOUND -> byBound.put(e.disjunct(), e.stage());
                    case BRANCH_AND_BOUND -> missing.add("case " + k + " disjunct " + e.disjunct() + ": excluded by " + e.stage()
                            + " (β-CROWN split multipliers are not in the certificate format yet)");
                    case SOLVER -> missing.add("case " + k + " disjunct " + e.disjunct() + ": excluded by " + e.stage() + " on the word of the MILP solver");
                }
            }
            for (int j : rootExclusions(c, List.copyOf(byBound.keySet()), recorder))
                missing.add("case " + k + " disjunct " + j + ": excluded by " + byBound.get(j)
                        + ", whose bound the certificate cannot carry yet (CROWN and interval bounds do not exclude it)");
            cases.add(new Certificate.CaseProof(k, recorder.tree()));
        }
        return new Certificate(modelSha, propertySha, cases, missing);
    }

    /**
     * Adds, for each listed disjunct, its best row over the case's box if that row's bound is positive: interval
     * arithmetic's first (cheap, and the checker reproduces it on any network it reads), CROWN's for the disjuncts
     * interval arithmetic leaves. All the disjuncts' rows are bounded in one pass per method. Returns the disjuncts
     * neither excludes.
     */
    private List<Integer> rootExclusions(Case c, List<Integer> disjuncts, ProofRecorder recorder) {
        Interval box = new Interval(c.input().lower(), c.input().upper());
        List<Integer> left = disjuncts;
        for (Method method : List.of(Method.IBP, Method.CROWN)) {
            if (left.isEmpty()) break;
            List<LinearConstraint> rows = new ArrayList<>();
            int[] start = new int[left.size() + 1];
            for (int i = 0; i < left.size(); i++) {
                rows.addAll(c.unsafe().get(left.get(i)).rows());
                start[i + 1] = rows.size();
            }
            if (rows.isEmpty()) break;
            double[] bound = engine.bound(method, box, Objective.of(rows, net.outputShape().numel())).lower();
            List<Integer> still = new ArrayList<>();
            for (int i = 0; i < left.size(); i++) {
                int best = -1;
                for (int r = start[i]; r < start[i + 1]; r++) if (best < 0 || bound[r] > bound[best]) best = r;
                if (best >= 0 && bound[best] > 0) recorder.excludedAtRoot(left.get(i), best - start[i], bound[best]);
                else still.add(left.get(i));
            }
            left = still;
        }
        return left;
    }
}
