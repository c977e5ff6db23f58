package dev.verity.spec;

import java.util.List;
import java.util.Objects;

/**
 * One input box with the output conditions that are unsafe for inputs in it: the case is violated
 * when some {@code x} in {@link #input()} gives outputs {@code y} that satisfy some disjunct in
 * {@link #unsafe()}. An empty {@code unsafe} list means this box has no unsafe outputs.
 */
public record Case(Box input, List<Disjunct> unsafe) {

    public Case {
        Objects.requireNonNull(input, "input");
        unsafe = List.copyOf(unsafe);
    }

    /** Whether some disjunct accepts {@code y}, i.e. {@code y} is an unsafe output for this case. */
    public boolean isUnsafeOutput(double[] y) {
        for (Disjunct d : unsafe) if (d.isSatisfiedBy(y)) return true;
        return false;
    }

    /** Whether the pair is a counterexample: {@code x} in the box and {@code y} unsafe. */
    public boolean isCounterexample(double[] x, double[] y) { return input.contains(x) && isUnsafeOutput(y); }
}
