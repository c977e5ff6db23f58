package dev.verity.eval;

import dev.verity.InvalidInputException;
import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundOptions;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@code verity eval --radius} searches every image's radius (paper 003 App. B, with a real curve instead of a
 * sampled one): bisection on ε over [0, {@code epsMax}] until the bracket is narrower than {@code tolerance}.
 *
 * @param methods   the methods as given; radii are searched for the certifying bound presets and attacks among them
 *                  ({@link #searched()}), not for the complete verifier
 * @param epsMax    the top of the search, in [0, 1] pixel units: also the end of the CR curve and of CR-AUC's integral
 *                  (paper 003 used 0.07 for its normally trained networks)
 * @param tolerance the bracket width at which bisection stops: the radius found is at most this much below the method's
 *                  true largest certified radius (monotone methods), so CR-AUC is at most {@code 100 · tolerance} low
 * @param budget    each certificate check's (each attack's) wall-clock budget; past it the check counts as failed
 * @param pgd       the attack's settings (its deadline is set per check from {@code budget})
 * @param bounds    the bound engine's settings
 * @param jobs      worker threads, each taking one (image, method) at a time
 */
public record RadiusSettings(List<EvalMethod> methods, double epsMax, double tolerance, Duration budget, PgdOptions pgd, BoundOptions bounds,
                             int jobs) {
    /** paper 003 App. B: "we sample 100 ε values from 0 to 0.07" for its normally trained networks. */
    public static final double DEFAULT_EPS_MAX = 0.07;
    public static final double DEFAULT_TOLERANCE = 1e-4;

    public RadiusSettings {
        methods = List.copyOf(methods);
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(pgd, "pgd");
        Objects.requireNonNull(bounds, "bounds");
        if (!(epsMax > 0) || epsMax > 1) throw new InvalidInputException("--eps-max must be in (0, 1] (pixel units), got " + epsMax);
        if (!(tolerance > 0) || !(tolerance < epsMax))
            throw new InvalidInputException("--radius-tolerance must be > 0 and below --eps-max " + epsMax + ", got " + tolerance);
        if (methods.isEmpty()) throw new InvalidInputException("--methods names no method");
        if (budget.isNegative() || budget.isZero()) throw new InvalidInputException("--timeout-per-image must be > 0 seconds, got " + budget);
        if (jobs < 1) throw new InvalidInputException("--jobs must be >= 1, got " + jobs);
    }

    /** Whether a radius is searched for this kind of method. */
    public static boolean searched(EvalMethod m) {
        return switch (m) {
            case EvalMethod.Bound b -> true;  // the largest certified ε: the CR curve of paper 003 Fig. 2
            case EvalMethod.Attack a -> true; // the smallest refuted ε: an upper-bound curve for reference
            // The complete verifier's radius is the minimum adversarial distortion, which `verity distortion` computes with
            // ε as a MILP variable (one solve, not a bisection of complete verifications).
            case EvalMethod.Complete c -> false;
        };
    }

    /** The methods whose radii are searched, in the order given. */
    public List<EvalMethod> searched() { return methods.stream().filter(RadiusSettings::searched).toList(); }

    /** Upper bound on the number of checks one bisection makes (its first check is at {@code epsMax}). */
    public int maxChecks() { return 1 + (int) Math.ceil(Math.log(epsMax / tolerance) / Math.log(2)); }
}
