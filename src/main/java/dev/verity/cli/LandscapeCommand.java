package dev.verity.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.data.Dataset;
import dev.verity.data.Datasets;
import dev.verity.eval.Landscape;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code verity landscape MODEL --data DIR --index I --eps E --methods box,hbox,deepz,crown,crown-ibp}: paper 003
 * Sec. 4.3 / Fig. 4 — each relaxation's bound as the first layer's weights are shifted by δ along the gradient of that
 * bound, with the discontinuities found (Sec. 4.1). The computation is {@link Landscape}; see docs/landscape.md.
 */
@Command(name = "landscape", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Continuity and sensitivity of relaxations (paper 003 Sec. 4, Fig. 4): shifts the first dense/conv layer's weights of "
                        + "MODEL by δ along a unit direction and sweeps each method's lower bound over the L∞ ball of radius --eps "
                        + "around image --index (clipped to [0, 1]), for δ in [−D, D] on a grid of --steps intervals.",
                "What is bounded: by default the margin z_y − z_j for the image's label y and the wrong class j whose CROWN "
                        + "margin bound is smallest at δ = 0 (--against J picks j); --output K bounds output neuron K instead, as "
                        + "the paper does.",
                "Direction: for each method, the gradient of its own bound w.r.t. the first layer's weights at δ = 0, scaled "
                        + "to unit L2 norm (the bias and later layers stay fixed); --direction M uses method M's for all. "
                        + "Positive δ is the ascent direction.",
                "Jumps: grid intervals where the bound changes far more than the gradients at the neighbouring points allow "
                        + "are bisected down to a bracket of width 1e-9·D; a jump is reported only if the gap survives (a "
                        + "discontinuity keeps its gap as the bracket shrinks, a steep continuous stretch does not). Box and "
                        + "DeepZ are continuous (Theorem 1); hBox, CROWN and CROWN-IBP are not.",
                "Writes into --out: landscape.csv (delta, one column per method), landscape.png (one line per method), "
                        + "jumps.csv (method,delta,width,left,right,size). Prints per method the bound at δ = 0, its min and "
                        + "max over the sweep and the jumps.",
                "Exit status: 0 done, 2 bad input, 1 internal error."})
