package dev.verity.eval;

import dev.verity.InvalidInputException;

/** What one method concluded about one image at one ε. */
public enum Status {
    /** Robustness proven (by a bound method or the complete verifier). */
    CERTIFIED("certified"),
    /** Robustness disproven by a confirmed counterexample (the attack, the complete verifier, or the attack before a skipped method). */
    REFUTED("refuted"),
    /** The method ran to its end without deciding. */
    UNKNOWN("unknown"),
    /** The method's per-image budget ran out first. */
    TIMEOUT("timeout"),
    /** The method failed on this image (the message is kept in the result's detail). */
    ERROR("error");

    private final String word;

    Status(String word) { this.word = word; }

    /** The word in {@code results.jsonl}. */
    public String word() { return word; }

    public static Status parse(String word) {
        for (Status s : values()) if (s.word.equals(word)) return s;
        throw new InvalidInputException("unknown status '" + word + "'");
    }

    @Override public String toString() { return word; }
}
