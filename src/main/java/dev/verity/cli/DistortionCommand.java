package dev.verity.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.InvalidInputException;
import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.data.Dataset;
import dev.verity.data.Datasets;
import dev.verity.milp.MilpOptions;
import dev.verity.eval.MinimumDistortion;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code verity distortion MODEL --data PATH --index I [--method M,...] [--norm linf]}: certified lower bounds, a PGD
 * upper bound and the exact MILP value of the minimum adversarial L∞ distortion of test images (paper 000 Table 2, 004).
 */
@Command(name = "distortion", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Minimum adversarial L∞ distortion of test images: the largest ε each --method certifies (bisection; paper 000 Fig. 3), "
                + "the smallest ε at which PGD finds a confirmed counterexample, and the exact value by MILP with ε as a variable (paper 004).",
                "One line per image: index, label, lower bounds, upper, exact (when the MILP finishes), gap %, time; then a summary like paper 000 "
                        + "Table 2 (mean bounds, median percentage gap (upper − lower)/upper)."})
final class DistortionCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX classifier (.onnx or .onnx.gz)")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "IDX directory (MNIST, Fashion-MNIST) or ERAN CSV file; pixels in [0, 1].")
    Path data;

    @Option(names = "--index", required = true, paramLabel = "I", split = ",",
            description = "Test image(s): indices or ranges, e.g. 0 or 0,5,7 or 0-9.")
    List<String> index;

    @Option(names = "--method", split = ",", defaultValue = "lp-greedy,lp-last,lp-all", paramLabel = "M",
            description = "Incomplete method(s) for the certified lower bound (default ${DEFAULT-VALUE}); any bound preset.")
    List<String> methods;

    @Option(names = "--norm", defaultValue = "linf", paramLabel = "N", description = "Perturbation norm (default ${DEFAULT-VALUE}; only linf).")
    String norm;

    @Option(names = "--exact", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Compute the exact value by MILP (default: on).")
    boolean exact;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "S", description = "MILP time limit per image in seconds (default ${DEFAULT-VALUE}).")
    double timeout;

    @Option(names = "--tolerance", defaultValue = "1e-4", paramLabel = "T", description = "Bisection stops at this bracket width (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--max-eps", defaultValue = "0.5", paramLabel = "E", description = "Largest ε searched (default ${DEFAULT-VALUE}).")
    double maxEps;

    @Option(names = "--json", description = "Print one JSON object (images and summary) instead of lines and a table.")
    boolean json;

    @picocli.CommandLine.Mixin BoundOptionsMixin engineOptions = new BoundOptionsMixin();

    @picocli.CommandLine.Mixin MilpOptionsMixin milpOptions = new MilpOptionsMixin();

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /** One image's results. */
    record Row(int index, int label, Map<String, Double> lower, double upper, MinimumDistortion.Exact exact, double seconds) {}

    @Override public Integer call() {
        if (!norm.equalsIgnoreCase("linf")) throw new InvalidInputException("--norm " + norm + " is not supported: only linf");
        if (!(timeout > 0) || Double.isInfinite(timeout)) throw new InvalidInputException("--timeout must be a number of seconds > 0, got " + timeout);
        if (!(tolerance > 0)) throw new InvalidInputException("--tolerance must be > 0, got " + tolerance);
        if (!(maxEps > 0) || maxEps > 1) throw new InvalidInputException("--max-eps must be in (0, 1], got " + maxEps);
        List<Method> ms = methods.stream().map(Method::parse).toList();
        Network net = Models.load(model);
        List<Integer> indices = parseIndices(index);
        int maxIndex = indices.stream().mapToInt(Integer::intValue).max().orElseThrow();
        Dataset ds = Datasets.open(data, maxIndex + 1);
        if (maxIndex >= ds.size()) throw new InvalidInputException("--index " + maxIndex + " is out of range: " + data + " has " + ds.size() + " images");
        if (ds.sampleShape().numel() != net.inputShape().numel())
            throw new InvalidInputException("dataset samples have " + ds.sampleShape().numel() + " values; the model's input " + net.inputShape() + " needs "
                    + net.inputShape().numel());
        MilpOptions milp = milpOptions.toOptions().orElse(null);
        if (exact && milp == null) throw new InvalidInputException("--exact needs the MILP (drop --no-milp, or use --no-exact)");
        if (exact) dev.verity.lp.TriangleLp.exactlyEncodable(net).ifPresent(why -> { throw new InvalidInputException("--exact: " + why); });
        BoundEngine engine = new BoundEngine(net, engineOptions.toOptions());
        MinimumDistortion md = new MinimumDistortion(net, engine, new double[]{0, 1}, tolerance);
        PgdOptions pgd = PgdOptions.defaults().withRestarts(20).withSteps(100).withBatchSize(20);
        PrintWriter out = spec.commandLine().getOut();
        List<Row> rows = new ArrayList<>();
        for (int i : indices) {
            long t0 = System.nanoTime();
            double[] x = ds.pixels(i);
            int label = ds.label(i);
            int predicted = Forward.run(net, TensorOps.INSTANCE, new Tensor(x.clone(), net.inputShape().withBatch(1))).argmax(1)[0];
            if (predicted != label) {
                rows.add(new Row(i, label, Map.of(), 0, null, 0));
                if (!json) out.printf(Locale.ROOT, "image %d label %d: misclassified (predicted %d), distortion 0%n", i, label, predicted);
                out.flush();
                continue;
            }
            double upper = md.attackUpper(x, label, pgd, maxEps);
            double searchHi = Double.isInfinite(upper) ? maxEps : upper;
            Map<String, Double> lower = new LinkedHashMap<>();
            for (int k = 0; k < ms.size(); k++) lower.put(methods.get(k), md.certifiedLower(x, label, ms.get(k), searchHi));
            MinimumDistortion.Exact ex = exact ? md.exact(x, label, searchHi, milp, Instant.now().plus(Duration.ofNanos((long) (timeout * 1e9)))) : null;
            Row row = new Row(i, label, lower, upper, ex, (System.nanoTime() - t0) / 1e9);
            rows.add(row);
            if (!json) {
                out.println(line(row));
                out.flush();
            }
        }
        if (json) out.println(Json.write(toJson(rows)));
        else out.print(table(rows));
        out.flush();
        return Main.EXIT_OK;
    }

    static List<Integer> parseIndices(List<String> specs) {
        List<Integer> r = new ArrayList<>();
        for (String s : specs) {
            try {
                int dash = s.indexOf('-', 1);
                if (dash > 0) {
                    int a = Integer.parseInt(s.substring(0, dash).trim()), b = Integer.parseInt(s.substring(dash + 1).trim());
                    if (a > b) throw new InvalidInputException("--index range " + s + " is empty");
                    for (int k = a; k <= b; k++) r.add(k);
                } else {
                    r.add(Integer.parseInt(s.trim()));
                }
            } catch (NumberFormatException e) {
                throw new InvalidInputException("--index takes indices or ranges like 0-9, got '" + s + "'");
            }
        }
        if (r.isEmpty()) throw new InvalidInputException("--index names no image");
        for (int k : r) if (k < 0) throw new InvalidInputException("--index must be >= 0, got " + k);
        return r.stream().distinct().toList();
    }

    /** The percentage gap of paper 000 Table 2: (upper − lower) / upper. */
    static double gap(double lower, double upper) {
        return upper > 0 && Double.isFinite(upper) ? 100 * (upper - lower) / upper : Double.NaN;
    }

    private static String line(Row r) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "image %d label %d: lower", r.index(), r.label()));
        r.lower().forEach((m, v) -> s.append(String.format(Locale.ROOT, " %s %.5f", m, v)));
        s.append(String.format(Locale.ROOT, ", upper pgd %s", fmt(r.upper())));
        double best = r.lower().values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        if (r.exact() != null) {
            MinimumDistortion.Exact e = r.exact();
            if (e.optimal()) s.append(String.format(Locale.ROOT, ", exact %.5f (milp)", e.upper()));
            // Cut short, the MILP's own bound can be weak: the certified radii bound the distortion from below too.
            else s.append(String.format(Locale.ROOT, ", milp in [%.5f, %.5f] (time limit)", Math.max(best, e.lower()), e.upper()));
        }
        s.append(String.format(Locale.ROOT, ", gap %.1f %%, %.1f s", gap(best, r.upper()), r.seconds()));
        return s.toString();
    }

    private static String fmt(double v) { return Double.isInfinite(v) ? "none" : String.format(Locale.ROOT, "%.5f", v); }

    /** Paper 000 Table 2's summary over the correctly classified images, plus the MILP column. */
    private String table(List<Row> rows) {
        List<Row> ok = rows.stream().filter(r -> r.exact() != null || !r.lower().isEmpty()).toList();
        StringBuilder s = new StringBuilder("\n| | ");
        for (String m : methods) s.append("mean lower ").append(m).append(" | ");
        s.append("mean upper pgd | mean exact milp | ");
        for (String m : methods) s.append("median gap ").append(m).append(" % | ");
        s.append("\n|").append(" --- |".repeat(2 * methods.size() + 3)).append("\n| ×10⁻³ | ");
        for (String m : methods) s.append(String.format(Locale.ROOT, "%.2f | ", 1e3 * mean(ok.stream().mapToDouble(r -> r.lower().get(m)).toArray())));
        s.append(String.format(Locale.ROOT, "%.2f | ", 1e3 * mean(ok.stream().mapToDouble(Row::upper).toArray())));
        double[] ex = ok.stream().filter(r -> r.exact() != null && r.exact().optimal()).mapToDouble(r -> r.exact().upper()).toArray();
        s.append(ex.length == ok.size() && ex.length > 0 ? String.format(Locale.ROOT, "%.2f | ", 1e3 * mean(ex)) : String.format(Locale.ROOT, "%d of %d solved | ", ex.length, ok.size()));
        for (String m : methods) s.append(String.format(Locale.ROOT, "%.2f | ", median(ok.stream().mapToDouble(r -> gap(r.lower().get(m), r.upper())).toArray())));
        s.append(String.format(Locale.ROOT, "%n%d image(s), %d misclassified (distortion 0, left out of the means)%n", rows.size(), rows.size() - ok.size()));
        return s.toString();
    }

    static double mean(double[] v) {
        double[] f = Arrays.stream(v).filter(Double::isFinite).toArray();
        return f.length == 0 ? Double.NaN : Arrays.stream(f).average().orElse(Double.NaN);
    }

    static double median(double[] v) {
        double[] f = Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
        if (f.length == 0) return Double.NaN;
        return f.length % 2 == 1 ? f[f.length / 2] : 0.5 * (f[f.length / 2 - 1] + f[f.length / 2]);
    }

    private ObjectNode toJson(List<Row> rows) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("model", model.toString());
        o.put("norm", "linf");
        ArrayNode images = o.putArray("images");
        for (Row r : rows) {
            ObjectNode i = images.addObject();
            i.put("index", r.index());
            i.put("label", r.label());
            ObjectNode lo = i.putObject("lower");
            r.lower().forEach(lo::put);
            Json.putFiniteOrNull(i, "upper", r.upper());
            double best = r.lower().values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
            if (r.exact() != null) {
                Json.putFiniteOrNull(i, "exact", r.exact().exact());
                i.put("milp_lower", Math.max(best, r.exact().lower()));
                i.put("milp_upper", r.exact().upper());
                i.put("milp_nodes", r.exact().nodes());
            }
            Json.putFiniteOrNull(i, "gap_percent", gap(best, r.upper()));
            i.put("time_s", r.seconds());
        }
        return o;
    }
}
