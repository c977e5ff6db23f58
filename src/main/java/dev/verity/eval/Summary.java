package dev.verity.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tables of an evaluation, computed from the result lines alone (so a resumed run and one that was never stopped
 * give the same tables, times aside).
 *
 * <p>Paper 000 Table 1, per ε: the <b>test error</b>; <b>lower bounds</b> on the robust error (clean errors plus images
 * refuted by a confirmed counterexample: PGD, MILP); <b>upper bounds</b> (every image not certified: MILP and each
 * bound method). A misclassified image counts as non-robust for every method — it is part of every bound, as in the
 * paper. To these {@code verity eval} adds the mean and median time per image of each method, and per method the CR
 * curve and its area CR-AUC over the ε list (paper 003 App. B; {@link CrCurve}).
 *
 * @param images      the number of images evaluated (n, the denominator of every rate)
 * @param cleanErrors misclassified images
 * @param methods     the methods, in the order given
 * @param rows        one per ε, in the order given
 */
public record Summary(int images, int cleanErrors, List<EvalMethod> methods, List<EpsRow> rows) {

    public Summary {
        methods = List.copyOf(methods);
        rows = List.copyOf(rows);
    }

    /**
     * What one method did at one ε over the n images. Images the method did not run on because they are misclassified
     * are in none of the counts; {@code missing} counts correctly classified images without a result (none after a
     * complete run).
     *
     * @param runs          results of a method that actually ran (not skipped, not an error): the times' sample
     * @param meanSeconds   mean time per image over those runs (NaN when none)
     * @param medianSeconds median time per image over those runs (NaN when none)
     */
    public record MethodStats(EvalMethod method, int certified, int refuted, int unknown, int timeout, int error, int skipped, int missing,
                              int runs, double meanSeconds, double medianSeconds) {}

    /** One ε: n images, the clean errors, and each method's counts. */
    public record EpsRow(double eps, int images, int cleanErrors, Map<String, MethodStats> methods) {
        public EpsRow { methods = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(methods)); }

        public MethodStats stats(String method) {
            MethodStats s = methods.get(method);
            if (s == null) throw new IllegalArgumentException("no method " + method);
            return s;
        }

        /** Clean errors / n. */
        public double testError() { return (double) cleanErrors / images; }

        /** Lower bound on the robust error from a refuting method: (clean errors + refuted) / n. */
        public double lowerBound(String method) { return (double) (cleanErrors + stats(method).refuted()) / images; }

        /** Upper bound on the robust error from a certifying method: (n − certified) / n. */
        public double upperBound(String method) { return (double) (images - stats(method).certified()) / images; }

