package dev.verity.verify;

import dev.verity.bab.BabOptions;
import dev.verity.bab.InputSplit;
import dev.verity.bab.Outcome;
import dev.verity.bab.ProofRecorder;
import dev.verity.bab.ReluSplit;
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
 * recorder: it is deterministic). One excluded by ReLU splitting, or by a bound stage whose bound neither interval
 * arithmetic nor CROWN reproduces (alpha-CROWN), gets the proof trees of a ReLU-splitting run repeated from
 * intermediate bounds tightened by alpha-CROWN with their slopes recorded (so the checker re-derives them): its root
 * bound is alpha-CROWN's with the slopes recorded, its leaves β-CROWN's with slopes and split multipliers. A disjunct excluded on a solver's word (the MILP, `bab-refine`'s refined bounds) or
 * by an LP or SDP bound gets the same: a certificate independent of how the verdict was reached. What the repeated run
 * does not prove in time (or at all: a network with other nonlinearities) is listed as missing, and the certificate is
 * then incomplete.
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
        List<Certificate.CaseBounds> bounds = new ArrayList<>();
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
            Map<Integer, String> byBound = new TreeMap<>(), byReluSplit = new TreeMap<>();
            for (Evidence e : ev) {
                if (e.stage().equals(Verifier.INPUT_SPLIT)) continue;
                switch (e.kind()) {
                    case BOUND -> byBound.put(e.disjunct(), e.stage());
                    case BRANCH_AND_BOUND -> byReluSplit.put(e.disjunct(), e.stage());
                    case SOLVER -> byReluSplit.put(e.disjunct(), e.stage() + " on the word of the MILP solver");
                }
            }
            for (int j : rootExclusions(c, List.copyOf(byBound.keySet()), recorder)) byReluSplit.put(j, byBound.get(j));
            ReluProofs own = reluSplitTrees(property, k, byReluSplit, babTime, missing);
            List<Integer> rest = new ArrayList<>();
            for (int j = 0; j < c.unsafe().size(); j++) if (!own.trees().containsKey(j)) rest.add(j);
            if (own.trees().isEmpty()) cases.add(new Certificate.CaseProof(k, recorder.tree()));
            else if (!rest.isEmpty()) cases.add(new Certificate.CaseProof(k, rest, recorder.tree()));
            for (var t : own.trees().entrySet()) cases.add(new Certificate.CaseProof(k, List.of(t.getKey()), true, t.getValue()));
            if (!own.trees().isEmpty()) bounds.add(new Certificate.CaseBounds(k, own.bounds()));
        }
        return new Certificate(modelSha, propertySha, cases, missing, bounds);
    }

    /** A ReLU-splitting run's proof trees by disjunct, and the slopes of the intermediate bounds they start from. */
    private record ReluProofs(Map<Integer, Certificate.Node> trees, List<Certificate.BoundSlopes> bounds) {
        static final ReluProofs NONE = new ReluProofs(Map.of(), List.of());
    }

    /**
     * One proof tree per listed disjunct from a ReLU-splitting run repeated with a recorder, from intermediate bounds
     * tightened by alpha-CROWN whose slopes the certificate carries ({@link BoundEngine#intermediateWithSlopes}); or,
     * where the network does not suit ReLU splitting or the run does not prove them in {@code babTime}, entries in
     * {@code missing} ({@code stages}: the stage that excluded each disjunct in the verdict).
     */
    private ReluProofs reluSplitTrees(VnnlibProperty property, int k, Map<Integer, String> stages, Duration babTime, List<String> missing) {
        if (stages.isEmpty()) return ReluProofs.NONE;
        var unsuited = ReluSplit.unsuited(net);
        String why;
        if (unsuited.isEmpty()) {
            long deadline = System.nanoTime() + babTime.toNanos();
            Case c = property.cases().get(k);
            // on a large convolutional net the tightening alone can take long: it gets the same deadline
            java.util.Optional<BoundEngine.SlopedBounds> tightened = Deadline.call(
                    () -> engine.intermediateWithSlopes(new Interval(c.input().lower(), c.input().upper())), deadline);
            if (tightened.isPresent()) {
                BoundEngine.SlopedBounds sloped = tightened.get();
                ProofRecorder recorder = new ProofRecorder();
                Outcome o = new ReluSplit(engine, bab, Margins::certified)
                        .decide(property, k, List.copyOf(stages.keySet()), deadline, sloped.pre(), recorder);
                if (o instanceof Outcome.Proven) return new ReluProofs(recorder.ownTrees(), boundSlopes(sloped));
                why = "the repeated ReLU splitting did not prove it (" + o + ")";
            } else {
                why = "tightening the intermediate bounds for it did not finish in " + babTime.toSeconds() + " s";
            }
        } else {
            why = "its bound is not CROWN's or interval arithmetic's, and " + unsuited.get();
        }
        for (var e : stages.entrySet()) missing.add("case " + k + " disjunct " + e.getKey() + ": excluded by " + e.getValue() + "; " + why);
        return ReluProofs.NONE;
    }

    /**
     * The tightened bounds' slopes in the certificate's terms: block b is the b-th ReLU's input (1-based); a slope is
     * kept only where its neuron is unstable (a stable neuron's line does not depend on it).
     */
    private List<Certificate.BoundSlopes> boundSlopes(BoundEngine.SlopedBounds sloped) {
        List<Integer> pre = dev.verity.bounds.BetaCrown.preActivationNodes(net);
        List<Certificate.BoundSlopes> out = new ArrayList<>();
        for (BoundEngine.NeuronSlopes ns : sloped.slopes())
            out.add(new Certificate.BoundSlopes(pre.indexOf(ns.node()) + 1, ns.neuron(), ns.upper(),
                    ProofRecorder.unstableSlopes(ns.alpha(), 0, sloped.pre(), pre)));
        return out;
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
