package dev.verity.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The written forms of a {@link Summary}: {@code table.md} (for people), {@code table.csv} and {@code cr-curve.csv}
 * (for spreadsheets and plotting elsewhere) and {@code summary.json} (for programs). Rates are percentages in Markdown
 * and fractions in 0..1 in CSV and JSON.
 */
public final class Reports {
    private Reports() {}

    /**
     * Writes table.md, table.csv, cr-curve.csv and summary.json into {@code dir}.
     *
     * @param about header facts (model, data, settings), in order, for table.md and summary.json
     */
    public static void write(Path dir, Summary s, Map<String, String> about) {
        write(dir, s, null, about);
    }

    /**
     * Writes the reports of a run with radii ({@code verity eval --radius}): those of {@link #write(Path, Summary, Map)}
     * when there is an ε list ({@code s} not null), plus {@code radii.csv} and {@code cr-curve-exact.csv} when there are
     * radii ({@code r} not null), a radius section in table.md and the radius keys in summary.json (the others unchanged).
     */
    public static void write(Path dir, Summary s, RadiusSummary r, Map<String, String> about) {
        if (s == null && r == null) throw new IllegalArgumentException("nothing to report");
        try {
            String md = s != null ? markdown(s, about) : header(about, r.images().size(), r.cleanErrors(), r.testError());
            if (r != null) md += (s != null ? "\n" : "") + RadiusReports.markdown(r);
            Files.writeString(dir.resolve("table.md"), md);
            if (s != null) {
                Files.writeString(dir.resolve("table.csv"), csv(s));
                Files.writeString(dir.resolve("cr-curve.csv"), crCurveCsv(s));
            }
            if (r != null) {
                Files.writeString(dir.resolve("radii.csv"), RadiusReports.radiiCsv(r));
                Files.writeString(dir.resolve("cr-curve-exact.csv"), RadiusReports.curveCsv(r));
            }
            Files.writeString(dir.resolve("summary.json"), json(s, r, about));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reports into " + dir, e);
        }
    }

    private static String header(Map<String, String> about, int images, int cleanErrors, double testError) {
        StringBuilder sb = new StringBuilder("# verity eval\n\n");
        about.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append(String.format(Locale.ROOT, "- images: %d, clean errors: %d (test error %s)%n%n", images, cleanErrors, pct(testError)));
        return sb.toString();
    }

    // ---- Markdown ----

    /** The paper-000 table (one row per ε), the CR table with CR-AUC, times, and every method's outcome counts. */
    public static String markdown(Summary s, Map<String, String> about) {
        StringBuilder sb = new StringBuilder(header(about, s.images(), s.cleanErrors(), s.testError()));
        sb.append("## Bounds on the robust error (paper 000, Table 1)\n\n");
        sb.append(mainTable(s));
        sb.append("\nLower bounds: misclassified, or robustness refuted by a counterexample confirmed in double and float32. "
                + "Upper bounds: misclassified, or robustness not certified (unknown, timeout, error and refuted images count here).\n\n");
        if (!s.certifying().isEmpty()) {
            sb.append("## Certified accuracy and CR-AUC (paper 003, App. B)\n\n");
            CrCurve axis = s.crCurve(s.certifying().getFirst().name());
            List<String> head = new ArrayList<>(List.of("method"));
            for (double e : axis.eps()) head.add("ε=" + num(e));
            head.add("CR-AUC");
            List<List<String>> body = new ArrayList<>();
            for (EvalMethod m : s.certifying()) {
                CrCurve c = s.crCurve(m.name());
                List<String> row = new ArrayList<>(List.of(m.name()));
                for (double p : c.percent()) row.add(String.format(Locale.ROOT, "%.2f%%", p));
                row.add(String.format(Locale.ROOT, "%.4f", c.auc()));
                body.add(row);
            }
            sb.append(table(head, body));
            sb.append("\nCertified accuracy: correctly classified and certified. CR-AUC: trapezoidal area under this curve from ε = 0 "
                    + "(the clean accuracy), in percent × ε; it depends on the ε list.\n\n");
        }
        sb.append("## Time per image in seconds (mean / median)\n\n");
        List<String> head = new ArrayList<>(List.of("method"));
        for (Summary.EpsRow r : s.rows()) head.add("ε=" + num(r.eps()));
        List<List<String>> body = new ArrayList<>();
        for (EvalMethod m : s.methods()) {
            List<String> row = new ArrayList<>(List.of(m.name()));
            for (Summary.EpsRow r : s.rows()) {
                Summary.MethodStats st = r.stats(m.name());
                row.add(seconds(st.meanSeconds()) + " / " + seconds(st.medianSeconds()));
            }
            body.add(row);
        }
        sb.append(table(head, body));
        sb.append("\nOver the images each method ran on: not misclassified ones, nor ones it skipped because the attack had refuted them.\n\n");
        sb.append("## Outcomes per method (certified / refuted / unknown / timeout / error)\n\n");
        body = new ArrayList<>();
        for (EvalMethod m : s.methods()) {
            List<String> row = new ArrayList<>(List.of(m.name()));
            for (Summary.EpsRow r : s.rows()) {
                Summary.MethodStats st = r.stats(m.name());
                String cell = st.certified() + " / " + st.refuted() + " / " + st.unknown() + " / " + st.timeout() + " / " + st.error();
                if (st.skipped() > 0) cell += " (" + st.skipped() + " skipped)";
                if (st.missing() > 0) cell += " (" + st.missing() + " missing)";
                row.add(cell);
            }
            body.add(row);
        }
        sb.append(table(head, body));
        sb.append("\nOf the correctly classified images; \"skipped\": refuted by the attack before this method ran.\n");
        return sb.toString();
    }

