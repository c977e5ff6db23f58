package dev.verity.eval;

import dev.verity.InvalidInputException;
import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What an evaluation computes and how.
 *
 * @param eps          the L∞ radii in pixel space, in the order given (each > 0, each once)
 * @param methods      the methods, in the order given (tables keep it; images run them cheapest first)
 * @param budget       each method's wall-clock budget on each image and ε: past it the method's result is TIMEOUT
 * @param pgd          the attack's settings (its deadline is set per image from {@code budget})
 * @param bounds       the bound engine's settings (bound methods and the complete verifier)
 * @param skipRefuted  whether a method is skipped (recorded as refuted by the attack, time 0) on an image the attack
 *                     refuted: no sound method can certify it, so its answer is known without running it
 * @param jobs         worker threads, each taking whole images
 */
public record EvalSettings(List<Double> eps, List<EvalMethod> methods, Duration budget, PgdOptions pgd, BoundOptions bounds,
                           boolean skipRefuted, int jobs) implements java.io.Serializable {
    public EvalSettings {
        eps = List.copyOf(eps);
        methods = List.copyOf(methods);
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(pgd, "pgd");
        Objects.requireNonNull(bounds, "bounds");
        if (eps.isEmpty()) throw new InvalidInputException("--eps needs at least one value");
        for (double e : eps) {
            if (!(e > 0) || !Double.isFinite(e)) throw new InvalidInputException("--eps values must be numbers > 0, got " + e);
        }
        if (eps.stream().distinct().count() != eps.size()) throw new InvalidInputException("--eps lists a value twice: " + eps);
        if (methods.isEmpty()) throw new InvalidInputException("--methods names no method");
        if (budget.isNegative() || budget.isZero()) throw new InvalidInputException("--timeout-per-image must be > 0 seconds, got " + budget);
        if (jobs < 1) throw new InvalidInputException("--jobs must be >= 1, got " + jobs);
    }

    /**
     * Parses {@code --eps} values: numbers > 0, each once.
     */
    public static List<Double> parseEps(List<String> values) {
        List<Double> out = new ArrayList<>();
        for (String v : values) {
            double e;
            try {
                e = Double.parseDouble(v.strip());
            } catch (NumberFormatException ex) {
                throw new InvalidInputException("--eps: '" + v.strip() + "' is not a number");
            }
            if (!(e > 0) || !Double.isFinite(e)) throw new InvalidInputException("--eps values must be numbers > 0, got " + v.strip());
            if (out.contains(e)) throw new InvalidInputException("--eps lists " + v.strip() + " twice");
            out.add(e);
        }
        if (out.isEmpty()) throw new InvalidInputException("--eps needs at least one value");
        return out;
    }

    /**
     * The settings that change results (not which images, radii or methods are asked for, nor the number of jobs):
     * a resumed run must agree with the run it continues on all of them, or its table would mix two experiments.
     */
    public Map<String, String> resultSettings() {
        return resultSettings(budget, pgd, bounds, skipRefuted);
    }

    /**
     * {@link #resultSettings()} from its parts, for a run without an ε list ({@code verity eval --radius} alone): the same
     * keys, so such a folder can later be resumed with an ε list and the other way round.
     */
    public static Map<String, String> resultSettings(Duration budget, PgdOptions pgd, BoundOptions bounds, boolean skipRefuted) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("timeout_per_image_s", String.format(Locale.ROOT, "%s", budget.toNanos() / 1e9));
        m.put("pgd", "restarts=" + pgd.restarts() + " steps=" + pgd.steps() + " step_fraction=" + pgd.stepFraction() + " schedule="
                + pgd.schedule() + " seed=" + pgd.seed() + " relu_leak=" + pgd.reluLeak());
        m.put("bounds", bounds.toString());
        m.put("skip_refuted", Boolean.toString(skipRefuted));
        return m;
    }
}
