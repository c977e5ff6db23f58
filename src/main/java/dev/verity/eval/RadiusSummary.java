package dev.verity.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The radii of an evaluation ({@code verity eval --radius}) and what paper 003 App. B makes of them: per method the CR
 * curve as a real step curve and its exact CR-AUC ({@link ExactCrCurve}). Computed from the result lines alone, like
 * {@link Summary}: lines with another ε_max or tolerance, other images or methods are ignored.
 *
 * @param epsMax    the search range [0, ε_max] (the curves' end)
 * @param tolerance the bisection's bracket width
 * @param methods   the methods whose radii were searched, in the order given
 * @param images    one per evaluated image (duplicates once), in the order given
 */
public record RadiusSummary(double epsMax, double tolerance, List<EvalMethod> methods, List<ImageRadii> images) {
    /** paper 003 App. B sampled 100 ε values; {@link #sampledAuc} reproduces that procedure on the exact curve. */
    public static final int PAPER_SAMPLES = 100;

    public RadiusSummary {
        methods = List.copyOf(methods);
        images = List.copyOf(images);
        if (images.isEmpty()) throw new IllegalArgumentException("no images");
    }

    /**
     * One image: its label, whether it is classified correctly, and per method its radius line (absent when missing: not
     * computed yet; a misclassified image has none, its radius is 0).
     */
    public record ImageRadii(int image, int label, boolean correct, Map<String, ResultLine.Radius> radius) {
        public ImageRadii { radius = Collections.unmodifiableMap(new LinkedHashMap<>(radius)); }

        /** The radius for the curve: 0 when misclassified or missing; an attack's +inf (nothing found) stays +inf. */
        public double of(String method) {
            if (!correct) return 0;
            ResultLine.Radius r = radius.get(method);
            return r == null ? 0 : r.radius();
        }
    }

    /**
     * Per method over the correctly classified images: how many radii are there, missing, errors, with timed-out checks,
     * and at ε_max (certified over the whole range; an attack: nothing found up to it); mean and median radius (capped
     * at ε_max) and time per image.
     */
    public record MethodRadii(EvalMethod method, int found, int missing, int errors, int withTimeouts, int atEpsMax, double meanRadius,
                              double medianRadius, double meanSeconds, double totalSeconds) {}

    /**
     * The summary of {@code lines} for the images {@code indices}, the methods {@code methods} (those whose radius is
     * searched) and the search {@code epsMax}, {@code tolerance}; of two radius lines with the same key the later counts.
     *
     * @throws IllegalArgumentException when an image has no clean prediction
     */
    public static RadiusSummary of(int[] indices, List<EvalMethod> methods, double epsMax, double tolerance, List<ResultLine> lines) {
        Map<Integer, ResultLine.Clean> clean = new HashMap<>();
        Map<ResultLine.RadiusKey, ResultLine.Radius> radii = new HashMap<>();
        for (ResultLine line : lines) {
            switch (line) {
                case ResultLine.Clean c -> clean.put(c.image(), c);
                case ResultLine.Outcome o -> { } // Summary's
                case ResultLine.Radius r -> radii.put(r.key(), r);
            }
        }
        List<EvalMethod> searched = methods.stream().filter(RadiusSettings::searched).toList();
        List<ImageRadii> out = new ArrayList<>();
        for (int i : Arrays.stream(indices).distinct().toArray()) {
            ResultLine.Clean c = clean.get(i);
            if (c == null) throw new IllegalArgumentException("no clean prediction for image " + i);
            Map<String, ResultLine.Radius> per = new LinkedHashMap<>();
            if (c.correct()) {
                for (EvalMethod m : searched) {
                    ResultLine.Radius r = radii.get(new ResultLine.RadiusKey(i, m.name(), epsMax, tolerance));
                    if (r != null) per.put(m.name(), r);
                }
            }
            out.add(new ImageRadii(i, c.label(), c.correct(), per));
        }
        return new RadiusSummary(epsMax, tolerance, searched, out);
    }

    public int cleanErrors() { return (int) images.stream().filter(i -> !i.correct()).count(); }

    public double testError() { return (double) cleanErrors() / images.size(); }

    /** The certifying methods (bound presets), in the order given: the CR curves. */
    public List<EvalMethod> certifying() { return methods.stream().filter(EvalMethod::certifies).toList(); }

    /** The attacks, in the order given: their curves (images not refuted below ε) are upper bounds, for reference. */
    public List<EvalMethod> attacks() { return methods.stream().filter(m -> !m.certifies()).toList(); }

    /** The exact curve of a method: its radii over the correctly classified images (an attack's +inf counted as ε_max). */
    public ExactCrCurve curve(String method) {
        double[] r = images.stream().filter(ImageRadii::correct).mapToDouble(i -> Math.min(i.of(method), epsMax)).toArray();
        return new ExactCrCurve(method, images.size(), epsMax, r);
    }

    /** The exact CR-AUC (percent × ε over [0, ε_max]) of every method, in the order given. */
    public Map<String, Double> crAuc() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (EvalMethod e : methods) m.put(e.name(), curve(e.name()).auc());
        return m;
    }

    /** Paper 003's procedure on the exact curves: trapezoids over {@link #PAPER_SAMPLES} evenly spaced ε in [0, ε_max]. */
    public Map<String, Double> sampledAuc() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (EvalMethod e : methods) m.put(e.name(), curve(e.name()).sampledAuc(PAPER_SAMPLES));
        return m;
    }

    public MethodRadii stats(EvalMethod m) {
        int found = 0, missing = 0, errors = 0, timeouts = 0, atMax = 0;
        List<Double> r = new ArrayList<>();
        double seconds = 0;
        for (ImageRadii i : images) {
            if (!i.correct()) continue;
            ResultLine.Radius line = i.radius().get(m.name());
            if (line == null) {
                missing++;
                continue;
            }
            found++;
            if (line.error() != null) errors++;
            if (line.timeouts() > 0) timeouts++;
            if (line.radius() >= epsMax) atMax++;
            r.add(Math.min(line.radius(), epsMax));
            seconds += line.seconds();
        }
        double[] sorted = r.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        double mean = n == 0 ? Double.NaN : Arrays.stream(sorted).sum() / n;
        double median = n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new MethodRadii(m, found, missing, errors, timeouts, atMax, mean, median, n == 0 ? Double.NaN : seconds / n, seconds);
    }

    /** Correctly classified images without a radius, over all methods (0 after a complete run). */
    public int missing() { return methods.stream().mapToInt(m -> stats(m).missing()).sum(); }

    /** Radius lines whose method failed, over all methods. */
    public int errors() { return methods.stream().mapToInt(m -> stats(m).errors()).sum(); }
}