    /** One row per ε: ε, test error, attack lower, MILP lower/upper, each bound method's upper bound. */
    public static String mainTable(Summary s) {
        List<String> head = new ArrayList<>(List.of("ε", "test error"));
        EvalMethod attack = s.attack(), complete = s.complete();
        if (attack != null) head.add(attack.name() + " lower");
        if (complete != null) {
            head.add(complete.name() + " lower");
            head.add(complete.name() + " upper");
        }
        for (EvalMethod m : s.bounds()) head.add(m.name() + " upper");
        List<List<String>> body = new ArrayList<>();
        for (Summary.EpsRow r : s.rows()) {
            List<String> row = new ArrayList<>(List.of(num(r.eps()), pct(r.testError())));
            if (attack != null) row.add(pct(r.lowerBound(attack.name())));
            if (complete != null) {
                row.add(pct(r.lowerBound(complete.name())));
                row.add(pct(r.upperBound(complete.name())));
            }
            for (EvalMethod m : s.bounds()) row.add(pct(r.upperBound(m.name())));
            body.add(row);
        }
        return table(head, body);
    }

    private static String table(List<String> head, List<List<String>> body) {
        StringBuilder sb = new StringBuilder("| ").append(String.join(" | ", head)).append(" |\n|");
        for (int i = 0; i < head.size(); i++) sb.append(i == 0 ? " --- |" : " ---: |");
        sb.append('\n');
        for (List<String> row : body) sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        return sb.toString();
    }

    // ---- CSV ----

    /**
     * One row per ε: {@code eps,images,test_error}, then {@code <attack>_lower}, {@code <complete>_lower},
     * {@code <complete>_upper}, {@code <bound>_upper} for each bound method, then {@code <method>_mean_s} and
     * {@code <method>_median_s} for every method (empty when the method never ran).
     */
    public static String csv(Summary s) {
        List<String> head = new ArrayList<>(List.of("eps", "images", "test_error"));
        EvalMethod attack = s.attack(), complete = s.complete();
        if (attack != null) head.add(attack.name() + "_lower");
        if (complete != null) {
            head.add(complete.name() + "_lower");
            head.add(complete.name() + "_upper");
        }
        for (EvalMethod m : s.bounds()) head.add(m.name() + "_upper");
        for (EvalMethod m : s.methods()) {
            head.add(m.name() + "_mean_s");
            head.add(m.name() + "_median_s");
        }
        StringBuilder sb = new StringBuilder(String.join(",", head)).append('\n');
        for (Summary.EpsRow r : s.rows()) {
            List<String> row = new ArrayList<>(List.of(num(r.eps()), Integer.toString(r.images()), frac(r.testError())));
            if (attack != null) row.add(frac(r.lowerBound(attack.name())));
            if (complete != null) {
                row.add(frac(r.lowerBound(complete.name())));
                row.add(frac(r.upperBound(complete.name())));
            }
            for (EvalMethod m : s.bounds()) row.add(frac(r.upperBound(m.name())));
            for (EvalMethod m : s.methods()) {
                row.add(csvSeconds(r.stats(m.name()).meanSeconds()));
                row.add(csvSeconds(r.stats(m.name()).medianSeconds()));
            }
            sb.append(String.join(",", row)).append('\n');
        }
        return sb.toString();
    }