final class LandscapeCommand implements Callable<Integer> {
    /** Default half-width of the sweep, as a fraction of the first layer's weight norm (see docs/landscape.md). */
    static final double DEFAULT_DELTA_FRACTION = 0.01;

    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX classifier (.onnx or .onnx.gz): a chain of dense/conv, ReLU, flatten, reshape layers.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "IDX directory (MNIST, Fashion-MNIST) or ERAN CSV file; pixels in [0, 1].")
    Path data;

    @Option(names = "--index", required = true, paramLabel = "I", description = "The test image (0-based).")
    int index;

    @Option(names = "--eps", required = true, paramLabel = "E", description = "L∞ radius in pixel units ([0, 1] scale), > 0.")
    double eps;

    @Option(names = "--methods", split = ",", paramLabel = "M", defaultValue = "box,hbox,deepz,crown,crown-ibp",
            description = "Methods (default ${DEFAULT-VALUE}): box (= ibp), hbox, deepz, crown, crown-0, crown-ibp.")
    List<String> methods;

    @Option(names = "--delta-max", paramLabel = "D",
            description = "δ runs over [−D, D] (the L2 length of the weight shift, in weight units). Default: 1%% of the first layer's "
                    + "weight norm ‖W₁‖_F.")
    Double deltaMax;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "400", description = "Grid intervals (N + 1 points; default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--output", paramLabel = "K", description = "Bound output neuron K instead of the margin.")
    Integer output;

    @Option(names = "--against", paramLabel = "J", description = "The wrong class j of the margin z_y − z_j (default: the smallest CROWN margin bound).")
    Integer against;

    @Option(names = "--direction", paramLabel = "M", description = "Use this method's gradient as the direction for every method (default: each its own).")
    String direction;

    @Option(names = "--bisection-budget", paramLabel = "N", defaultValue = "" + Landscape.Settings.DEFAULT_MAX_EVALUATIONS,
            description = "Bound evaluations each method may spend confirming jumps (default ${DEFAULT-VALUE}).")
    int budget;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/landscape", description = "Output folder (default ${DEFAULT-VALUE}); files there are overwritten.")
    Path out;

    @Option(names = "--json", description = "Print one JSON object instead of lines.")
    boolean json;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /** What is bounded: the lower bound of c·y, described for the reader. */
    record Target(double[] c, String kind, String description) {}

    @Override public Integer call() {
        if (!(eps > 0) || !Double.isFinite(eps)) throw new InvalidInputException("--eps must be a number > 0, got " + eps);
        if (index < 0) throw new InvalidInputException("--index must be >= 0, got " + index);
        if (steps < 2) throw new InvalidInputException("--steps must be at least 2, got " + steps);
        if (deltaMax != null && (!(deltaMax > 0) || deltaMax.isInfinite())) throw new InvalidInputException("--delta-max must be a number > 0, got " + deltaMax);
        if (budget < 0) throw new InvalidInputException("--bisection-budget must be >= 0, got " + budget);
        if (output != null && against != null) throw new InvalidInputException("--output and --against cannot be used together: pick one");
        List<Method> ms = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String name : methods) {
            Method m = Landscape.parseMethod(name);
            if (ms.contains(m)) throw new InvalidInputException("--methods names " + Landscape.paperName(m) + " twice");
            ms.add(m);
            names.add(name.strip().toLowerCase(Locale.ROOT));
        }
        if (ms.isEmpty()) throw new InvalidInputException("--methods names no method");
        Method fixedDirection = direction == null ? null : Landscape.parseMethod(direction);

        Network net = Models.load(model);
        Dataset ds = Datasets.open(data, index + 1);
        if (index >= ds.size()) throw new InvalidInputException("--index " + index + " is out of range: " + data + " has " + ds.size() + " images");
        if (ds.sampleShape().numel() != net.inputShape().numel())
            throw new InvalidInputException("dataset samples have " + ds.sampleShape().numel() + " values; the model's input " + net.inputShape() + " needs "
                    + net.inputShape().numel());
        double[] x = ds.pixels(index);
        int label = ds.label(index);
        int outputs = net.outputShape().numel();
        double[] lo = new double[x.length], hi = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            lo[i] = Math.max(0, x[i] - eps);
            hi[i] = Math.min(1, x[i] + eps);
        }
        Interval box = new Interval(lo, hi);
        int predicted = Forward.run(net, TensorOps.INSTANCE, new Tensor(x.clone(), net.inputShape().withBatch(1))).argmax(1)[0];
        Target target = target(net, box, label, outputs);
        Landscape landscape = new Landscape(net, box, target.c());
        double d = deltaMax != null ? deltaMax : DEFAULT_DELTA_FRACTION * landscape.firstLayerWeightNorm();
        if (!(d > 0)) throw new InvalidInputException("the first layer's weights are all zero: give --delta-max");
        Landscape.Settings settings = new Landscape.Settings(d, steps, Landscape.Settings.DEFAULT_RESOLUTION, budget);

        PrintWriter pw = spec.commandLine().getOut();
        if (!json) {
            pw.printf(Locale.ROOT, "image %d label %d (predicted %d), eps %s: %s%n", index, label, predicted, eps, target.description());
            pw.printf(Locale.ROOT, "delta in [-%.6g, %.6g], %d steps of %.3g; first layer weight norm %.6g%n", d, d, steps, 2 * d / steps,
                    landscape.firstLayerWeightNorm());
            pw.flush();
        }
        Optional<Landscape.Direction> shared = fixedDirection == null ? Optional.empty() : landscape.firstLayerGradient(fixedDirection);
        if (fixedDirection != null && shared.isEmpty())
            throw new InvalidInputException("--direction " + direction + ": its bound does not depend on the first layer's weights here (zero gradient)");
        if (!json && fixedDirection != null) pw.println("direction for every method: " + shared.get().source());
        List<Landscape.Curve> curves = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            Method m = ms.get(i);
            Landscape.Direction dir = shared.orElse(null);
            if (dir == null) dir = landscape.firstLayerGradient(m).orElse(null);
            boolean borrowed = dir == null;
            if (dir == null) {
                // A zero gradient has no direction: borrow the first method's that has one, and say so.
                for (Method other : ms) {
                    if (other == m) continue;
                    dir = landscape.firstLayerGradient(other).orElse(null);
                    if (dir != null) break;
                }
                if (dir == null) throw new InvalidInputException("no method's bound depends on the first layer's weights here (all gradients are zero); "
                        + "try another --eps or --output");
            }
            Landscape.Curve c = landscape.sweep(names.get(i), m, dir, settings);
            curves.add(c);
            if (!json) {
                pw.println(line(c) + (borrowed ? " [its own gradient is zero; direction: " + dir.source() + "]" : ""));
                pw.flush();
            }
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new InvalidInputException("cannot create the output folder " + out + ": " + e.getMessage(), e);
        }
        Landscape.writeCsv(out.resolve("landscape.csv"), curves);
        Landscape.writeJumpsCsv(out.resolve("jumps.csv"), curves);
        Landscape.writePng(out.resolve("landscape.png"), curves, String.format(Locale.ROOT, "%s, image %d, ε = %s: %s", model.getFileName(), index, eps,
                target.kind()));
        if (json) {
            pw.println(Json.write(toJson(curves, target, label, predicted, d, landscape.firstLayerWeightNorm())));
        } else {
            pw.printf("wrote %s, %s, %s%n", out.resolve("landscape.csv"), out.resolve("landscape.png"), out.resolve("jumps.csv"));
        }
        pw.flush();
        return Main.EXIT_OK;
    }

    /** --output K, or the margin against --against J, or against the class with the smallest CROWN margin bound at δ = 0. */
    private Target target(Network net, Interval box, int label, int outputs) {
        double[] c = new double[outputs];
        if (output != null) {
            if (output < 0 || output >= outputs) throw new InvalidInputException("--output " + output + " is out of range: the model has " + outputs + " outputs");
            c[output] = 1;
            return new Target(c, "lower bound of z_" + output, "lower bound of output z_" + output);
        }
        if (label >= outputs) throw new InvalidInputException("label " + label + " of image " + index + " is not an output of the model (" + outputs + " outputs)");
        int j;
        String why;
        if (against != null) {
            if (against < 0 || against >= outputs || against == label)
                throw new InvalidInputException("--against " + against + " must be an output other than the label " + label + " (0.." + (outputs - 1) + ")");
            j = against;
            why = "given by --against";
        } else {
            double[] margins = new BoundEngine(net).bound(Method.CROWN, box, Objective.robustness(label, outputs)).lower();
            j = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int k = 0, row = 0; k < outputs; k++) {
                if (k == label) continue;
                if (margins[row] < best) {
                    best = margins[row];
                    j = k;
                }
                row++;
            }
            why = String.format(Locale.ROOT, "the smallest crown margin bound at delta = 0, %.6g", best);
        }
        c[label] = 1;
        c[j] = -1;
        return new Target(c, "lower bound of z_" + label + " − z_" + j, "lower bound of the margin z_" + label + " − z_" + j + " (class " + j + ": " + why + ")");
    }

    private static String line(Landscape.Curve c) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-10s at 0 %.6f, min %.6f, max %.6f, slope at 0 %.4g; ", c.name(), c.atZero(), c.min(),
                c.max(), slopeAtZero(c)));
        if (c.jumps().isEmpty()) s.append("no jumps");
        else s.append(c.jumps().size()).append(c.jumps().size() == 1 ? " jump:" : " jumps:");
        int shown = 0;
        for (Landscape.Jump j : c.jumps()) {
            if (shown++ == 12) {
                s.append(" ... (all in jumps.csv)");
                break;
            }
            s.append(String.format(Locale.ROOT, " %.6f (%+.4g)", j.delta(), j.size()));
        }
        if (c.exhausted()) s.append(String.format(Locale.ROOT, " [bisection budget spent after %d of %d candidates' evaluations: more may exist]",
                c.evaluations(), c.candidates()));
        return s.toString();
    }

    private static double slopeAtZero(Landscape.Curve c) {
        int k = java.util.Arrays.binarySearch(c.deltas(), 0.0);
        return k >= 0 ? c.slopes()[k] : Double.NaN;
    }

    private ObjectNode toJson(List<Landscape.Curve> curves, Target target, int label, int predicted, double d, double weightNorm) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("model", model.toString());
        o.put("index", index);
        o.put("label", label);
        o.put("predicted", predicted);
        o.put("eps", eps);
        o.put("target", target.kind());
        o.set("c", Json.array(target.c()));
        o.put("delta_max", d);
        o.put("steps", steps);
        o.put("first_layer_weight_norm", weightNorm);
        ArrayNode ms = o.putArray("methods");
        for (Landscape.Curve c : curves) {
            ObjectNode m = ms.addObject();
            m.put("name", c.name());
            m.put("method", c.method().cliName());
            m.put("direction", c.direction().source());
            Json.putFiniteOrNull(m, "gradient_norm", c.direction().gradientNorm());
            Json.putFiniteOrNull(m, "at_zero", c.atZero());
            Json.putFiniteOrNull(m, "slope_at_zero", slopeAtZero(c));
            m.put("min", c.min());
            m.put("max", c.max());
            m.put("candidates", c.candidates());
            m.put("bisection_evaluations", c.evaluations());
            m.put("budget_exhausted", c.exhausted());
            ArrayNode js = m.putArray("jumps");
            for (Landscape.Jump j : c.jumps()) {
                ObjectNode jo = js.addObject();
                jo.put("delta", j.delta());
                jo.put("size", j.size());
                jo.put("left", j.left());
                jo.put("right", j.right());
                jo.put("width", j.width());
            }
        }
        ObjectNode files = o.putObject("files");
        files.put("csv", out.resolve("landscape.csv").toString());
        files.put("png", out.resolve("landscape.png").toString());
        files.put("jumps", out.resolve("jumps.csv").toString());
        return o;
    }
}
