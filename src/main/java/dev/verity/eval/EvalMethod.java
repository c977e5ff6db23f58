package dev.verity.eval;

import dev.verity.InvalidInputException;
import dev.verity.bounds.Method;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A method that {@code verity eval} runs on every image, under the name the user typed (tables, plots and
 * {@code results.jsonl} use that name, so {@code lp-greedy} stays {@code lp-greedy}).
 *
 * <p>The three kinds bound the robust error from the two sides, as in paper 000 Table 1: an {@link Attack}
 * refutes robustness (a confirmed adversarial example: a lower bound), a {@link Bound} certifies it (an upper
 * bound), and the {@link Complete} verifier does both.
 */
public sealed interface EvalMethod extends java.io.Serializable {
    /** The name as typed (lower case): the key of this method's results. */
    String name();

    /** Whether a result of this method can refute robustness (gives a lower bound on the robust error). */
    default boolean refutes() { return !(this instanceof Bound); }

    /** Whether a result of this method can certify robustness (gives an upper bound on the robust error). */
    default boolean certifies() { return !(this instanceof Attack); }

    /** Run order within an image, cheapest first (the attack first: its refutations let the others be skipped). */
    int cost();

    /** PGD: a refutation counts only after {@code Counterexamples.confirm} (double and float32 forward pass). */
    record Attack(String name) implements EvalMethod {
        @Override public int cost() { return 0; }
    }

    /** A bound preset of the engine: certified when every other class's margin is above the tolerance. */
    record Bound(String name, Method preset) implements EvalMethod {
        @Override public int cost() { return 1 + COST_ORDER.indexOf(preset); }
    }

    /**
     * The complete verifier: the {@code verify} pipeline (PGD, bound stages and, at its end, MILP as in paper 004),
     * whose verdict is exact unless it times out. Paper 000 Table 1's "MILP" columns.
     */
    record Complete(String name) implements EvalMethod {
        @Override public int cost() { return 1000; }
    }

    /** Roughly cheapest to dearest, so that a cheap answer comes early in the progress of an image. */
    List<Method> COST_ORDER = List.of(Method.IBP, Method.HBOX, Method.HBOX_FORWARD, Method.DEEPZ, Method.CROWN_IBP, Method.CROWN_0, Method.CROWN,
            Method.ALPHA_CROWN, Method.LAGRANGIAN, Method.LP_LAST, Method.LP_LAST_CROWN, Method.PARALLELOGRAM, Method.LP_ALL, Method.SDP);

    /**
     * {@code pgd}, {@code milp}, {@code lp-greedy} (paper 000's name for Wong–Kolter's dual = DeepZ = Fast-Lin: the
     * {@code deepz} preset) or any bound preset name ({@link Method#names()}).
     */
    static EvalMethod parse(String typed) {
        String name = typed.strip().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "pgd" -> new Attack(name);
            case "milp" -> new Complete(name);
            case "lp-greedy" -> new Bound(name, Method.DEEPZ);
            case "" -> throw new InvalidInputException("--methods has an empty method name");
            default -> {
                try {
                    yield new Bound(name, Method.parse(name));
                } catch (InvalidInputException e) {
                    throw new InvalidInputException("unknown method '" + typed.strip() + "' in --methods; one of: pgd, milp, lp-greedy, "
                            + Method.names());
                }
            }
        };
    }

    /** The methods named in a list, in the order typed, each once. */
    static List<EvalMethod> parseAll(List<String> typed) {
        Set<String> seen = new LinkedHashSet<>();
        List<EvalMethod> out = new ArrayList<>();
        for (String t : typed) {
            EvalMethod m = parse(t);
            if (seen.add(m.name())) out.add(m);
        }
        if (out.isEmpty()) throw new InvalidInputException("--methods names no method");
        return List.copyOf(out);
    }
}
