package dev.verity.eval;

import java.util.Objects;

/**
 * One line of {@code results.jsonl}: what is known about one image. The file is the run's only state: a
 * resumed run skips what it finds there, and the tables are computed from it alone.
 */
public sealed interface ResultLine extends java.io.Serializable {
    /** The dataset index of the image. */
    int image();

    /**
     * The clean prediction of image {@code image} (a misclassified image is non-robust at every ε, as in paper 000
     * Table 1 where the test error is part of every bound; no method runs on it).
     */
    record Clean(int image, int label, int predicted) implements ResultLine {
        public boolean correct() { return label == predicted; }
    }

    /**
     * What {@code method} concluded about image {@code image} at radius {@code eps}.
     *
     * @param ran     false when the method was skipped because the attack had already refuted the image (status
     *                REFUTED, {@code by} = the attack's name, {@code seconds} 0): no method can certify a refuted image
     * @param seconds wall-clock time the method spent on the image
     * @param margin  the smallest certified margin lower bound over the other classes (bound methods), else NaN
     * @param by      what decided: the attack for a skipped method, the deciding stage of the complete verifier; else null
     * @param detail  an error message or other note; else null
     */
    record Outcome(int image, double eps, String method, Status status, boolean ran, double seconds, double margin, String by,
                   String detail) implements ResultLine {
        public Outcome {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(status, "status");
        }

        /** The key that says whether this result is already there: (image, ε, method). */
        public Key key() { return new Key(image, eps, method); }
    }

    /** (image, ε, method): at most one {@link Outcome} each. ε is compared exactly (it round-trips through JSON). */
    record Key(int image, double eps, String method) {}

    /**
     * The radius of image {@code image} for {@code method}, found by bisection on ε over [0, {@code epsMax}] until the
     * bracket is narrower than {@code tolerance} ({@code verity eval --radius}; paper 003 App. B's CR curves as real
     * curves). For a certifying method it is the largest ε the method certified (0 when it certified nothing above 0,
     * {@code epsMax} when it certified the whole range); for an attack the smallest ε at which it found a confirmed
     * counterexample (+inf, written as null, when none up to {@code epsMax}). Only correctly classified images have
     * radius lines: a misclassified image has radius 0 for every method.
     *
     * @param seconds  wall-clock time of the whole bisection
     * @param checks   how many times the certificate (or attack) ran
     * @param timeouts how many of those ran past the per-check budget (counted as not certified / not refuted, so the
     *                 radius stays what it claims)
     * @param error    the message when the method failed on this image (radius 0, resp. +inf), else null
     */
    record Radius(int image, String method, double epsMax, double tolerance, double radius, double seconds, int checks, int timeouts,
                  String error) implements ResultLine {
        public Radius {
            Objects.requireNonNull(method, "method");
            if (!(radius >= 0)) throw new IllegalArgumentException("radius must be >= 0, got " + radius);
        }

        /** The key that says whether this radius is already there: (image, method, ε_max, tolerance). */
        public RadiusKey key() { return new RadiusKey(image, method, epsMax, tolerance); }
    }

    /**
     * (image, method, ε_max, tolerance): at most one {@link Radius} each. The search settings are part of the key rather
     * than of {@code run.json}, so a folder resumed with another {@code --eps-max} or tolerance computes the new radii
     * next to the old ones instead of refusing (as a new ε list does for {@link Outcome}s).
     */
    record RadiusKey(int image, String method, double epsMax, double tolerance) {}
}
