package dev.verity.check;

import dev.verity.model.Network;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;

import java.util.HashSet;
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
            Set<Integer> seen = new HashSet<>();
            for (Certificate.CaseProof proof : cert.cases()) {
                int k = proof.caseIndex();
                if (k < 0 || k >= property.cases().size()) return reject("case " + k + " is not in the property", boxes, t0);
                if (!seen.add(k)) return reject("case " + k + " has two proofs", boxes, t0);
                Case c = property.cases().get(k);
                String why = node(net, c, k, proof.root(), c.input().lower(), c.input().upper(), null, null,
                        new boolean[c.unsafe().size()], boxes);
                if (why != null) return reject(why, boxes, t0);
            }
            for (int k = 0; k < property.cases().size(); k++)
                if (!seen.contains(k) && !property.cases().get(k).unsafe().isEmpty()) return reject("case " + k + " has no proof", boxes, t0);
            return new Result(true, "every disjunct of every case is excluded on a cover of its box", boxes[0], System.nanoTime() - t0);
        } catch (ReluChain.UnsupportedNetwork e) {
            return reject(e.getMessage(), boxes, t0);
        } catch (ArithmeticException e) {
            return reject("arithmetic: " + e.getMessage(), boxes, t0);
        }
    }

    private static Result reject(String why, long[] boxes, long t0) {
        return new Result(false, why, boxes[0], System.nanoTime() - t0);
    }

    /** Null when the subtree proves every disjunct of the case on [lo, hi]; otherwise why not. */
    private static String node(ReluChain net, Case c, int k, Certificate.Node node, double[] lo, double[] hi,
                               double[][] knownLo, double[][] knownHi, boolean[] excludedAbove, long[] boxes) {
        if (node == null) return "case " + k + ": a missing node";
        boxes[0]++;
        boolean[] excluded = excludedAbove.clone();
        RigorousCrown bounds = null;
        if (!node.excluded().isEmpty() || node.split() != null) bounds = new RigorousCrown(net, lo, hi, knownLo, knownHi);
        for (Certificate.Exclusion e : node.excluded()) {
            if (e.disjunct() < 0 || e.disjunct() >= c.unsafe().size()) return "case " + k + ": no disjunct " + e.disjunct();
            Disjunct d = c.unsafe().get(e.disjunct());
            double[] w = e.weights();
            if (w == null && (e.row() < 0 || e.row() >= d.rows().size())) return "case " + k + " disjunct " + e.disjunct() + ": no row " + e.row();
            if (w != null && (e.row() != -1 || w.length != d.rows().size()))
                return "case " + k + " disjunct " + e.disjunct() + ": " + w.length + " weights for " + d.rows().size() + " rows (and row must be -1)";
            if (!(e.bound() > 0)) return "case " + k + " disjunct " + e.disjunct() + ": a claimed bound " + e.bound() + " excludes nothing";
            double checked;
            if (w == null) {
                LinearConstraint row = d.rows().get(e.row());
                checked = bounds.outputRowLower(row.c(), row.d());
            } else {
                for (double x : w)
                    if (!(x >= 0) || !Double.isFinite(x)) return "case " + k + " disjunct " + e.disjunct() + ": a weight " + x + " is not finite and >= 0";
                checked = combinationLower(bounds, d, w);
            }
            if (!(checked >= e.bound()))
                return "case " + k + " disjunct " + e.disjunct() + (w == null ? " row " + e.row() : " combination of rows") + " on box "
                        + box(lo, hi) + ": claimed bound " + e.bound() + ", but the checker's is " + checked;
            excluded[e.disjunct()] = true;
        }
        Certificate.Split s = node.split();
        if (s == null) {
            for (int j = 0; j < excluded.length; j++)
                if (!excluded[j]) return "case " + k + ": disjunct " + j + " is not excluded on the leaf box " + box(lo, hi);
            return null;
        }
        if (s.dim() < 0 || s.dim() >= lo.length) return "case " + k + ": split on input " + s.dim() + " of " + lo.length;
        if (!(s.at() >= lo[s.dim()] && s.at() <= hi[s.dim()])) return "case " + k + ": split at " + s.at() + " outside the box on input " + s.dim();
        int layers = net.layers();
        double[][] l = new double[layers][], u = new double[layers][];
        for (int j = 1; j < layers; j++) { l[j] = bounds.lower(j); u[j] = bounds.upper(j); }
        double[] lowHi = hi.clone(), highLo = lo.clone();
        lowHi[s.dim()] = s.at();
        highLo[s.dim()] = s.at();
        String why = node(net, c, k, s.low(), lo, lowHi, l, u, excluded, boxes);
        return why != null ? why : node(net, c, k, s.high(), highLo, hi, l, u, excluded, boxes);
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
