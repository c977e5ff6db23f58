package dev.verity.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The written forms of a {@link RadiusSummary}: {@code radii.csv} (one row per image), {@code cr-curve-exact.csv} (the
 * step curves), the CR-AUC table (printed and in {@code table.md}) and the {@code summary.json} keys. Radii and ε are
 * in [0, 1] pixel units; CR-AUC in paper 003's percent × ε; curve values are fractions in CSV and JSON, as in
 * {@link Reports}.
 */
public final class RadiusReports {
    private RadiusReports() {}

    /** One row per method: exact CR-AUC, the paper's sampled trapezoid, radius statistics and time. */
    public static String table(RadiusSummary r) {
        List<String> head = List.of("method", "CR-AUC", "CR-AUC (" + RadiusSummary.PAPER_SAMPLES + " ε, trapezoid)", "mean radius",
                "median radius", "at ε_max", "time / image (s)");
        List<List<String>> body = new ArrayList<>();
        for (EvalMethod m : r.methods()) {
            ExactCrCurve c = r.curve(m.name());
            RadiusSummary.MethodRadii st = r.stats(m);
            String name = m.certifies() ? m.name() : m.name() + " (not refuted: upper bound)";
            if (st.missing() > 0) name += " (" + st.missing() + " missing)";
            if (st.errors() > 0) name += " (" + st.errors() + " errors)";
            if (st.withTimeouts() > 0) name += " (" + st.withTimeouts() + " with timeouts)";
            body.add(List.of(name, String.format(Locale.ROOT, "%.4f", c.auc()), String.format(Locale.ROOT, "%.4f", c.sampledAuc(RadiusSummary.PAPER_SAMPLES)),
                    radius(st.meanRadius()), radius(st.medianRadius()), Integer.toString(st.atEpsMax()), seconds(st.meanSeconds())));
        }
        StringBuilder sb = new StringBuilder("| ").append(String.join(" | ", head)).append(" |\n|");
        for (int i = 0; i < head.size(); i++) sb.append(i == 0 ? " --- |" : " ---: |");
        sb.append('\n');
        for (List<String> row : body) sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        return sb.toString();
    }

    /** The {@code table.md} section. */
    public static String markdown(RadiusSummary r) {
        return "## Certified radii and exact CR-AUC (paper 003, App. B)\n\n"
                + String.format(Locale.ROOT, "Every image's radius by bisection on ε over [0, %s] to within %s; %d images, clean accuracy %s.%n%n",
                Reports.num(r.epsMax()), Reports.num(r.tolerance()), r.images().size(), Reports.pct(1 - r.testError()))
                + table(r)
                + "\nCR-AUC: the exact area under the step curve CR(ε) = correctly classified images with radius ≥ ε, in percent × ε "
                + "(paper 003's unit: certifying everything up to ε_max scores 100·ε_max). The trapezoid column samples that curve at "
                + RadiusSummary.PAPER_SAMPLES + " evenly spaced ε as paper 003 did. Radii over the correctly classified images, capped at ε_max; "
                + "\"at ε_max\": certified over the whole range (an attack: nothing found up to it).\n\n";
    }

    /** {@code index,label,correct,<method>…}: each image's radius per method (misclassified: 0; an attack without a counterexample: inf; missing: empty). */
    public static String radiiCsv(RadiusSummary r) {
        StringBuilder sb = new StringBuilder("index,label,correct");
        for (EvalMethod m : r.methods()) sb.append(',').append(m.name());
        sb.append('\n');
        for (RadiusSummary.ImageRadii i : r.images()) {
            sb.append(i.image()).append(',').append(i.label()).append(',').append(i.correct());
            for (EvalMethod m : r.methods()) {
                sb.append(',');
                if (!i.correct()) sb.append('0');
                else if (i.radius().containsKey(m.name())) sb.append(csvRadius(i.radius().get(m.name()).radius()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code method,eps_from,eps_to,certified_accuracy}: per method the point ε = 0 (from = to = 0: the clean accuracy),
     * then each constant piece of the step curve: its value for every ε strictly between from and to.
     */
    public static String curveCsv(RadiusSummary r) {
        StringBuilder sb = new StringBuilder("method,eps_from,eps_to,certified_accuracy\n");
        for (EvalMethod m : r.methods()) {
            ExactCrCurve c = r.curve(m.name());
            sb.append(m.name()).append(",0,0,").append(frac(c.cleanPercent() / 100)).append('\n');
            for (ExactCrCurve.Step s : c.steps())
                sb.append(m.name()).append(',').append(csvRadius(s.from())).append(',').append(csvRadius(s.to())).append(',').append(frac(s.percent() / 100)).append('\n');
        }
        return sb.toString();
    }

    /**
     * The {@code summary.json} keys: {@code cr_auc_exact} {certifying method: CR-AUC}, and {@code radius} with the search
     * ({@code eps_max}, {@code tolerance}), per method its numbers and its step curve.
     */
    public static void putJson(ObjectNode root, RadiusSummary r) {
        ObjectNode exact = root.putObject("cr_auc_exact");
        for (EvalMethod m : r.certifying()) exact.put(m.name(), r.curve(m.name()).auc());
        ObjectNode o = root.putObject("radius");
        o.put("eps_max", r.epsMax());
        o.put("tolerance", r.tolerance());
        o.put("sampled_auc_samples", RadiusSummary.PAPER_SAMPLES);
        ObjectNode methods = o.putObject("methods");
        for (EvalMethod m : r.methods()) {
            ExactCrCurve c = r.curve(m.name());
            RadiusSummary.MethodRadii st = r.stats(m);
            ObjectNode x = methods.putObject(m.name());
            x.put("kind", m.certifies() ? "certified" : "refuted");
            x.put("cr_auc", c.auc());
            x.put("cr_auc_sampled", c.sampledAuc(RadiusSummary.PAPER_SAMPLES));
            putNumber(x, "mean_radius", st.meanRadius());
            putNumber(x, "median_radius", st.medianRadius());
            x.put("at_eps_max", st.atEpsMax());
            x.put("found", st.found());
            x.put("missing", st.missing());
            x.put("errors", st.errors());
            x.put("with_timeouts", st.withTimeouts());
            putNumber(x, "mean_time_s", st.meanSeconds());
            x.put("total_time_s", st.totalSeconds());
            ObjectNode curve = x.putObject("curve");
            ArrayNode from = curve.putArray("eps_from"), to = curve.putArray("eps_to"), acc = curve.putArray("certified_accuracy");
            from.add(0.0);
            to.add(0.0);
            acc.add(c.cleanPercent() / 100);
            for (ExactCrCurve.Step s : c.steps()) {
                from.add(s.from());
                to.add(s.to());
                acc.add(s.percent() / 100);
            }
        }
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    private static String csvRadius(double v) { return Double.isInfinite(v) ? "inf" : Reports.num(v); }

    private static String frac(double fraction) { return String.format(Locale.ROOT, "%.6f", fraction); }

    private static String radius(double v) { return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.5f", v); }

    private static String seconds(double s) {
        if (Double.isNaN(s)) return "–";
        return String.format(Locale.ROOT, s < 10 ? "%.3f" : "%.1f", s);
    }
}
