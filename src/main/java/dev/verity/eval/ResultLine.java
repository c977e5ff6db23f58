package dev.verity.eval;

import java.util.Objects;

/**
 * One line of {@code results.jsonl}: what is known about one image. The file is the run's only state: a
 * resumed run skips what it finds there, and the tables are computed from it alone.
 */
public sealed interface ResultLine {
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
}
