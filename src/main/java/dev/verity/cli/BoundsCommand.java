package dev.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Network;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.VnnlibProperty;
import dev.verity.verify.CaseBounds;
import dev.verity.verify.RobustnessProperty;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code verity bounds}: certified output bounds and per-disjunct margin lower bounds of one bound method (or all).
 * A report, not a verdict: the exit status is 0 whatever the margins (use {@code verify} for a verdict).
 */
@Command(name = "bounds", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Certified lower/upper bounds of every output over the input box(es) of a property, and per unsafe disjunct a "
                        + "lower bound on its safety margin (positive: that disjunct is impossible; a disjunct's margin is the max "
                        + "over its rows c*y + d of the rows' lower bounds).",
                "The property is a VNN-LIB file (--vnnlib) or L-infinity robustness around an input (--input/--eps/--label): "
                        + "one disjunct per class j != label with margin y_label - y_j. The box is x +- eps, clipped only when "
                        + "--clip is given (for images in [0,1] pass --clip 0 1); a VNN-LIB box is used exactly as written.",
                "verified = every disjunct of every case has a margin lower bound above the floating-point tolerance "
                        + "1e-7*max(1, |lower|, |upper|) (a margin in (0, tolerance] is not verified).",
                "JSON keys: method, outputs.lower, outputs.upper, margins.lower (one per disjunct, all cases in order), "
                        + "min_margin, verified, time_ms, and cases (an array with the same keys per input box of the "
                        + "property, plus case); top-level outputs are the element-wise min/max over the cases, min_margin and "
                        + "verified aggregate all cases. For sdp each case also has gaps (outputs.lower, outputs.upper, margins: each "
                        + "bound's distance to the value at the best network point found, its duality gap). "
                        + "Infinite values are written as null. With --method all: a JSON array "
                        + "of such objects, one per method."})
