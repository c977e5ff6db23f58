package dev.verity.bab;

import dev.verity.attack.Counterexample;
import dev.verity.attack.Counterexamples;
import dev.verity.attack.Pgd;
import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.InputLinearBound;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Tensor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * Input-splitting branch and bound: the complete method for networks with few inputs (ACAS Xu: 5), the way nnenum,
 * Marabou's splitting mode and α,β-CROWN decide such instances. A domain is a sub-box of one case's input box with
 * the unsafe disjuncts not yet excluded on it. Each domain is bounded by a back-substitution method (CROWN by
 * default), its pre-activation bounds intersected with its parent's and its margins floored at its parent's (both
 * valid on any sub-box), so bounds only tighten down the tree; a disjunct excluded on a box stays excluded on its
 * halves. The hardest domain (smallest margin) is split first, in half, on the dimension with the largest smear
 * {@code max|∂_j row| × (u_j − l_j)} of the rows that come closest to excluding its disjuncts, the gradient enclosed by
 * interval arithmetic over the domain ({@link GradientSmear}, ReluVal's input-split score; {@code |a_j|·(u_j − l_j)}
 * for the rows' linear bound {@code a·x + b} on networks it does not cover), unless that split makes too little
 * progress and another of the {@link BabOptions#lookahead()} best-scored dimensions makes much more ({@link #ACCEPT};
 * by default no other is tried). Every new domain's
 * centre and the box corner that minimises each open disjunct's linear bound are tried as counterexamples, and the
 * hardest domains are attacked by PGD inside their box ({@link #attackNow}); a point is reported only
 * after {@link Counterexamples#confirm} re-checks it in double and float32.
 *
 * <p>Each bounded box is first clipped to where its open disjuncts' unsafe points can lie by their rows' linear bounds
 * ({@link InputClipping}, {@link BabOptions#clip()}; not when a proof is recorded, whose tree covers by splits only): on
 * ACAS Xu 1_1 prop_5 9,153 → 4,283 domains, prop_3 7,331 → 6,567.
 *
 * <p>The proof is as sound as the bound method: every leaf's margin must clear the caller's tolerance
 * ({@link Certifier}), and the leaves cover the box (each split keeps both closed halves; a clipped-off part holds no
 * point of an open disjunct).
 */
public final class InputSplit {
    private final Network net;
    private final BoundEngine engine;
    private final BabOptions options;
    private final Certifier certifier;
    private final Optional<GradientSmear> smear;

    public InputSplit(BoundEngine engine, BabOptions options, Certifier certifier) {
        this.net = engine.network();
        this.engine = engine;
        this.options = options;
        this.certifier = certifier;
        this.smear = GradientSmear.of(net);
    }

    /**
     * A dimension narrower than this fraction of the case's box is not split further; a domain with no other is "too
     * small" and left undecided. Without it a margin just below the tolerance (a property that holds by 1e-12) is split
     * towards the resolution of double — millions of domains in 30 s — and the stages after input splitting never run.
     * 1e-9 was too coarse: ACAS Xu 3_3 prop_2's proof cuts its last three domains to below 1e-9 of the box in every
     * input (their margins 1.2e-9, then proven by one more split each).
     */
    static final double MIN_WIDTH = 1e-12;

    /** The inputs at most which input splitting is the default complete method (more would need too many domains). */
    public static final int MAX_INPUTS = 16;

    /*
     * Which split. The smear score alone (split the dimension with the largest |a_j|·width_j) can keep halving a dimension
     * the network is steep in while the bound needs another one cut: on ACAS Xu 1_1 prop_2 it bounds 127,000 domains in
     * 60 s without a proof, slivers of x_1 near 0. Trying every dimension and keeping the best split (a full lookahead)
     * proves that in about 1,500 domains, but fails the other way on 1_1 prop_5, where halving the steep, narrow
     * dimensions gains nothing at first and is what proves it later (smear: 9,300 domains; lookahead: over 500,000).
     * So: smear first; its split is kept when it closes at least ACCEPT of the gap (the halves' combined shortfall
     * against twice the parent's, i.e. against no progress); otherwise the other dimensions are tried in smear order,
     * and one of them replaces the smear split only if it closes at least OVERRIDE. Tuned on four ACAS Xu instances
     * (1_1 prop_2, prop_5, prop_6; 1_3 prop_2): 733, 9,153, 8,332 and 857 domains; see docs/results/vnncomp.md.
     * That score was the final linear bound's |a_j|, in which a dimension's paths can cancel (GradientSmear); with the
     * gradient interval instead, the smear alone takes 549, 3,595, 5,570 and 697 domains on those four and proves
     * 3_3 prop_2 given 400 s (no lookahead did), so the lookahead is off by default (BabOptions#defaults), kept as an option.
     */
    static final double ACCEPT = 0.3, OVERRIDE = 0.6;

    /*
     * Attacking domains. The centre and bound-minimising corners find the counterexamples that sit at a box's corners
     * (most of ACAS Xu's), not one in a small pocket inside: VNN-COMP 2022 vdp_6 (3 inputs) is unsafe only where
     * |y_1|, |y_2| <= 0.76 and y_0 >= 0.15 together, 3 in 200,000 uniform samples of its box, and PGD over the whole box
     * ends elsewhere. The queue brings the boxes whose bounds come closest to such a pocket first, so PGD restarted
     * inside the popped domain's box finds it once the box is small. Popped domains are attacked on a schedule,
     * counted in domains rather than seconds so that a run is repeatable (the seed is the pop's number).
     */
    static final int ATTACK_EVERY = 8, ATTACK_EARLY = 512, ATTACK_EVERY_LATER = 256;
    private static final int ATTACK_RESTARTS = 8, ATTACK_STEPS = 30;

    /**
     * Whether the {@code pop}-th popped domain is attacked: every {@link #ATTACK_EVERY}-th of the first
     * {@link #ATTACK_EARLY}, then every {@link #ATTACK_EVERY_LATER}-th. Pockets like vdp_6's are found early, when the
     * boxes the queue brings first get small (there at the 88th pop, 179 domains). Attacking every 4th domain throughout
     * made long proofs 2–3× slower in a fresh JVM (ACAS Xu 1_1 prop_5, 9,153 domains: 12 → 33 s); with this schedule a
     * sweep of 40 ACAS Xu instances in one JVM takes as long as without attacks (46–47 s against 48.8 s).
     */
    static boolean attackNow(long pop) {
        return pop < ATTACK_EARLY ? pop % ATTACK_EVERY == 0 : pop % ATTACK_EVERY_LATER == 0;
    }

    /**
     * The fraction of the gap a split closes: 1 when both halves are proven, 0 when each falls as far short as the
     * parent (margins are floored at the parent's, so never below 0); 1 for a parent that fell short of nothing.
     */
    private static double gain(double parentShortfall, Bounded[] halves) {
        if (parentShortfall == 0) return 1;
        return 1 - (halves[0].shortfall() + halves[1].shortfall()) / (2 * parentShortfall);
    }

    /** Why input splitting does not suit the network, or empty. */
    public static Optional<String> unsuited(Network net) {
        int n = net.inputShape().numel();
        return n > MAX_INPUTS ? Optional.of(n + " inputs > " + MAX_INPUTS + " (input splitting needs few)") : Optional.empty();
    }

    /**
     * A domain waiting in the queue: its box, the disjuncts (indices into the case) still open with their margins, the
     * parent's bounds, and the dimensions worth splitting, best first by the smear score (empty: nothing left to split).
     * {@code margin}, the smallest of {@code margins}, is kept because the queue compares it.
     */
    private record Domain(double[] lo, double[] hi, int[] open, double[] margins, Map<Integer, Interval> pre, double margin,
                          int depth, int[] dims, ProofRecorder.Box proof) {
        /** As {@link Bounded#shortfall}: the sum of the open disjuncts' negative margins. */
        double shortfall() {
            double sum = 0;
            for (double m : margins) sum += Math.min(m, 0);
            return sum;
        }
    }

    /**
     * A bounded box: per open disjunct its margin, whether it is excluded, the row that gave the margin, and the weights
     * of a combination of rows that excluded it (null: none did).
     */
    private record Bounded(double[] lo, double[] hi, int[] open, double[] margins, boolean[] excluded, int[] bestRow,
                           double[][] weights, InputLinearBound lin) {
        int[] stillOpen() {
            int c = 0;
            for (boolean e : excluded) if (!e) c++;
            int[] r = new int[c];
            for (int i = 0, k = 0; i < open.length; i++) if (!excluded[i]) r[k++] = open[i];
            return r;
        }

        /** The margins of the disjuncts still open, in the order of {@link #stillOpen}. */
        double[] openMargins() {
            double[] r = new double[open.length];
            int k = 0;
            for (int i = 0; i < open.length; i++) if (!excluded[i]) r[k++] = margins[i];
            return Arrays.copyOf(r, k);
        }

        /** How far the open disjuncts are from being excluded: the sum of their negative margins (0 when none is open). */
        double shortfall() {
            double sum = 0;
            for (int i = 0; i < open.length; i++) if (!excluded[i]) sum += Math.min(margins[i], 0);
            return sum;
        }

        double worstMargin() {
            double m = Double.POSITIVE_INFINITY;
            for (int i = 0; i < open.length; i++) if (!excluded[i] && !(margins[i] >= m)) m = margins[i];
            return m;
        }
    }

    /**
     * Decides the listed disjuncts of case {@code caseIndex} within {@code deadlineNanos} (the {@link System#nanoTime}
     * clock); stops early, undecided, when the thread is interrupted.
     */
    public Outcome decide(VnnlibProperty property, int caseIndex, List<Integer> disjuncts, long deadlineNanos) {
        return decide(property, caseIndex, disjuncts, deadlineNanos, null);
    }

    /**
     * As {@link #decide(VnnlibProperty, int, List, long)}, recording the proof tree into {@code recorder} (null: none):
     * each box's split and the disjuncts excluded on it, with the row and bound that excluded them.
     */
    public Outcome decide(VnnlibProperty property, int caseIndex, List<Integer> disjuncts, long deadlineNanos, ProofRecorder recorder) {
        Case c = property.cases().get(caseIndex);
        int n = c.input().dimension();
        double[] rootLo = c.input().lower(), rootHi = c.input().upper();
        int[] open = disjuncts.stream().mapToInt(Integer::intValue).toArray();
        long domains = 0;
        int maxDepth = 0;
        // Disjuncts without rows accept every output: any point of the box is a counterexample.
        for (int j : open) {
            if (c.unsafe().get(j).rows().isEmpty()) {
                Optional<Counterexample> ce = Counterexamples.confirm(net, property, caseIndex, c.input().center());
                if (ce.isPresent()) return new Outcome.Refuted(ce.get(), 0);
            }
        }
        PriorityQueue<Domain> queue = new PriorityQueue<>((a, b) -> Double.compare(a.margin(), b.margin()));
        double[] none = new double[open.length];
        Arrays.fill(none, Double.NEGATIVE_INFINITY);
        // Clipping shrinks boxes by the linear bounds; a recorded proof keeps whole halves (the checker's tree covers by splits only).
        boolean clip = options.clip() && recorder == null;
        Bounded root = bound(c, rootLo, rootHi, open, none, Map.of(), clip);
        domains++;
        Optional<Counterexample> ce = check(property, caseIndex, c, candidates(root));
        if (ce.isPresent()) return new Outcome.Refuted(ce.get(), domains);
        int[] rootOpen = root.stillOpen();
        ProofRecorder.Box rootProof = recorder == null ? null : recorder.root();
        record(rootProof, c, root);
        if (rootOpen.length == 0) return new Outcome.Proven(domains, 0);
        long perDomainBytes = 64L + 16L * n + 16L * root.lin().intermediate().values().stream().mapToLong(Interval::size).sum();
        long maxQueued = Math.max(16, options.maxBytes() / perDomainBytes);
        queue.add(new Domain(rootLo, rootHi, rootOpen, root.openMargins(), root.lin().intermediate(), root.worstMargin(), 0, splitDimensions(c, root), rootProof));
        int tooSmall = 0;
        double tooSmallMargin = Double.POSITIVE_INFINITY;
        long pops = 0;
        while (!queue.isEmpty()) {
            if (System.nanoTime() - deadlineNanos >= 0 || Thread.currentThread().isInterrupted())
                return undecided("the deadline", domains, queue, tooSmall, tooSmallMargin);
            if (queue.size() > maxQueued)
                return undecided("the memory limit (" + queue.size() + " domains queued)", domains, queue, tooSmall, tooSmallMargin);
            Domain d = queue.poll();
            if (attackNow(pops++)) {
                ce = attack(property, caseIndex, c, d, pops, deadlineNanos);
                if (ce.isPresent()) return new Outcome.Refuted(ce.get(), domains);
            }
            if (d.dims().length == 0) { // nothing left to split: a point, or widths below the resolution of double
                tooSmall++;
                tooSmallMargin = Math.min(tooSmallMargin, d.margin());
                continue;
            }
            // Look ahead (see ACCEPT, OVERRIDE): the smear-best dimension first, the others only while no split has
            // made progress enough.
            Bounded[] first = null, best = null;
            double bestGain = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < Math.min(options.lookahead(), d.dims().length); t++) {
                int dim = d.dims()[t];
                double mid = 0.5 * d.lo()[dim] + 0.5 * d.hi()[dim];
                Bounded[] halves = new Bounded[2];
                for (int half = 0; half < 2; half++) {
                    double[] lo = d.lo().clone(), hi = d.hi().clone();
                    if (half == 0) hi[dim] = mid; else lo[dim] = mid;
                    halves[half] = bound(c, lo, hi, d.open(), d.margins(), d.pre(), clip);
                    domains++;
                    if (halves[half].stillOpen().length > 0) { // a proven box holds no counterexample
                        ce = check(property, caseIndex, c, candidates(halves[half]));
                        if (ce.isPresent()) return new Outcome.Refuted(ce.get(), domains);
                    }
                }
                double gain = gain(d.shortfall(), halves);
                if (first == null) first = halves;
                if (gain > bestGain) { best = halves; bestGain = gain; }
                if (gain >= ACCEPT) break;
            }
            if (bestGain < OVERRIDE) best = first;
            ProofRecorder.Box[] halvesProof = {null, null};
            if (d.proof() != null) {
                int dim = splitDimension(d, best[0]);
                halvesProof = d.proof().split(dim, best[0].hi()[dim]);
                record(halvesProof[0], c, best[0]);
                record(halvesProof[1], c, best[1]);
            }
            for (int h = 0; h < 2; h++) {
                Bounded b = best[h];
                int[] left = b.stillOpen();
                if (left.length == 0) continue;
                maxDepth = Math.max(maxDepth, d.depth() + 1);
                queue.add(new Domain(b.lo(), b.hi(), left, b.openMargins(), b.lin().intermediate(), b.worstMargin(), d.depth() + 1, splitDimensions(c, b), halvesProof[h]));
            }
        }
        if (tooSmall > 0)
            return new Outcome.Undecided(tooSmall + " domain(s) too small to split", domains, tooSmall, tooSmallMargin);
        return new Outcome.Proven(domains, maxDepth);
    }

    /** The dimension a domain was split on into {@code low} (its lower half): the one whose upper end moved. */
    private static int splitDimension(Domain d, Bounded low) {
        for (int j = 0; j < d.hi().length; j++) if (low.hi()[j] != d.hi()[j]) return j;
        throw new IllegalStateException("a split that changed no dimension");
    }

    /** Records on {@code box} the disjuncts {@code b} excluded, each with its best row's bound (a little lowered: the checker rounds rigorously). */
    private static void record(ProofRecorder.Box box, Case c, Bounded b) {
        if (box == null) return;
        DisjunctRows rows = DisjunctRows.of(c, b.open());
        double[] lower = b.lin().lower();
        for (int i = 0; i < b.open().length; i++) {
            if (!b.excluded()[i]) continue;
            if (b.weights()[i] != null) { // no single row did it: the combination's value is the margin
                box.excludedByCombination(b.open()[i], b.weights()[i], b.margins()[i]);
                continue;
            }
            int best = -1;
            for (int r = rows.rowStart()[i]; r < rows.rowStart()[i + 1]; r++) if (best < 0 || lower[r] > lower[best]) best = r;
            box.excluded(b.open()[i], best - rows.rowStart()[i], lower[best]);
        }
    }

    private static Outcome.Undecided undecided(String why, long domains, PriorityQueue<Domain> queue, int tooSmall, double tooSmallMargin) {
        double worst = tooSmallMargin;
        for (Domain d : queue) worst = Math.min(worst, d.margin());
        return new Outcome.Undecided(why, domains, queue.size() + tooSmall, worst);
    }

    /**
     * Bounds the rows of the open disjuncts over {@code [lo, hi]}, using {@code known} pre-activation bounds. Each margin is
     * at least its {@code floor} (the parent's: valid on any sub-box), so a half is never reported worse than its parent
     * even where the adaptive relaxation picks a worse line on the smaller box. With {@code clip}, the returned box is
     * the part of {@code [lo, hi]} where the open disjuncts' unsafe points can lie ({@link InputClipping}).
     */
    private Bounded bound(Case c, double[] lo, double[] hi, int[] open, double[] floor, Map<Integer, Interval> known, boolean clip) {
        DisjunctRows rows = DisjunctRows.of(c, open);
        InputLinearBound lin = engine.linearLower(options.method(), new Interval(lo, hi), rows.objective(net.outputShape().numel()), known);
        double[] base = new double[lin.bias().length];
        for (int r = 0; r < base.length; r++) base[r] = Math.abs(lin.bias()[r]);
        DisjunctRows.Judged j = rows.judge(lin.lower(), lin.bias(), base, lin.coeff().data(), lo, hi, floor, certifier);
        if (clip) {
            Optional<double[][]> clipped = InputClipping.clip(lo, hi, rows, j.excluded(), lin.coeff().data(), lin.bias());
            if (clipped.isPresent()) return new Bounded(clipped.get()[0], clipped.get()[1], open, j.margin(), j.excluded(), j.bestRow(), j.weights(), lin);
        }
        return new Bounded(lo, hi, open, j.margin(), j.excluded(), j.bestRow(), j.weights(), lin);
    }

    /**
     * The dimensions whose midpoint lies strictly inside the box, by decreasing score: the sum over the open disjuncts'
     * best rows of ReluVal's smear {@code max|∂_j row| × width_j} ({@link GradientSmear}) where the network allows it,
     * else of {@code |a_j|·width_j} for the row's linear bound {@code a·x + b}. Dimensions with score 0 come last, widest
     * first.
     */
    private int[] splitDimensions(Case c, Bounded b) {
        int n = b.lo().length, outputs = net.outputShape().numel();
        double[] coeff = b.lin().coeff().data();
        double[] score = new double[n];
        double[] rowsC = smear.isPresent() ? DisjunctRows.of(c, b.open()).objective(outputs).c().data() : null;
        for (int i = 0; i < b.open().length; i++) {
            if (b.excluded()[i] || b.bestRow()[i] < 0) continue;
            int r = b.bestRow()[i];
            if (rowsC != null)
                smear.get().addScore(Arrays.copyOfRange(rowsC, r * outputs, (r + 1) * outputs), b.lin().intermediate(), b.lo(), b.hi(), score);
            else
                for (int j = 0; j < n; j++) score[j] += Math.abs(coeff[r * n + j]) * (b.hi()[j] - b.lo()[j]);
        }
        List<Integer> dims = new ArrayList<>();
        double[] rootLo = c.input().lower(), rootHi = c.input().upper();
        for (int j = 0; j < n; j++) {
            double mid = 0.5 * b.lo()[j] + 0.5 * b.hi()[j];
            if (mid > b.lo()[j] && mid < b.hi()[j] && b.hi()[j] - b.lo()[j] >= MIN_WIDTH * (rootHi[j] - rootLo[j])) dims.add(j);
        }
        dims.sort((x, y) -> score[x] != score[y] ? Double.compare(score[y], score[x])
                : Double.compare(b.hi()[y] - b.lo()[y], b.hi()[x] - b.lo()[x]));
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    /** PGD restarted inside the domain's box (the case's disjuncts, other boxes' seeds); the point re-confirmed on the property. */
    private Optional<Counterexample> attack(VnnlibProperty property, int caseIndex, Case c, Domain d, long seed, long deadlineNanos) {
        VnnlibProperty inside = new VnnlibProperty(property.inputCount(), property.outputCount(),
                List.of(new Case(new Box(d.lo(), d.hi()), c.unsafe())));
        long leftMillis = Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
        PgdOptions o = PgdOptions.defaults().withRestarts(ATTACK_RESTARTS).withSteps(ATTACK_STEPS).withSeed(seed)
                .withBatchSize(ATTACK_RESTARTS).withDeadline(Instant.now().plusMillis(leftMillis));
        return Pgd.attack(net, inside, o).counterexample()
                .flatMap(found -> Counterexamples.confirm(net, property, caseIndex, found.input()));
    }

    /**
     * The box's centre and, per open disjunct, the corner minimising its best row's linear bound: a new domain's
     * counterexample candidates, run only while it has open disjuncts (a proven half holds none: on ACAS Xu 3_3 prop_2
     * skipping them and their forward passes bounds about 25 % more domains in the same time).
     */
    private static List<double[]> candidates(Bounded b) {
        List<double[]> points = new ArrayList<>();
        double[] centre = new double[b.lo().length];
        for (int j = 0; j < centre.length; j++) centre[j] = 0.5 * b.lo()[j] + 0.5 * b.hi()[j];
        points.add(centre);
        for (int i = 0; i < b.open().length; i++) {
            if (b.excluded()[i] || b.bestRow()[i] < 0) continue;
            double[] corner = DisjunctRows.minimisingCorner(b.lin().coeff().data(), b.bestRow()[i], b.lo(), b.hi());
            if (points.stream().noneMatch(p -> Arrays.equals(p, corner))) points.add(corner);
        }
        return points;
    }

    /** The first of {@code points} that the property's confirmation accepts as a counterexample. */
    private Optional<Counterexample> check(VnnlibProperty property, int caseIndex, Case c, List<double[]> points) {
        for (double[] x : points) {
            double[] y = Forward.evaluate(net, new Tensor(x.clone(), net.inputShape().dims())).data();
            if (!c.isUnsafeOutput(y)) continue;
            Optional<Counterexample> ce = Counterexamples.confirm(net, property, caseIndex, x);
            if (ce.isPresent()) return ce;
        }
        return Optional.empty();
    }
}
