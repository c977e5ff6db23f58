package dev.verity.check;

import dev.verity.model.Network;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Re-checks a {@link Certificate} against the model and the property: the hashes name these bytes, every case has a
 * proof, every tree's splits stay inside their boxes (so the leaves cover the case's box), and every claimed exclusion
 * follows from the checker's own rigorous bounds ({@link RigorousCrown}). It uses neither the bound engine nor the
 * verifier; what it shares with them is the model loader and the VNN-LIB parser.
 */
public final class CertificateChecker {

    /** The verdict on a certificate: accepted, or the first reason it is not; boxes checked and the time it took. */
    public record Result(boolean accepted, String reason, long boxes, long nanos) { }

    private CertificateChecker() {}

    public static Result check(Network network, VnnlibProperty property, String modelSha256, String propertySha256, Certificate cert) {
        long t0 = System.nanoTime();
        long[] boxes = {0};
        try {
            if (!cert.modelSha256().equalsIgnoreCase(modelSha256))
                return reject("the certificate is for another model (sha256 " + cert.modelSha256() + ", this one " + modelSha256 + ")", boxes, t0);
            if (!cert.propertySha256().equalsIgnoreCase(propertySha256))
                return reject("the certificate is for another property (sha256 " + cert.propertySha256() + ", this one " + propertySha256 + ")", boxes, t0);
            if (!cert.missing().isEmpty())
                return reject("incomplete: " + cert.missing().size() + " disjunct(s) have no checkable proof, e.g. " + cert.missing().getFirst(), boxes, t0);
            ReluChain net = ReluChain.of(network);
            if (net.size(0) != property.inputCount() || net.size(net.layers()) != property.outputCount())
                return reject("the property's " + property.inputCount() + " inputs / " + property.outputCount()
                        + " outputs do not match the network's", boxes, t0);
            java.util.Map<Integer, List<Certificate.BoundSlopes>> caseBounds = new java.util.HashMap<>();
            for (Certificate.CaseBounds cb : cert.bounds())
                caseBounds.computeIfAbsent(cb.caseIndex(), x -> new java.util.ArrayList<>()).addAll(cb.slopes());
            java.util.Map<Integer, Set<Integer>> proven = new java.util.HashMap<>();
            for (Certificate.CaseProof proof : cert.cases()) {
                int k = proof.caseIndex();
                if (k < 0 || k >= property.cases().size()) return reject("case " + k + " is not in the property", boxes, t0);
                Case c = property.cases().get(k);
                boolean[] owed = new boolean[c.unsafe().size()];
                if (proof.disjuncts() == null) java.util.Arrays.fill(owed, true);
                else for (int j : proof.disjuncts()) {
                    if (j < 0 || j >= owed.length) return reject("case " + k + ": a proof for disjunct " + j + ", which is not in the case", boxes, t0);
                    owed[j] = true;
                }
                boolean[] excludedAbove = new boolean[owed.length];
                for (int j = 0; j < owed.length; j++) excludedAbove[j] = !owed[j];
                List<RigorousCrown.Tightening> tighten = List.of();
                if (proof.tightened()) {
                    if (!caseBounds.containsKey(k)) return reject("case " + k + ": a tightened proof without the case's bounds", boxes, t0);
                    tighten = tightenings(net, caseBounds.get(k));
                }
                String why = node(net, c, k, proof.root(), c.input().lower(), c.input().upper(), null, null, 0, List.of(), tighten,
                        excludedAbove, boxes);
                if (why != null) return reject(why, boxes, t0);
                Set<Integer> done = proven.computeIfAbsent(k, x -> new HashSet<>());
                for (int j = 0; j < owed.length; j++) if (owed[j]) done.add(j);
            }
            for (int k = 0; k < property.cases().size(); k++) {
                Set<Integer> done = proven.getOrDefault(k, Set.of());
                for (int j = 0; j < property.cases().get(k).unsafe().size(); j++)
                    if (!done.contains(j)) return reject("case " + k + (done.isEmpty() ? " has no proof" : ": disjunct " + j + " has no proof"), boxes, t0);
            }
            return new Result(true, "every disjunct of every case is excluded on a cover of its box", boxes[0], System.nanoTime() - t0);
        } catch (ReluChain.UnsupportedNetwork | Invalid e) {
            return reject(e.getMessage(), boxes, t0);
        } catch (ArithmeticException e) {
            return reject("arithmetic: " + e.getMessage(), boxes, t0);
        }
    }