        /** Certified accuracy: certified / n (correct and proven robust). */
        public double certifiedAccuracy(String method) { return (double) stats(method).certified() / images; }
    }

    /**
     * The summary of {@code lines} for the images {@code indices} (duplicates counted once), radii {@code eps} and
     * methods {@code methods}. Lines about other images, radii or methods are ignored (a folder resumed with a
     * different selection keeps them); of two lines with the same key the later counts.
     *
     * @throws IllegalArgumentException when an image has no clean prediction
     */
    public static Summary of(int[] indices, List<Double> eps, List<EvalMethod> methods, List<ResultLine> lines) {
        Map<Integer, ResultLine.Clean> clean = new HashMap<>();
        Map<ResultLine.Key, ResultLine.Outcome> outcomes = new HashMap<>();
        for (ResultLine line : lines) {
            switch (line) {
                case ResultLine.Clean c -> clean.put(c.image(), c);
                case ResultLine.Outcome o -> outcomes.put(o.key(), o);
                case ResultLine.Radius r -> { } // RadiusSummary's
            }
        }
        int[] images = Arrays.stream(indices).distinct().toArray();
        if (images.length == 0) throw new IllegalArgumentException("no images");
        int cleanErrors = 0;
        for (int i : images) {
            ResultLine.Clean c = clean.get(i);
            if (c == null) throw new IllegalArgumentException("no clean prediction for image " + i);
            if (!c.correct()) cleanErrors++;
        }
        List<EpsRow> rows = new ArrayList<>();
        for (double e : eps) {
            Map<String, MethodStats> stats = new LinkedHashMap<>();
            for (EvalMethod m : methods) {
                int[] count = new int[Status.values().length];
                int skipped = 0, missing = 0;
                List<Double> times = new ArrayList<>();
                for (int i : images) {
                    if (!clean.get(i).correct()) continue;
                    ResultLine.Outcome o = outcomes.get(new ResultLine.Key(i, e, m.name()));
                    if (o == null) {
                        missing++;
                        continue;
                    }
                    count[o.status().ordinal()]++;
                    if (!o.ran()) skipped++;
                    else if (o.status() != Status.ERROR) times.add(o.seconds());
                }
                stats.put(m.name(), new MethodStats(m, count[Status.CERTIFIED.ordinal()], count[Status.REFUTED.ordinal()],
                        count[Status.UNKNOWN.ordinal()], count[Status.TIMEOUT.ordinal()], count[Status.ERROR.ordinal()], skipped, missing,
                        times.size(), mean(times), median(times)));
            }
            rows.add(new EpsRow(e, images.length, cleanErrors, stats));
        }
        return new Summary(images.length, cleanErrors, methods, rows);
    }

    public double testError() { return (double) cleanErrors / images; }

    /** The first attack method (the "PGD" column), or null. */
    public EvalMethod attack() { return first(EvalMethod.Attack.class); }

    /** The first complete method (the "MILP" columns), or null. */
    public EvalMethod complete() { return first(EvalMethod.Complete.class); }

    private EvalMethod first(Class<? extends EvalMethod> kind) {
        return methods.stream().filter(kind::isInstance).findFirst().orElse(null);
    }

    /** The methods that certify (bound methods and the complete verifier), in the order given. */
    public List<EvalMethod> certifying() { return methods.stream().filter(EvalMethod::certifies).toList(); }

    /** The bound methods (the upper-bound columns besides MILP), in the order given. */
    public List<EvalMethod> bounds() { return methods.stream().filter(m -> m instanceof EvalMethod.Bound).toList(); }

    /** The CR curve of a certifying method: (0, clean accuracy), then each ε in increasing order. */
    public CrCurve crCurve(String method) {
        return curve(method, r -> r.certifiedAccuracy(method));
    }

    /**
     * The attack's curve: images neither misclassified nor refuted, an upper bound on the true robust accuracy (the
     * certified curves lie below it); plotted for reference.
     */
    public CrCurve attackCurve(String method) {
        return curve(method, r -> 1 - r.lowerBound(method));
    }

    private CrCurve curve(String method, java.util.function.ToDoubleFunction<EpsRow> value) {
        List<EpsRow> sorted = rows.stream().sorted(java.util.Comparator.comparingDouble(EpsRow::eps)).toList();
        double[] x = new double[sorted.size() + 1], y = new double[sorted.size() + 1];
        y[0] = 100 * (1 - testError());
        for (int k = 0; k < sorted.size(); k++) {
            x[k + 1] = sorted.get(k).eps();
            y[k + 1] = 100 * value.applyAsDouble(sorted.get(k));
        }
        return new CrCurve(method, x, y);
    }

    /** CR-AUC of every certifying method (paper 003 App. B), in the order given. */
    public Map<String, Double> crAuc() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (EvalMethod e : certifying()) m.put(e.name(), crCurve(e.name()).auc());
        return m;
    }

    /** Correctly classified images without a result, over all radii and methods (0 after a complete run). */
    public int missing() {
        return rows.stream().flatMap(r -> r.methods().values().stream()).mapToInt(MethodStats::missing).sum();
    }

    /** Results with status error, over all radii and methods. */
    public int errors() {
        return rows.stream().flatMap(r -> r.methods().values().stream()).mapToInt(MethodStats::error).sum();
    }

    private static double mean(List<Double> v) {
        return v.isEmpty() ? Double.NaN : v.stream().mapToDouble(Double::doubleValue).sum() / v.size();
    }

    private static double median(List<Double> v) {
        if (v.isEmpty()) return Double.NaN;
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }
}
