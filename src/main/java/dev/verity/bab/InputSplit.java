package dev.verity.bab;

import dev.verity.attack.Counterexample;
import dev.verity.attack.Counterexamples;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.InputLinearBound;
import dev.verity.bounds.Interval;
import dev.verity.bounds.Objective;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.spec.Case;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Tensor;

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
 * default), its pre-activation bounds intersected with its parent's (valid on any sub-box), so bounds only tighten
 * down the tree; a disjunct excluded on a box stays excluded on its halves. The hardest domain (smallest margin)
 * is split first, on the dimension with the largest {@code |a_j|·(u_j − l_j)} for the linear bound {@code a·x + b} of
 * the rows that come closest to excluding its disjuncts ("smear", the input-split heuristic of nnenum and Marabou),
 * in half. Every new domain's centre and the box corner that minimises each open disjunct's linear bound are tried as
 * counterexamples; one is reported only after {@link Counterexamples#confirm} re-checks it in double and float32.
 *
 * <p>The proof is as sound as the bound method: every leaf's margin must clear the caller's tolerance
 * ({@link Certifier}), and the leaves cover the box (each split keeps both closed halves).
 */
public final class InputSplit {
    private final Network net;
    private final BoundEngine engine;
    private final BabOptions options;
    private final Certifier certifier;

    /** Whether a computed margin lower bound counts as positive, given the magnitude of the terms it was summed from. */
    @FunctionalInterface
    public interface Certifier {
        boolean certified(double lower, double magnitude);
    }

    /** The result for one case. */
    public sealed interface Outcome {
        /** Domains bounded (the root included). */
        long domains();
    }

    /** Every open disjunct is excluded on every leaf. */
    public record Proven(long domains, int maxDepth) implements Outcome {}

    /** A confirmed counterexample. */
    public record Refuted(Counterexample counterexample, long domains) implements Outcome {}

    /**
     * Neither, when the run stopped: {@code why} says at what (the deadline, the memory limit, a domain too small to split).
     *
     * @param worstMargin the smallest margin lower bound over the domains still open
     * @param openDomains domains left unproven
     */
    public record Undecided(String why, long domains, int openDomains, double worstMargin) implements Outcome {}

    public InputSplit(BoundEngine engine, BabOptions options, Certifier certifier) {
        this.net = engine.network();
        this.engine = engine;
        this.options = options;
        this.certifier = certifier;
    }

    /** The inputs at most which input splitting is the default complete method (more would need too many domains). */
    public static final int MAX_INPUTS = 16;

    /** Why input splitting does not suit the network, or empty. */
    public static Optional<String> unsuited(Network net) {
        int n = net.inputShape().numel();
        return n > MAX_INPUTS ? Optional.of(n + " inputs > " + MAX_INPUTS + " (input splitting needs few)") : Optional.empty();
    }

    /** A domain waiting in the queue: its box, the disjuncts (indices into the case) still open, the parent's bounds. */
    private record Domain(double[] lo, double[] hi, int[] open, Map<Integer, Interval> pre, double margin, int depth, int splitDim) {}

    /** A bounded box: per open disjunct its margin, whether it is excluded, and the row that gave the margin. */
    private record Bounded(double[] lo, double[] hi, int[] open, double[] margins, boolean[] excluded, int[] bestRow,
                           InputLinearBound lin) {
        int[] stillOpen() {
            int c = 0;
            for (boolean e : excluded) if (!e) c++;
            int[] r = new int[c];
            for (int i = 0, k = 0; i < open.length; i++) if (!excluded[i]) r[k++] = open[i];
            return r;
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
                if (ce.isPresent()) return new Refuted(ce.get(), 0);
            }
        }
        PriorityQueue<Domain> queue = new PriorityQueue<>((a, b) -> Double.compare(a.margin(), b.margin()));
        Bounded root = bound(c, rootLo, rootHi, open, Map.of());
        domains++;
        Optional<Counterexample> ce = tryCandidates(property, caseIndex, c, root);
        if (ce.isPresent()) return new Refuted(ce.get(), domains);
        int[] rootOpen = root.stillOpen();
        if (rootOpen.length == 0) return new Proven(domains, 0);
        long perDomainBytes = 64L + 16L * n + 16L * root.lin().intermediate().values().stream().mapToLong(Interval::size).sum();
        long maxQueued = Math.max(16, options.maxBytes() / perDomainBytes);
        queue.add(new Domain(rootLo, rootHi, rootOpen, root.lin().intermediate(), root.worstMargin(), 0, splitDimension(root)));
        int tooSmall = 0;
        double tooSmallMargin = Double.POSITIVE_INFINITY;
        while (!queue.isEmpty()) {
            if (System.nanoTime() - deadlineNanos >= 0 || Thread.currentThread().isInterrupted())
                return undecided("the deadline", domains, queue, tooSmall, tooSmallMargin);
            if (queue.size() > maxQueued)
                return undecided("the memory limit (" + queue.size() + " domains queued)", domains, queue, tooSmall, tooSmallMargin);
            Domain d = queue.poll();
            int dim = d.splitDim();
            if (dim < 0) { // nothing left to split: a point, or widths below the resolution of double
                tooSmall++;
                tooSmallMargin = Math.min(tooSmallMargin, d.margin());
                continue;
            }
            double mid = 0.5 * d.lo()[dim] + 0.5 * d.hi()[dim];
            for (int half = 0; half < 2; half++) {
                double[] lo = d.lo().clone(), hi = d.hi().clone();
                if (half == 0) hi[dim] = mid; else lo[dim] = mid;
                Bounded b = bound(c, lo, hi, d.open(), d.pre());
                domains++;
                ce = tryCandidates(property, caseIndex, c, b);
                if (ce.isPresent()) return new Refuted(ce.get(), domains);
                int[] left = b.stillOpen();
                if (left.length == 0) continue;
                maxDepth = Math.max(maxDepth, d.depth() + 1);
                queue.add(new Domain(lo, hi, left, b.lin().intermediate(), b.worstMargin(), d.depth() + 1, splitDimension(b)));
            }
        }
        if (tooSmall > 0)
            return new Undecided(tooSmall + " domain(s) too small to split", domains, tooSmall, tooSmallMargin);
        return new Proven(domains, maxDepth);
    }

    private static Undecided undecided(String why, long domains, PriorityQueue<Domain> queue, int tooSmall, double tooSmallMargin) {
        double worst = tooSmallMargin;
        for (Domain d : queue) worst = Math.min(worst, d.margin());
        return new Undecided(why, domains, queue.size() + tooSmall, worst);
    }

    /** Bounds the rows of the open disjuncts over {@code [lo, hi]}, using {@code known} pre-activation bounds. */
    private Bounded bound(Case c, double[] lo, double[] hi, int[] open, Map<Integer, Interval> known) {
        int outputs = net.outputShape().numel();
        List<LinearConstraint> rows = new ArrayList<>();
        int[] rowStart = new int[open.length + 1];
        for (int i = 0; i < open.length; i++) {
            rowStart[i] = rows.size();
            rows.addAll(c.unsafe().get(open[i]).rows());
        }
        rowStart[open.length] = rows.size();
        Interval box = new Interval(lo, hi);
        InputLinearBound lin = engine.linearLower(options.method(), box, Objective.of(rows, outputs), known);
        double[] margins = new double[open.length];
        boolean[] excluded = new boolean[open.length];
        int[] bestRow = new int[open.length];
        int n = lo.length;
        double[] coeff = lin.coeff().data();
        for (int i = 0; i < open.length; i++) {
            double m = Double.NEGATIVE_INFINITY;
            bestRow[i] = -1;
            for (int r = rowStart[i]; r < rowStart[i + 1]; r++) {
                double l = lin.lower()[r];
                if (!(l <= m)) { m = l; bestRow[i] = r; }
                // The tolerance scales with the terms the bound was summed from: |a|·max(|l|, |u|) over the input, |b|.
                double magnitude = Math.abs(lin.bias()[r]);
                for (int j = 0; j < n; j++) magnitude += Math.abs(coeff[r * n + j]) * Math.max(Math.abs(lo[j]), Math.abs(hi[j]));
                excluded[i] |= certifier.certified(l, magnitude);
            }
            margins[i] = m;
        }
        return new Bounded(lo, hi, open, margins, excluded, bestRow, lin);
    }

    /**
     * The split dimension: the largest {@code |a_j|·width_j} summed over the open disjuncts' best rows, among the
     * dimensions whose midpoint lies strictly inside; -1 when no dimension can be split.
     */
    private static int splitDimension(Bounded b) {
        int n = b.lo().length;
        double[] coeff = b.lin().coeff().data();
        double[] score = new double[n];
        for (int i = 0; i < b.open().length; i++) {
            if (b.excluded()[i] || b.bestRow()[i] < 0) continue;
            int r = b.bestRow()[i];
            for (int j = 0; j < n; j++) score[j] += Math.abs(coeff[r * n + j]) * (b.hi()[j] - b.lo()[j]);
        }
        int best = -1, widest = -1;
        for (int j = 0; j < n; j++) {
            double mid = 0.5 * b.lo()[j] + 0.5 * b.hi()[j];
            if (!(mid > b.lo()[j] && mid < b.hi()[j])) continue;
            if (best < 0 || score[j] > score[best]) best = j;
            if (widest < 0 || b.hi()[j] - b.lo()[j] > b.hi()[widest] - b.lo()[widest]) widest = j;
        }
        // A zero score (the bound ignores every splittable input) says nothing: split the widest instead.
        return best >= 0 && score[best] > 0 ? best : widest;
    }

    /** The box's centre and, per open disjunct, the corner minimising its best row's linear bound. */
    private Optional<Counterexample> tryCandidates(VnnlibProperty property, int caseIndex, Case c, Bounded b) {
        List<double[]> points = new ArrayList<>();
        double[] centre = new double[b.lo().length];
        for (int j = 0; j < centre.length; j++) centre[j] = 0.5 * b.lo()[j] + 0.5 * b.hi()[j];
        points.add(centre);
        for (int i = 0; i < b.open().length; i++) {
            if (b.excluded()[i] || b.bestRow()[i] < 0) continue;
            double[] corner = b.lin().minimisingCorner(b.bestRow()[i], b.lo(), b.hi());
            if (points.stream().noneMatch(p -> Arrays.equals(p, corner))) points.add(corner);
        }
        for (double[] x : points) {
            double[] y = Forward.evaluate(net, new Tensor(x.clone(), net.inputShape().dims())).data();
            if (!c.isUnsafeOutput(y)) continue;
            Optional<Counterexample> ce = Counterexamples.confirm(net, property, caseIndex, x);
            if (ce.isPresent()) return ce;
        }
        return Optional.empty();
    }
}
