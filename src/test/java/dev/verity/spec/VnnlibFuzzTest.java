package dev.verity.spec;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Issue 17's input fuzz, VNN-LIB half: seeded mutations of valid properties (tokens deleted, repeated, replaced by
 * other VNN-LIB tokens or by garbage, deep nesting, huge and non-finite numbers, truncation) must each end in a parsed
 * property or an {@link InvalidInputException} naming the file — never another exception, a stack overflow or a hang.
 */
class VnnlibFuzzTest {
    static final int MUTANTS_PER_SEED = 250;

    static final List<String> SEEDS = List.of(
            """
            (declare-const X_0 Real)
            (declare-const X_1 Real)
            (declare-const X_2 Real)
            (declare-const Y_0 Real)
            (declare-const Y_1 Real)
            (declare-const Y_2 Real)
            (assert (<= X_0 0.5))
            (assert (>= X_0 -0.5))
            (assert (<= X_1 1e-1))
            (assert (>= X_1 -1.0e-1))
            (assert (<= X_2 2))
            (assert (>= X_2 1))
            (assert (or (and (>= Y_1 Y_0)) (and (>= Y_2 Y_0))))
            """,
            """
            (declare-const X_0 Real)
            (declare-const X_1 Real)
            (declare-const Y_0 Real)
            (declare-const Y_1 Real)
            (assert (or
                (and (>= X_0 0) (<= X_0 1) (>= X_1 -1) (<= X_1 1) (<= Y_0 -2.5e-1))
                (and (>= X_0 1) (<= X_0 2) (>= X_1 -1) (<= X_1 1) (> Y_1 (+ Y_0 (* 2 (- 3.0)))))))
            """,
            """
            (declare-const X_0 Real)
            (declare-const Y_0 Real)
            (declare-const Y_1 Real)
            (assert (and (<= -1 X_0) (<= X_0 1)))
            (assert (<= (- Y_0 Y_1) 0.0))
            """);

    private static final String[] TOKENS = {"(", ")", "assert", "and", "or", "<=", ">=", "<", ">", "+", "-", "*",
            "declare-const", "Real", "X_0", "X_7", "Y_1", "Y_99", "X_-1", "0", "-0", "1e308", "1e999", "-1e999", "NaN",
            "inf", "0x1p3", "1/3", "9999999999999999999999", "X_99999999999", "; comment\n", "\"", "|X_0|", "\u0000", " "};

    @Test
    void everyMutatedPropertyParsesOrIsRejectedAsBadInput() {
        SplittableRandom r = new SplittableRandom(2026);
        int parsed = 0, rejected = 0;
        long slowest = 0;
        for (int s = 0; s < SEEDS.size(); s++)
            for (int i = 0; i < MUTANTS_PER_SEED; i++) {
                String mutant = mutate(SEEDS.get(s), r);
                String name = "seed" + s + "-mutant" + i + ".vnnlib";
                long start = System.nanoTime();
                boolean ok = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> parseOrReject(mutant, name), name);
                slowest = Math.max(slowest, System.nanoTime() - start);
                if (ok) parsed++;
                else rejected++;
            }
        System.out.printf("VNN-LIB fuzz: %d mutants, %d parsed, %d rejected as bad input, slowest %.1f ms%n",
                parsed + rejected, parsed, rejected, slowest / 1e6);
        assertTrue(parsed > 0 && rejected > 0, "the mutations reach both outcomes");
    }

    private static boolean parseOrReject(String text, String name) {
        try {
            VnnlibProperty p = VnnlibReader.parse(text, name);
            for (Case c : p.cases()) {
                assertTrue(c.input().lower().length == p.inputCount(), name + ": box of the declared size");
                for (int i = 0; i < p.inputCount(); i++)
                    assertTrue(!Double.isNaN(c.input().lower()[i]) && !Double.isNaN(c.input().upper()[i]), name + ": no NaN bound");
            }
            return true;
        } catch (InvalidInputException e) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(name), name + ": the message names the file: " + e.getMessage());
            return false;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            throw new AssertionError(name + ": " + e + "\n--- input ---\n" + text, e);
        }
    }

    /** Mostly one edit (a quarter of the mutants two or three) at whitespace-separated token boundaries, or a deep nest, or a cut. */
    static String mutate(String seed, SplittableRandom r) {
        String[] parts = seed.replace("(", " ( ").replace(")", " ) ").trim().split("\\s+");
        java.util.List<String> t = new java.util.ArrayList<>(List.of(parts));
        int edits = r.nextInt(4) == 0 ? 2 + r.nextInt(2) : 1;
        for (int e = 0; e < edits && !t.isEmpty(); e++) {
            int at = r.nextInt(t.size());
            switch (r.nextInt(7)) {
                case 0 -> t.remove(at);
                case 1 -> t.add(at, t.get(at));
                case 2 -> t.set(at, TOKENS[r.nextInt(TOKENS.length)]);
                case 3 -> t.add(at, TOKENS[r.nextInt(TOKENS.length)]);
                case 4 -> { // deep nesting, deeper than any recursive parser's stack
                    int depth = r.nextBoolean() ? 100 : 200_000;
                    t.add(at, "(".repeat(depth) + (r.nextBoolean() ? ")".repeat(depth) : ""));
                }
                case 5 -> t.subList(at, t.size()).clear(); // truncate
                default -> { // a number replaced by an extreme one
                    t.set(at, switch (r.nextInt(4)) {
                        case 0 -> "1e400";
                        case 1 -> "-4.9e-330";
                        case 2 -> "1" + "0".repeat(400);
                        default -> "0." + "0".repeat(400) + "1";
                    });
                }
            }
        }
        return String.join(" ", t);
    }
}
