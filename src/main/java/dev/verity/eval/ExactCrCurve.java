package dev.verity.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The certified-robustness curve of one method as a real curve (paper 003 Fig. 2 without sampling ε): from each
 * image's radius, {@code CR(ε)} = the percentage of the n images that are correctly classified and have radius
 * &ge; ε, a non-increasing step function on [0, ε_max] that drops at each radius. At ε = 0 it is the clean accuracy
 * (every correctly classified image is trivially robust there, as in paper 003's curves, which start at ε = 0).
 *
 * <p><b>CR-AUC</b> (paper 003 App. B: "the area under the CR curve, calculated using the trapezoidal rule", over the
 * 100 ε values it samples from 0 to 0.07 for normally trained networks, Table 1 and Table 4) is reported in the
 * paper's unit, percent × ε, not normalised by the range: a method certifying every image up to ε_max = 0.07 scores
 * 7, and paper 003 reports e.g. 3.36 for CROWN on its experiment A. With the radii the area is exact, no trapezoids:
 * the integral of a step function, {@code ∫₀^ε_max CR(ε) dε = 100 / n · Σ_i min(r_i, ε_max)} over the correctly
 * classified images (misclassified ones have radius 0). {@link #sampledAuc} gives the paper's procedure (trapezoids
 * over evenly spaced samples of this curve) for comparison; it tends to the exact area as the samples get denser.
 *
 * @param method  the method's name as typed
 * @param images  n, the number of images (the denominator, misclassified images included)
 * @param epsMax  the end of the curve and of the integral
 * @param radii   the radius of each correctly classified image (0 for one the method never certified above 0; an
 *                attack's +inf, no counterexample up to ε_max, counts as ε_max); at most n of them
 */
public record ExactCrCurve(String method, int images, double epsMax, double[] radii) {
    public ExactCrCurve {
        if (images < 1) throw new IllegalArgumentException("no images");
        if (!(epsMax > 0)) throw new IllegalArgumentException("epsMax must be > 0, got " + epsMax);
        if (radii.length > images) throw new IllegalArgumentException(radii.length + " radii for " + images + " images");
        radii = radii.clone();
        for (double r : radii) if (!(r >= 0)) throw new IllegalArgumentException("radius " + r + " is not >= 0");
        Arrays.sort(radii);
    }

    /** The radii, sorted increasing. */
    @Override public double[] radii() { return radii.clone(); }

    /** CR(ε) in percent: correctly classified images with radius &ge; ε (ε &gt; ε_max: none counted beyond the curve's end). */
    public double percentAt(double eps) {
        if (eps > epsMax) return 0;
        int first = lowerBound(eps);
        return 100.0 * (radii.length - first) / images;
    }

    /** The clean accuracy in percent: CR(0). */
    public double cleanPercent() { return 100.0 * radii.length / images; }

    /** The exact area under the curve on [0, ε_max], in percent × ε (paper 003's unit). */
    public double auc() {
        double sum = 0;
        for (double r : radii) sum += Math.min(r, epsMax);
        return 100 * sum / images;
    }

    /**
     * Paper 003 App. B's procedure applied to this curve: the trapezoidal rule over {@code samples} evenly spaced ε from
     * 0 to ε_max (both included; the paper used 100), in percent × ε.
     */
    public double sampledAuc(int samples) {
        if (samples < 2) throw new IllegalArgumentException("at least 2 samples, got " + samples);
        double h = epsMax / (samples - 1), area = 0, previous = percentAt(0);
        for (int k = 1; k < samples; k++) {
            double e = k == samples - 1 ? epsMax : k * h, v = percentAt(e);
            area += h * (previous + v) / 2;
            previous = v;
        }
        return area;
    }

    /**
     * One constant piece of the curve: CR(ε) = {@code percent} for every ε with {@code from} &lt; ε &lt; {@code to}
     * (at a breakpoint itself a certified radius counts: CR is left-continuous there).
     */
    public record Step(double from, double to, double percent) {}

    /** The curve as its constant pieces over (0, ε_max], in order, after the point CR(0) = {@link #cleanPercent()}. */
    public List<Step> steps() {
        List<Step> out = new ArrayList<>();
        double from = 0;
        int at = 0;
        while (at < radii.length && radii[at] <= 0) at++; // radius 0: certified nowhere above 0
        while (from < epsMax) {
            double to = at < radii.length ? Math.min(radii[at], epsMax) : epsMax;
            if (to > from) out.add(new Step(from, to, 100.0 * (radii.length - at) / images));
            from = to;
            while (at < radii.length && radii[at] <= from) at++;
        }
        return out;
    }

    /** The index of the first radius &ge; eps. */
    private int lowerBound(double eps) {
        int lo = 0, hi = radii.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (radii[mid] < eps) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    @Override public boolean equals(Object o) {
        return o instanceof ExactCrCurve c && method.equals(c.method) && images == c.images && epsMax == c.epsMax && Arrays.equals(radii, c.radii);
    }

    @Override public int hashCode() { return (method.hashCode() * 31 + images) * 31 + Arrays.hashCode(radii); }

    @Override public String toString() { return "ExactCrCurve[" + method + ": n " + images + ", eps_max " + epsMax + ", radii " + Arrays.toString(radii) + "]"; }
}
