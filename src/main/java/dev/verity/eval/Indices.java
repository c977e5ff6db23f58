package dev.verity.eval;

import dev.verity.InvalidInputException;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/** Which images of the dataset an evaluation covers. */
public final class Indices {
    private Indices() {}

    /** 0 .. n−1. */
    public static int[] first(int n) { return IntStream.range(0, n).toArray(); }

    /**
     * {@code --indices} values: single indices and inclusive ranges {@code A-B}, in the order given, each index once
     * ({@code 0,5,10-19}). Range checks against the dataset happen when it is loaded.
     */
    public static int[] parse(List<String> values) {
        Set<Integer> out = new LinkedHashSet<>();
        for (String raw : values) {
            String v = raw.strip();
            int dash = v.indexOf('-', 1);
            if (dash > 0) {
                int a = index(v.substring(0, dash), v), b = index(v.substring(dash + 1), v);
                if (b < a) throw new InvalidInputException("--indices: range " + v + " is empty (" + a + " > " + b + ")");
                for (int i = a; i <= b; i++) out.add(i);
            } else {
                out.add(index(v, v));
            }
        }
        if (out.isEmpty()) throw new InvalidInputException("--indices names no image");
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The largest index + 1: how many images must be read. */
    public static int needed(int[] indices) { return IntStream.of(indices).max().orElse(-1) + 1; }

    private static int index(String s, String item) {
        try {
            int i = Integer.parseInt(s.strip());
            if (i < 0) throw new InvalidInputException("--indices: " + item + ": indices start at 0");
            return i;
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--indices: '" + item + "' is not an index or a range A-B");
        }
    }
}