    /** A certificate entry that cannot be read as what it claims to be (a slope outside [0, 1], a neuron that does not exist). */
    private static final class Invalid extends RuntimeException {
        Invalid(String message) { super(message, null, false, false); }
    }

    /** The case's tightening slopes as the checker's back-substitution choices, each checked for range. */
    private static List<RigorousCrown.Tightening> tightenings(ReluChain net, List<Certificate.BoundSlopes> slopes) {
        List<RigorousCrown.Tightening> out = new java.util.ArrayList<>();
        for (Certificate.BoundSlopes b : slopes) {
            if (b.block() < 1 || b.block() >= net.layers() || b.neuron() < 0 || b.neuron() >= net.size(b.block()))
                throw new Invalid("a tightened bound of neuron " + b.neuron() + " of block " + b.block() + ", which has no ReLU");
            for (int src : b.alpha().block())
                if (src >= b.block()) throw new Invalid("a tightened bound in block " + b.block() + " with a slope in block " + src + " (not before it)");
            out.add(new RigorousCrown.Tightening(b.block(), b.neuron(), b.upper(), new RigorousCrown.Duals(alpha(net, b.alpha()), null)));
        }
        return out;
    }

    /** Dense slopes per block (NaN: CROWN's adaptive slope) from a certificate's sparse ones. */
    private static double[][] alpha(ReluChain net, Certificate.Slopes a) {
        int layers = net.layers();
        double[][] alpha = new double[layers][];
        int[] block = a.block(), neuron = a.neuron();
        double[] value = a.value();
        for (int i = 0; i < block.length; i++) {
            int b = block[i];
            if (b < 1 || b >= layers || neuron[i] < 0 || neuron[i] >= net.size(b))
                throw new Invalid("a slope for neuron " + neuron[i] + " of block " + b + ", which has no ReLU");
            if (!(value[i] >= 0 && value[i] <= 1)) throw new Invalid("a slope " + value[i] + " outside [0, 1]");
            if (alpha[b] == null) {
                alpha[b] = new double[net.size(b)];
                java.util.Arrays.fill(alpha[b], Double.NaN);
            }
            alpha[b][neuron[i]] = value[i];
        }
        return alpha;
    }

    private static Result reject(String why, long[] boxes, long t0) {
        return new Result(false, why, boxes[0], System.nanoTime() - t0);
    }

