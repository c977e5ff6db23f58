package dev.verity.bab;

import dev.verity.attack.Counterexample;
import dev.verity.attack.Counterexamples;
import dev.verity.bounds.BetaCrown.Split;
import dev.verity.bounds.BetaCrown;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Case;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * ReLU-splitting branch and bound, the way β-CROWN (Wang et al. 2021) decides networks with many inputs: a domain is
 * the input box with a set of ReLU neurons fixed active ({@code z >= 0}) or inactive ({@code z <= 0}); it is bounded
 * by {@link BetaCrown} (α-CROWN with the splits as Lagrangian terms β, sound at any iterate), its pre-activation bounds
 * recomputed by CROWN after the split's layer with the split neuron clamped to its side (unless
 * {@link BabOptions#recompute()} is off and nothing is recorded), its margins floored at its
 * parent's. The worst domains (smallest margin) are split first, {@link BabOptions#batch()} at a time, and all their
 * children are bounded in one batched pass. The split neuron is the unstable one with the largest BaBSR-style score
 * (Bunel et al. 2020): the intercept its upper relaxation line adds to the bound, {@code [λ]₋·(−l·u/(u − l))} for the
 * coefficient λ of its output, at the disjunct's best row. Each open disjunct has domains of its own (a disjunct is
 * excluded independently of the others), so the hardest disjunct's domains are split first. A child whose recomputed bounds contradict a split is empty
 * and closed. Every bounded domain's box corner minimising its worst row's linear bound is tried as a counterexample
 * and reported only after {@link Counterexamples#confirm} re-checks it.
 *
 * <p>The proof is as sound as the bounds: every leaf's margin clears the caller's tolerance ({@link Certifier}) and the
 * two children of a split cover their parent (the halves {@code z_j >= 0} and {@code z_j <= 0}).
 */
public final class ReluSplit {
    private final Network net;
    private final BoundEngine engine;
    private final BetaCrown beta;
    private final BabOptions options;
    private final Certifier certifier;

    public ReluSplit(BoundEngine engine, BabOptions options, Certifier certifier) {
        this.net = engine.network();
        this.engine = engine;
        this.beta = new BetaCrown(engine);
        this.options = options;
        this.certifier = certifier;
    }

    /** Why ReLU splitting does not apply to the network, or empty. */
    public static Optional<String> unsuited(Network net) {
        return BetaCrown.unsuited(net);
    }

    /** An open domain: its bounds, splits, open disjuncts (indices into the case) with margins, and the neuron to split next (null: none left). */
    private record Domain(Map<Integer, Interval> pre, List<Split> splits, int[] open, double[] margins, double margin, int depth, Split next,
                          BetaCrown.WarmStart start, ProofRecorder.Box proof) {}

    /**
     * A child waiting to be bounded, with its parent's slopes and multipliers to start from, and where its proof is
     * recorded per open disjunct (null: not recording).
     */
    private record Child(Map<Integer, Interval> pre, List<Split> splits, int[] open, double[] floor, int depth, BetaCrown.WarmStart start,
                         ProofRecorder.Box[] proofs) {}

    /**
     * Decides the listed disjuncts of case {@code caseIndex} within {@code deadlineNanos} (the {@link System#nanoTime}
     * clock), starting from pre-activation bounds {@code known} valid over the case's box (empty: CROWN's); stops early,
     * undecided, when the thread is interrupted.
     */
    public Outcome decide(VnnlibProperty property, int caseIndex, List<Integer> disjuncts, long deadlineNanos, Map<Integer, Interval> known) {
        return decide(property, caseIndex, disjuncts, deadlineNanos, known, null);
    }

    /**
     * As {@link #decide(VnnlibProperty, int, List, long, Map)}, recording into {@code recorder} (null: none) one proof
     * tree per disjunct ({@link ProofRecorder#treeFor}): the neuron splits, the empty children, and each leaf's
     * exclusion with the slopes and split multipliers of its bound, for {@code verity check}. A recorded run must start
     * from intermediate bounds the checker can re-derive: CROWN's ({@code known} empty), or those of
     * {@link BoundEngine#intermediateWithSlopes} with their slopes in the certificate.
     */
    public Outcome decide(VnnlibProperty property, int caseIndex, List<Integer> disjuncts, long deadlineNanos, Map<Integer, Interval> known,
                          ProofRecorder recorder) {
        Case c = property.cases().get(caseIndex);
        Interval box = new Interval(c.input().lower(), c.input().upper());
        int[] open = disjuncts.stream().mapToInt(Integer::intValue).toArray();
        for (int j : open) { // a disjunct without rows accepts every output: any point of the box is a counterexample
            if (c.unsafe().get(j).rows().isEmpty()) {
                Optional<Counterexample> ce = Counterexamples.confirm(net, property, caseIndex, c.input().center());
                if (ce.isPresent()) return new Outcome.Refuted(ce.get(), 0);
            }
        }
        Map<Integer, Interval> rootPre = engine.intermediateBounds(Method.CROWN, box, known, -1);
        double[] none = new double[open.length];
        Arrays.fill(none, Double.NEGATIVE_INFINITY);
        long domains = 0;
        int maxDepth = 0;
        List<Domain> bounded = new ArrayList<>();
        ProofRecorder.Box[] roots = null;
        if (recorder != null) {
            roots = new ProofRecorder.Box[open.length];
            for (int i = 0; i < open.length; i++) roots[i] = recorder.treeFor(open[i]);
        }
        Optional<Counterexample> ce = bound(property, caseIndex, c, box, List.of(new Child(rootPre, List.of(), open, none, 0, null, roots)),
                beta.defaultIterations(), deadlineNanos, bounded);
        domains++;
        if (ce.isPresent()) return new Outcome.Refuted(ce.get(), domains);
        if (bounded.isEmpty()) return new Outcome.Proven(domains, 0);
        // A queued domain keeps its pre-activation bounds (two doubles per neuron) and its warm start (one slope per neuron).
        long perDomain = 64 + 24L * rootPre.values().stream().mapToLong(Interval::size).sum();
        long maxQueued = Math.max(16, options.maxBytes() / perDomain);
        PriorityQueue<Domain> queue = new PriorityQueue<>((a, b) -> Double.compare(a.margin(), b.margin()));
        queue.addAll(bounded);
        // Per disjunct, its domains not yet proven: a disjunct whose count falls to 0 is excluded (reported if the run stops).
        Map<Integer, Integer> live = new java.util.TreeMap<>();
        for (int j : open) live.put(j, 0);
        for (Domain d : bounded) live.merge(d.open()[0], 1, Integer::sum);
        int stuck = 0;
        double stuckMargin = Double.POSITIVE_INFINITY;
        while (!queue.isEmpty()) {
            if (System.nanoTime() - deadlineNanos >= 0 || Thread.currentThread().isInterrupted())
                return undecided("the deadline", domains, queue, stuck, stuckMargin, live);
            if (queue.size() > maxQueued)
                return undecided("the memory limit (" + queue.size() + " domains queued)", domains, queue, stuck, stuckMargin, live);
            List<Child> children = new ArrayList<>();
            while (children.size() < 2 * options.batch() && !queue.isEmpty()) {
                Domain d = queue.poll();
                if (d.next() == null) { // (it stays counted in live: never proven) // every neuron is stable or split, and the bound still falls short
                    stuck++;
                    stuckMargin = Math.min(stuckMargin, d.margin());
                    continue;
                }
                live.merge(d.open()[0], -1, Integer::sum);
                ProofRecorder.Box[] halves = d.proof() == null ? null : d.proof().neuronSplit(block(d.next().node()), d.next().neuron());
                for (boolean active : new boolean[] {true, false}) {
                    ProofRecorder.Box proof = halves == null ? null : halves[active ? 1 : 0];
                    Optional<Child> child = split(box, d, new Split(d.next().node(), d.next().neuron(), active), proof);
                    if (child.isPresent()) children.add(child.get());
                    else { // empty: the split contradicts the domain's bounds
                        domains++;
                        if (proof != null) proof.empty();
                    }
                }
            }
            if (children.isEmpty()) continue;
            bounded.clear();
            try {
                ce = bound(property, caseIndex, c, box, children, options.iterations(), deadlineNanos, bounded);
            } catch (java.util.concurrent.CancellationException e) {
                for (Child ch : children) live.merge(ch.open()[0], 1, Integer::sum); // unbounded: not proven
                return undecided("the deadline", domains, queue, stuck, stuckMargin, live);
            }
            domains += children.size();
            if (ce.isPresent()) return new Outcome.Refuted(ce.get(), domains);
            for (Child ch : children) maxDepth = Math.max(maxDepth, ch.depth());
            queue.addAll(bounded);
            for (Domain d : bounded) live.merge(d.open()[0], 1, Integer::sum);
        }
        if (stuck > 0)
            return new Outcome.Undecided(stuck + " domain(s) with every neuron split or stable", domains, stuck, stuckMargin, excluded(live));
        return new Outcome.Proven(domains, maxDepth);
    }

    private static Outcome.Undecided undecided(String why, long domains, PriorityQueue<Domain> queue, int stuck, double stuckMargin,
                                               Map<Integer, Integer> live) {
        double worst = stuckMargin;
        for (Domain d : queue) worst = Math.min(worst, d.margin());
        return new Outcome.Undecided(why, domains, queue.size() + stuck, worst, excluded(live));
    }

    private static List<Integer> excluded(Map<Integer, Integer> live) {
        return live.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).toList();
    }

    /**
     * The child of {@code d} with {@code split} added: the split neuron clamped, the later layers' bounds recomputed;
     * empty when the bounds show the child holds no point (the neuron cannot take the split's sign).
     */
    private Optional<Child> split(Interval box, Domain d, Split split, ProofRecorder.Box proof) {
        Map<Integer, Interval> pre = new LinkedHashMap<>(d.pre());
        pre.put(split.node(), clamp(pre.get(split.node()), split));
        // a recorded run always recomputes: verity check re-derives every node's bounds that way
        if (options.recompute() || proof != null) pre = engine.intermediateBounds(Method.CROWN, box, pre, split.node());
        List<Split> splits = new ArrayList<>(d.splits());
        splits.add(split);
        Map<Integer, Interval> clamped = new LinkedHashMap<>(pre);
        for (Split s : splits) {
            Interval iv = clamped.get(s.node());
            double l = iv.lower(s.neuron()), u = iv.upper(s.neuron());
            // The bounds are sound over the domain: an active neuron whose upper bound is certainly negative (or an
            // inactive one whose lower bound is certainly positive) cannot exist in it.
            if (s.active() ? certifier.certified(-u, Math.max(Math.abs(l), Math.abs(u))) : certifier.certified(l, Math.max(Math.abs(l), Math.abs(u))))
                return Optional.empty();
            clamped.put(s.node(), clamp(iv, s));
        }
        return Optional.of(new Child(clamped, List.copyOf(splits), d.open(), d.margins(), d.depth() + 1, d.start(),
                proof == null ? null : new ProofRecorder.Box[] {proof}));
    }

    /** The interval with the split neuron on its side: [max(l, 0), max(u, 0)] if active, [min(l, 0), min(u, 0)] if inactive. */
    private static Interval clamp(Interval iv, Split s) {
        double[] lo = iv.lower().clone(), hi = iv.upper().clone();
        int j = s.neuron();
        if (s.active()) {
            lo[j] = Math.max(lo[j], 0);
            hi[j] = Math.max(hi[j], 0);
        } else {
            lo[j] = Math.min(lo[j], 0);
            hi[j] = Math.min(hi[j], 0);
        }
        return new Interval(lo, hi);
    }

    /**
     * Bounds the children in one β-CROWN pass, its optimisation ending early at {@code deadlineNanos}; adds those with a
     * disjunct still open to {@code out} and returns a confirmed counterexample if one of their candidate points is one.
     */
    private Optional<Counterexample> bound(VnnlibProperty property, int caseIndex, Case c, Interval box, List<Child> children,
                                           int iterations, long deadlineNanos, List<Domain> out) {
        int outputs = net.outputShape().numel();
        List<BetaCrown.Query> queries = new ArrayList<>(children.size());
        List<DisjunctRows> rowsOf = new ArrayList<>(children.size());
        for (Child ch : children) {
            DisjunctRows rows = DisjunctRows.of(c, ch.open());
            rowsOf.add(rows);
            queries.add(new BetaCrown.Query(ch.pre(), ch.splits(), rows.objective(outputs), ch.start()));
        }
        List<BetaCrown.Bound> bounds = beta.bound(box, queries, iterations, true, deadlineNanos);
        for (int q = 0; q < children.size(); q++) {
            Child ch = children.get(q);
            BetaCrown.Bound b = bounds.get(q);
            DisjunctRows rows = rowsOf.get(q);
            double[] coeff = b.coeff().data(), base = new double[b.lower().length];
            for (int r = 0; r < base.length; r++) base[r] = Math.abs(b.lower()[r]);
            DisjunctRows.Judged j = rows.judge(b.lower(), null, base, coeff, box.lower(), box.upper(), ch.floor(), certifier);
            for (int i = 0; i < ch.open().length; i++) {
                if (j.excluded()[i]) {
                    if (ch.proofs() != null) record(ch, i, rows, b);
                    continue;
                }
                int bestRow = j.bestRow()[i];
                if (bestRow >= 0) {
                    Optional<Counterexample> ce = tryCorner(property, caseIndex, c, box, coeff, bestRow);
                    if (ce.isPresent()) return ce;
                }
                // One domain per open disjunct: each is excluded on its own, so its children bound its rows only and
                // split the neurons that matter to it (a robustness property's nine disjuncts cost nine times less per domain).
                double m = j.margin()[i];
                out.add(new Domain(ch.pre(), ch.splits(), new int[] {ch.open()[i]}, new double[] {m}, m, ch.depth(), branch(ch, b, bestRow),
                        rows(b.warmStart(), rows.rowStart()[i], rows.rowStart()[i + 1], b.lower().length), ch.proofs() == null ? null : ch.proofs()[i]));
            }
        }
        return Optional.empty();
    }

    /** The checker's block of a pre-activation node: 1 + its place among the ReLUs' inputs. */
    private int block(int preNode) {
        int b = beta.preActivationNodes().indexOf(preNode);
        if (b < 0) throw new IllegalArgumentException("no ReLU reads node " + preNode);
        return b + 1;
    }

    /**
     * Records child {@code ch}'s exclusion of its open disjunct i by the disjunct's best row: the claim, the row's
     * slopes at the neurons unstable on the child (the others' lines are fixed by their bounds) and its multiplier of
     * each split on the path, as the certificate format carries them.
     */
    private void record(Child ch, int i, DisjunctRows rows, BetaCrown.Bound b) {
        int best = rows.rowStart()[i];
        for (int r = best + 1; r < rows.rowStart()[i + 1]; r++) if (b.lower()[r] > b.lower()[best]) best = r;
        int m = b.lower().length;
        double[] beta = new double[ch.splits().size()];
        for (int k = 0; k < beta.length; k++) beta[k] = b.warmStart().beta()[k * m + best];
        var alpha = ProofRecorder.unstableSlopes(b.warmStart().alpha(), best, ch.pre(), this.beta.preActivationNodes());
        ch.proofs()[i].excluded(ch.open()[i], best - rows.rowStart()[i], b.lower()[best], alpha, beta.length == 0 ? null : beta);
    }

    /**
     * The unsplit unstable neuron with the largest score {@code [λ_rj]₋·(−l_j·u_j/(u_j − l_j))} at row r (BaBSR's
     * intercept term), ties and all-zero scores broken by {@code |λ_rj|·min(u_j, −l_j)} (both 0 for a disjunct without
     * rows, r = −1: the first unstable neuron); null when no neuron is unstable.
     */
    private static Split branch(Child ch, BetaCrown.Bound b, int r) {
        Split best = null;
        double bestScore = -1, bestTie = -1;
        for (var e : b.coefficient().entrySet()) {
            int node = e.getKey();
            Interval iv = ch.pre().get(node);
            double[] lambda = e.getValue();
            int n = iv.size();
            for (int j = 0; j < n; j++) {
                double l = iv.lower(j), u = iv.upper(j);
                if (!(l < 0 && u > 0)) continue;
                double lam = r < 0 ? 0 : lambda[r * n + j];
                double score = Math.max(-lam, 0) * (-l * u / (u - l)), tie = Math.abs(lam) * Math.min(u, -l);
                if (score > bestScore || (score == bestScore && tie > bestTie)) {
                    best = new Split(node, j, true);
                    bestScore = score;
                    bestTie = tie;
                }
            }
        }
        return best;
    }

    /** The rows {@code [from, to)} of a warm start over {@code total} rows (one disjunct's, of a domain bounded for several). */
    private static BetaCrown.WarmStart rows(BetaCrown.WarmStart w, int from, int to, int total) {
        if (from == 0 && to == total) return w;
        Map<Integer, double[]> alpha = new LinkedHashMap<>();
        for (var e : w.alpha().entrySet()) {
            int n = e.getValue().length / total;
            alpha.put(e.getKey(), Arrays.copyOfRange(e.getValue(), from * n, to * n));
        }
        int splits = w.beta().length / total, m = to - from;
        double[] beta = new double[splits * m];
        for (int k = 0; k < splits; k++) System.arraycopy(w.beta(), k * total + from, beta, k * m, m);
        return new BetaCrown.WarmStart(alpha, beta);
    }

    /** The box corner minimising row r's linear bound, if the network's output there is unsafe and the re-check confirms it. */
    private Optional<Counterexample> tryCorner(VnnlibProperty property, int caseIndex, Case c, Interval box, double[] coeff, int r) {
        double[] x = DisjunctRows.minimisingCorner(coeff, r, box.lower(), box.upper());
        double[] y = Forward.evaluate(net, new Tensor(x.clone(), net.inputShape().dims())).data();
        if (!c.isUnsafeOutput(y)) return Optional.empty();
        return Counterexamples.confirm(net, property, caseIndex, x);
    }
}