final class BoundsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model (.onnx or .onnx.gz)")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @picocli.CommandLine.Mixin BoundOptionsMixin engineOptions = new BoundOptionsMixin();

    static final class Source {
        @Option(names = "--vnnlib", paramLabel = "FILE", description = "VNN-LIB property (its cases are bounded one by one)")
        Path vnnlib;

        @ArgGroup(exclusive = false)
        Robustness robustness;
    }

    static final class Robustness {
        @Option(names = "--input", required = true, paramLabel = "FILE", description = "Centre of the L-infinity box: a JSON array or one CSV row")
        Path input;

        @Option(names = "--eps", required = true, paramLabel = "E", description = "L-infinity radius")
        double eps;

        @Option(names = "--label", required = true, paramLabel = "K", description = "The true class")
        int label;

        @Option(names = "--clip", arity = "2", paramLabel = "LO HI", hideParamSyntax = true, description = "Intersect the box with [LO, HI] per input (default: no clipping)")
        double[] clip;
    }

    @Option(names = "--method", required = true, paramLabel = "M", completionCandidates = MethodNames.class,
            description = "Bound method: one of ${COMPLETION-CANDIDATES} (all: every method side by side)")
    String method;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /** The {@link Method} presets by CLI name, plus {@code all} (listed in --help). */
    static final class MethodNames implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() {
            List<String> names = new ArrayList<>();
            for (Method m : Method.values()) names.add(m.cliName());
            names.add("all");
            return names.iterator();
        }
    }

    /** One method's bounds for every case of the property. */
    record Report(Method method, List<CaseBounds> cases) {
        long millis() { return cases.stream().mapToLong(CaseBounds::nanos).sum() / 1_000_000; }

        double minMargin() { return cases.stream().mapToDouble(CaseBounds::minMargin).min().orElse(Double.POSITIVE_INFINITY); }

        boolean verified() { return cases.stream().allMatch(CaseBounds::verified); }
    }

    @Override public Integer call() {
        List<Method> methods = method.equalsIgnoreCase("all") ? List.of(Method.values()) : List.of(Method.parse(method));
        Network net = Models.load(model);
        VnnlibProperty property;
        String described;
        if (source.vnnlib != null) {
            property = Properties.load(source.vnnlib, net, model);
            described = source.vnnlib.toString();
        } else {
            Robustness r = source.robustness;
            double[] x = InputValues.read(r.input);
            int n = net.inputShape().numel();
            if (x.length != n)
                throw new InvalidInputException("input file " + r.input + " has " + x.length + " values; the model's input "
                        + net.inputShape() + " needs " + n);
            try {
                property = RobustnessProperty.of(x, r.eps, r.label, net.outputShape().numel(), r.clip);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(r.input + ": " + e.getMessage(), e);
            }
            described = String.format(Locale.ROOT, "robustness of label %d within eps %s of %s%s", r.label, r.eps, r.input,
                    r.clip == null ? " (not clipped)" : " clipped to [" + r.clip[0] + ", " + r.clip[1] + "]");
        }
        BoundEngine engine = new BoundEngine(net, engineOptions.toOptions());
        List<Report> reports = new ArrayList<>();
        for (Method m : methods) {
            if (methods.size() > 1 && !engine.supports(m)) {
                // --method all: a preset that does not apply to this network is skipped, and said so
                spec.commandLine().getErr().println("verity: " + m.cliName() + " skipped: it does not apply to this network");
                continue;
            }
            List<CaseBounds> cases = new ArrayList<>();
            for (Case c : property.cases()) cases.add(CaseBounds.compute(engine, m, c.input(), c.unsafe(), true));
            reports.add(new Report(m, cases));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            if (reports.size() == 1) out.println(Json.write(toJson(reports.getFirst(), net)));
            else {
                ArrayNode all = Json.MAPPER.createArrayNode();
                for (Report r : reports) all.add(toJson(r, net));
                out.println(Json.write(all));
            }
        } else {
            out.printf("model     %s%n", model);
            out.printf("property  %s: %d case(s), %d disjunct(s)%n", described, property.cases().size(), property.disjunctCount());
            if (reports.size() == 1) printOne(out, reports.getFirst(), property);
            else printTable(out, reports, property);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    // ---- JSON -------------------------------------------------------------------------------------

    private static ObjectNode toJson(Report r, Network net) {
        int outputs = net.outputShape().numel();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("method", r.method().cliName());
        double[] lo = new double[r.cases().isEmpty() ? 0 : outputs], hi = new double[lo.length];
        Arrays.fill(lo, Double.POSITIVE_INFINITY);
        Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        List<Double> margins = new ArrayList<>();
        ArrayNode cases = Json.MAPPER.createArrayNode();
        for (int k = 0; k < r.cases().size(); k++) {
            CaseBounds b = r.cases().get(k);
            for (int j = 0; j < lo.length; j++) {
                lo[j] = Math.min(lo[j], b.outputLower()[j]);
                hi[j] = Math.max(hi[j], b.outputUpper()[j]);
            }
            for (double m : b.margins()) margins.add(m);
            ObjectNode c = cases.addObject();
            c.put("case", k);
            c.set("outputs", outputs(b.outputLower(), b.outputUpper()));
            c.set("margins", Json.MAPPER.createObjectNode().set("lower", Json.finiteOrNull(b.margins())));
            Json.putFiniteOrNull(c, "min_margin", b.minMargin());
            c.put("verified", b.verified());
            c.put("time_ms", b.nanos() / 1_000_000);
            if (b.gaps() != null) {
                ObjectNode g = c.putObject("gaps");
                if (b.gaps().outputLower() != null) g.set("outputs", outputs(b.gaps().outputLower(), b.gaps().outputUpper()));
                g.set("margins", Json.finiteOrNull(b.gaps().margins()));
            }
        }
        o.set("outputs", outputs(lo, hi));
        o.set("margins", Json.MAPPER.createObjectNode().set("lower",
                Json.finiteOrNull(margins.stream().mapToDouble(Double::doubleValue).toArray())));
        Json.putFiniteOrNull(o, "min_margin", r.minMargin());
        o.put("verified", r.verified());
        o.put("time_ms", r.millis());
        o.set("cases", cases);
        return o;
    }

    private static JsonNode outputs(double[] lower, double[] upper) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.set("lower", Json.finiteOrNull(lower));
        o.set("upper", Json.finiteOrNull(upper));
        return o;
    }

    // ---- text -------------------------------------------------------------------------------------

    private static void printOne(PrintWriter out, Report r, VnnlibProperty property) {
        out.printf("method    %s%n", r.method().cliName());
        for (int k = 0; k < r.cases().size(); k++) {
            CaseBounds b = r.cases().get(k);
            Case c = property.cases().get(k);
            out.printf("case %d   %s%n", k, c.input());
            out.printf("  %-10s %16s %16s%n", "output", "lower", "upper");
            for (int j = 0; j < b.outputLower().length; j++)
                out.printf("  %-10s %16s %16s%n", "y[" + j + "]", num(b.outputLower()[j]), num(b.outputUpper()[j]));
            if (b.gaps() != null) {
                out.printf("  %-10s %16s %16s   (bound minus the value at the best point found: %s's duality gap)%n", "gap", "lower", "upper",
                        r.method().cliName());
                for (int j = 0; j < b.gaps().outputLower().length; j++)
                    out.printf("  %-10s %16s %16s%n", "y[" + j + "]", num(b.gaps().outputLower()[j]), num(b.gaps().outputUpper()[j]));
            }
            out.printf("  %-10s %16s  %s%s%n", "disjunct", "margin >=", b.gaps() != null ? "gap              " : "", "unsafe when");
            for (int d = 0; d < b.margins().length; d++)
                out.printf("  %-10d %16s  %s%s%s%n", d, num(b.margins()[d]), b.gaps() != null ? String.format("%-16s ", num(b.gaps().margins()[d])) : "",
                        rows(c.unsafe().get(d)), b.excluded()[d] ? "   (excluded)" : "");
            out.printf("  case min_margin %s, verified %s, %d ms%n", num(b.minMargin()), b.verified(), b.nanos() / 1_000_000);
        }
        out.printf("min_margin %s%n", num(r.minMargin()));
        out.printf("verified   %s%n", r.verified());
        out.printf("time_ms    %d%n", r.millis());
    }

    private static void printTable(PrintWriter out, List<Report> reports, VnnlibProperty property) {
        int w = 25;
        for (int k = 0; k < property.cases().size(); k++) {
            out.printf("case %d   %s%n", k, property.cases().get(k).input());
            StringBuilder h = new StringBuilder(String.format("  %-10s", "output"));
            for (Report r : reports) h.append(String.format(" %" + w + "s", r.method().cliName()));
            out.println(h);
            int outputs = reports.getFirst().cases().get(k).outputLower().length;
            for (int j = 0; j < outputs; j++) {
                StringBuilder line = new StringBuilder(String.format("  %-10s", "y[" + j + "]"));
                for (Report r : reports) {
                    CaseBounds b = r.cases().get(k);
                    line.append(String.format(" %" + w + "s", "[" + shortNum(b.outputLower()[j]) + ", " + shortNum(b.outputUpper()[j]) + "]"));
                }
                out.println(line);
            }
            int disjuncts = property.cases().get(k).unsafe().size();
            StringBuilder dh = new StringBuilder(String.format("  %-10s", "disjunct"));
            for (Report r : reports) dh.append(String.format(" %" + w + "s", "margin >= (" + r.method().cliName() + ")"));
            out.println(dh);
            for (int d = 0; d < disjuncts; d++) {
                StringBuilder line = new StringBuilder(String.format("  %-10d", d));
                for (Report r : reports) {
                    CaseBounds b = r.cases().get(k);
                    line.append(String.format(" %" + w + "s", num(b.margins()[d]) + (b.excluded()[d] ? " *" : "  ")));
                }
                out.println(line);
            }
        }
        out.println("(* excluded: margin lower bound above the floating-point tolerance)");
        out.printf("%-12s %16s %9s %9s%n", "method", "min_margin", "verified", "time_ms");
        for (Report r : reports) out.printf("%-12s %16s %9s %9d%n", r.method().cliName(), num(r.minMargin()), r.verified(), r.millis());
    }

    private static String rows(Disjunct d) {
        if (d.rows().isEmpty()) return "(always: no rows)";
        return d.rows().stream().map(Object::toString).collect(java.util.stream.Collectors.joining(" and "));
    }

    private static String num(double v) { return String.format(Locale.ROOT, "%.9g", v); }

    private static String shortNum(double v) { return String.format(Locale.ROOT, "%.5g", v); }
}