    /**
     * Null when the subtree proves every disjunct of the case not yet excluded on the domain: the box [lo, hi] restricted
     * by the neuron splits {@code path}, with bounds of blocks 1..L−1 handed down from the parent ({@code knownLo/Hi},
     * those through block {@code unchangedThrough} kept as they are); otherwise why not.
     */
    private static String node(ReluChain net, Case c, int k, Certificate.Node node, double[] lo, double[] hi,
                               double[][] knownLo, double[][] knownHi, int unchangedThrough, List<RigorousCrown.Clamp> path,
                               List<RigorousCrown.Tightening> tighten, boolean[] excludedAbove, long[] boxes) {
        if (node == null) return "case " + k + ": a missing node";
        boxes[0]++;
        boolean[] excluded = excludedAbove.clone();
        RigorousCrown bounds = null;
        if (!node.excluded().isEmpty() || node.split() != null || node.empty())
            bounds = new RigorousCrown(net, lo, hi, knownLo, knownHi, unchangedThrough, path, tighten);
        if (node.empty()) {
            if (!node.excluded().isEmpty() || node.split() != null) return "case " + k + ": an empty node with exclusions or a split";
            return bounds.contradicts() ? null
                    : "case " + k + ": a domain claimed empty on box " + box(lo, hi) + " is not: no split of its path " + path + " contradicts its bounds";
        }
        for (Certificate.Exclusion e : node.excluded()) {
            String why = exclusion(net, c, k, e, bounds, path, lo, hi);
            if (why != null) return why;
            excluded[e.disjunct()] = true;
        }
        int layers = net.layers();
        double[][][] handed = node.split() == null ? null : handedDown(bounds, layers);
        switch (node.split()) {
            case null -> {
                for (int j = 0; j < excluded.length; j++)
                    if (!excluded[j]) return "case " + k + ": disjunct " + j + " is not excluded on the leaf box " + box(lo, hi) + (path.isEmpty() ? "" : " with splits " + path);
                return null;
            }
            case Certificate.Split s -> {
                if (s.dim() < 0 || s.dim() >= lo.length) return "case " + k + ": split on input " + s.dim() + " of " + lo.length;
                if (!(s.at() >= lo[s.dim()] && s.at() <= hi[s.dim()])) return "case " + k + ": split at " + s.at() + " outside the box on input " + s.dim();
                double[] lowHi = hi.clone(), highLo = lo.clone();
                lowHi[s.dim()] = s.at();
                highLo[s.dim()] = s.at();
                String why = node(net, c, k, s.low(), lo, lowHi, handed[0], handed[1], 0, path, List.of(), excluded, boxes);
                return why != null ? why : node(net, c, k, s.high(), highLo, hi, handed[0], handed[1], 0, path, List.of(), excluded, boxes);
            }
            case Certificate.NeuronSplit s -> {
                if (s.block() < 1 || s.block() >= layers) return "case " + k + ": a neuron split in block " + s.block() + " (blocks 1.." + (layers - 1) + " end in a ReLU)";
                if (s.neuron() < 0 || s.neuron() >= net.size(s.block())) return "case " + k + ": no neuron " + s.neuron() + " in block " + s.block();
                for (RigorousCrown.Clamp p : path)
                    if (p.block() == s.block() && p.neuron() == s.neuron()) return "case " + k + ": neuron " + s.neuron() + " of block " + s.block() + " split twice";
                for (boolean active : new boolean[] {false, true}) {
                    List<RigorousCrown.Clamp> below = new java.util.ArrayList<>(path);
                    below.add(new RigorousCrown.Clamp(s.block(), s.neuron(), active));
                    String why = node(net, c, k, active ? s.active() : s.inactive(), lo, hi, handed[0], handed[1], s.block(), List.copyOf(below),
                            List.of(), excluded, boxes);
                    if (why != null) return why;
                }
                return null;
            }
        }
    }

    /**
     * The bounds of blocks 1..L−1 a node hands to its children, {lower, upper} (index 0 unused). The children only read
     * them: {@link RigorousCrown} copies what it keeps.
     */
    private static double[][][] handedDown(RigorousCrown bounds, int layers) {
        double[][] l = new double[layers][], u = new double[layers][];
        for (int j = 1; j < layers; j++) { l[j] = bounds.lower(j); u[j] = bounds.upper(j); }
        return new double[][][] {l, u};
    }

    /** Null when exclusion {@code e} follows from the domain's bounds; otherwise why not. */
    private static String exclusion(ReluChain net, Case c, int k, Certificate.Exclusion e, RigorousCrown bounds,
                                    List<RigorousCrown.Clamp> path, double[] lo, double[] hi) {
        if (e.disjunct() < 0 || e.disjunct() >= c.unsafe().size()) return "case " + k + ": no disjunct " + e.disjunct();
        Disjunct d = c.unsafe().get(e.disjunct());
        String at = "case " + k + " disjunct " + e.disjunct();
        double[] w = e.weights();
        if (w == null && (e.row() < 0 || e.row() >= d.rows().size())) return at + ": no row " + e.row();
        if (w != null && (e.row() != -1 || w.length != d.rows().size()))
            return at + ": " + w.length + " weights for " + d.rows().size() + " rows (and row must be -1)";
        if (!(e.bound() > 0)) return at + ": a claimed bound " + e.bound() + " excludes nothing";
        if (w != null && (e.alpha() != null || e.beta() != null)) return at + ": slopes or multipliers with a combination of rows";
        double checked;
        if (w == null) {
            RigorousCrown.Duals duals;
            try {
                duals = duals(net, e, path);
            } catch (Invalid x) {
                return at + ": " + x.getMessage();
            }
            LinearConstraint row = d.rows().get(e.row());
            checked = bounds.outputRowLower(row.c(), row.d(), duals);
        } else {
            for (double x : w)
                if (!(x >= 0) || !Double.isFinite(x)) return at + ": a weight " + x + " is not finite and >= 0";
            checked = combinationLower(bounds, d, w);
        }
        if (!(checked >= e.bound()))
            return at + (w == null ? " row " + e.row() : " combination of rows") + " on box " + box(lo, hi)
                    + (path.isEmpty() ? "" : " with splits " + path) + ": claimed bound " + e.bound() + ", but the checker's is " + checked;
        return null;
    }

