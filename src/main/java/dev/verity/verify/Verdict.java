package dev.verity.verify;

/**
 * The answer of a verification run. The CLI prints {@link #word()} as the last line of {@code verity verify}
 * and exits with {@link #exitCode()}; both are a contract scripts depend on.
 */
public enum Verdict {
    /** Every case's every unsafe disjunct is excluded by a certified bound (margin above the tolerance). */
    VERIFIED("verified", 0),
    /** A counterexample was found and confirmed by the double and the float32 forward pass. */
    FALSIFIED("falsified", 10),
    /** Every stage ran to the end and none was decisive. */
    UNKNOWN("unknown", 20),
    /** The deadline passed before the stages were done. */
    TIMEOUT("timeout", 30);

    private final String word;
    private final int exitCode;

    Verdict(String word, int exitCode) {
        this.word = word;
        this.exitCode = exitCode;
    }

    /** The CLI word and JSON {@code result} value. */
    public String word() { return word; }

    /**
     * The exit status of {@code verity verify}: 0, 10, 20, 30. Chosen apart from the CLI's generic
     * 1 (internal error) and 2 (bad input), so that a script can tell "no answer" from "could not run".
     */
    public int exitCode() { return exitCode; }

    /** Whether this is a definite answer about the property (as opposed to "don't know"). */
    public boolean decisive() { return this == VERIFIED || this == FALSIFIED; }

    @Override public String toString() { return word; }
}