    /** {@code method,eps,certified_accuracy} for every certifying method, ε = 0 first (the clean accuracy). */
    public static String crCurveCsv(Summary s) {
        StringBuilder sb = new StringBuilder("method,eps,certified_accuracy\n");
        for (EvalMethod m : s.certifying()) {
            CrCurve c = s.crCurve(m.name());
            double[] x = c.eps(), y = c.percent();
            for (int i = 0; i < x.length; i++) sb.append(m.name()).append(',').append(num(x[i])).append(',').append(frac(y[i] / 100)).append('\n');
        }
        return sb.toString();
    }

    // ---- JSON ----

    /** Everything in the tables, with raw counts: see docs/eval.md for the keys. */
    public static String json(Summary s, Map<String, String> about) {
        return json(s, null, about);
    }

    /**
     * With radii: the keys of {@link #json(Summary, Map)} (with no ε list: {@code rows}, {@code cr_auc} and
     * {@code cr_curves} empty, the image counts from the radii), plus {@code cr_auc_exact} and {@code radius}
     * ({@link RadiusReports#putJson}).
     */
    public static String json(Summary s, RadiusSummary radii, Map<String, String> about) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        ObjectNode ab = root.putObject("about");
        about.forEach(ab::put);
        root.put("images", s != null ? s.images() : radii.images().size());
        root.put("clean_errors", s != null ? s.cleanErrors() : radii.cleanErrors());
        root.put("test_error", s != null ? s.testError() : radii.testError());
        ArrayNode methods = root.putArray("methods");
        (s != null ? s.methods() : radii.methods()).forEach(m -> methods.add(m.name()));
        ArrayNode rows = root.putArray("rows");
        ObjectNode auc = root.putObject("cr_auc");
        ObjectNode curves = root.putObject("cr_curves");
        if (s != null) summaryJson(s, rows, auc, curves);
        if (radii != null) RadiusReports.putJson(root, radii);
        try {
            return mapper.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void summaryJson(Summary s, ArrayNode rows, ObjectNode auc, ObjectNode curves) {
        for (Summary.EpsRow r : s.rows()) {
            ObjectNode o = rows.addObject();
            o.put("eps", r.eps());
            o.put("test_error", r.testError());
            ObjectNode lower = o.putObject("lower_bound"), upper = o.putObject("upper_bound");
            for (EvalMethod m : s.methods()) {
                if (m.refutes()) lower.put(m.name(), r.lowerBound(m.name()));
                if (m.certifies()) upper.put(m.name(), r.upperBound(m.name()));
            }
            ObjectNode per = o.putObject("methods");
            for (EvalMethod m : s.methods()) {
                Summary.MethodStats st = r.stats(m.name());
                ObjectNode x = per.putObject(m.name());
                x.put("certified", st.certified());
                x.put("refuted", st.refuted());
                x.put("unknown", st.unknown());
                x.put("timeout", st.timeout());
                x.put("error", st.error());
                x.put("skipped", st.skipped());
                x.put("missing", st.missing());
                x.put("runs", st.runs());
                putNumber(x, "mean_time_s", st.meanSeconds());
                putNumber(x, "median_time_s", st.medianSeconds());
            }
        }
        s.crAuc().forEach(auc::put);
        for (EvalMethod m : s.certifying()) {
            CrCurve c = s.crCurve(m.name());
            ObjectNode o = curves.putObject(m.name());
            ArrayNode xs = o.putArray("eps"), ys = o.putArray("certified_accuracy");
            for (double x : c.eps()) xs.add(x);
            for (double y : c.percent()) ys.add(y / 100);
        }
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    // ---- number formats ----

    static String pct(double fraction) { return String.format(Locale.ROOT, "%.2f%%", 100 * fraction); }

    private static String frac(double fraction) { return String.format(Locale.ROOT, "%.6f", fraction); }

    /** ε as typed: shortest form that reads back exactly. */
    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String seconds(double s) {
        if (Double.isNaN(s)) return "–";
        return String.format(Locale.ROOT, s < 10 ? "%.3f" : "%.1f", s);
    }

    private static String csvSeconds(double s) { return Double.isNaN(s) ? "" : String.format(Locale.ROOT, "%.6f", s); }
}