    /** The exclusion's slopes and split multipliers as back-substitution choices ({@link Invalid} when out of range). */
    private static RigorousCrown.Duals duals(ReluChain net, Certificate.Exclusion e, List<RigorousCrown.Clamp> path) {
        double[][] alpha = e.alpha() == null ? null : alpha(net, e.alpha()), shift = null;
        double[] beta = e.beta();
        if (beta != null) {
            if (beta.length != path.size()) throw new Invalid(beta.length + " split multipliers for a path of " + path.size() + " splits");
            shift = new double[net.layers()][];
            for (int i = 0; i < beta.length; i++) {
                if (!(beta[i] >= 0) || !Double.isFinite(beta[i])) throw new Invalid("a split multiplier " + beta[i] + " is not finite and >= 0");
                RigorousCrown.Clamp p = path.get(i);
                if (shift[p.block()] == null) shift[p.block()] = new double[net.size(p.block())];
                shift[p.block()][p.neuron()] = p.active() ? -beta[i] : beta[i];
            }
        }
        return new RigorousCrown.Duals(alpha, shift);
    }

    /**
     * A number certainly at most {@code min Σ_r w_r·(c_r·y + d_r)} over the box: the combined row {@code c = Σ w_r c_r},
     * {@code d = Σ w_r d_r} is formed in floating point, bounded by {@link RigorousCrown#outputRowLower}, and lowered by
     * what forming it may have lost: per output, γ_{R+1}·Σ_r |w_r c_rj| times the largest |y_j| on the box (and the same
     * for d). If every row were ≤ 0 at some point of the box, the exact combination would be ≤ 0 there.
     */
    private static double combinationLower(RigorousCrown bounds, Disjunct d, double[] w) {
        int m = d.rows().getFirst().c().length, rows = w.length;
        double[] c = new double[m], err = new double[m];
        double dd = 0, dAbs = 0;
        for (int r = 0; r < rows; r++) {
            LinearConstraint row = d.rows().get(r);
            for (int j = 0; j < m; j++) {
                c[j] += w[r] * row.c()[j];
                err[j] += Math.abs(w[r] * row.c()[j]);
            }
            dd += w[r] * row.d();
            dAbs += Math.abs(w[r] * row.d());
        }
        double gamma = RigorousSum.gamma(2L * rows + 2), inflate = Math.nextUp(1 + gamma);
        double[] yLo = bounds.lower(bounds.layers()), yHi = bounds.upper(bounds.layers());
        RigorousSum total = new RigorousSum().add(bounds.outputRowLower(c, dd));
        total.addError(Math.nextUp(gamma * Math.nextUp(dAbs * inflate) + RigorousSum.TINY));
        for (int j = 0; j < m; j++) {
            double yMax = Math.max(Math.abs(yLo[j]), Math.abs(yHi[j]));
            total.addError(Math.nextUp(Math.nextUp(gamma * Math.nextUp(err[j] * inflate)) * yMax * inflate + RigorousSum.TINY));
        }
        return total.lower();
    }

    private static String box(double[] lo, double[] hi) {
        return new Box(lo, hi).toString();
    }
}
