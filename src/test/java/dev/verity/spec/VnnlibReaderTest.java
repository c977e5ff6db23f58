package dev.verity.spec;

import static dev.verity.spec.VnnlibBenchmarksTest.assertBounds;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-written properties: grammar, DNF and grouping, exactness, and error positions. */
class VnnlibReaderTest {

    private static final String DECLS = """
            (declare-const X_0 Real)
            (declare-const X_1 Real)
            (declare-const Y_0 Real)
            (declare-const Y_1 Real)
            """; // 4 lines: asserts appended to it start on line 5

    private static VnnlibProperty parse(String asserts) { return VnnlibReader.parse(DECLS + asserts, "t.vnnlib"); }

    private static InvalidInputException error(String text) {
        return assertThrows(InvalidInputException.class, () -> VnnlibReader.parse(text, "t.vnnlib"));
    }

    private static void assertError(String text, String location, String fragment) {
        String m = error(text).getMessage();
        assertTrue(m.startsWith("t.vnnlib:" + location + ": "), "location in: " + m);
        assertTrue(m.contains(fragment), "'" + fragment + "' in: " + m);
    }

    // ---- structure ----

    @Test
    void disjunctionMixingInputBoxesAndOutputsGroupsByBox() {
        VnnlibProperty p = parse("""
                (assert (>= X_1 -1))
                (assert (<= X_1 1))
                (assert (or
                    (and (>= X_0 0) (<= X_0 1) (>= Y_0 Y_1))
                    (and (<= Y_0 -2.5e-1) (>= X_0 0.0) (<= X_0 1.0))
                    (and (>= X_0 1) (<= X_0 2) (> Y_1 (+ Y_0 (* 2 (- 3.0)))))
                    (and (>= X_0 5) (<= X_0 4) (>= Y_0 0))  ; empty box: can never be violated, dropped
                ))
                """);
        assertEquals(2, p.inputCount());
        assertEquals(2, p.outputCount());
        assertEquals(2, p.cases().size());
        Case first = p.cases().get(0), second = p.cases().get(1);
        assertEquals(new Box(new double[] {0, -1}, new double[] {1, 1}), first.input());
        assertEquals(new Box(new double[] {1, -1}, new double[] {2, 1}), second.input());
        // (>= Y_0 Y_1): Y_1 - Y_0 <= 0;  (<= Y_0 -0.25): Y_0 + 0.25 <= 0
        assertEquals(List.of(new Disjunct(row(-1, 1, 0)), new Disjunct(row(1, 0, 0.25))), first.unsafe());
        // (> Y_1 (Y_0 - 6)), closed: Y_0 - 6 - Y_1 <= 0
        assertEquals(List.of(new Disjunct(row(1, -1, -6))), second.unsafe());

        assertTrue(p.isCounterexample(new double[] {0.5, 0}, new double[] {1, 0}));     // Y_0 >= Y_1 in box 1
        assertFalse(p.isCounterexample(new double[] {1.5, 0}, new double[] {10, 0}));   // box 2 needs Y_1 >= Y_0 - 6
        assertTrue(p.isCounterexample(new double[] {1.5, 0}, new double[] {1, -5}));    // on the (closed) boundary
        assertFalse(p.isCounterexample(new double[] {4.5, 0}, new double[] {1, -5}));   // the dropped box
        assertFalse(p.isCounterexample(new double[] {0.5, 1.5}, new double[] {1, 0}));  // X_1 outside
    }

    @Test
    void conjunctionOfDisjunctionsMultipliesOut() {
        VnnlibProperty p = parse("""
                (assert (and (<= -1 X_0) (<= X_0 1) (<= -1 X_1 1)))
                (assert (or (<= Y_0 0) (<= Y_1 0)))
                (assert (or (>= Y_0 -1) (>= Y_1 -1)))
                """);
        assertEquals(1, p.cases().size());
        assertBounds(p.cases().getFirst().input(), 1, -1, 1); // the chained (<= -1 X_1 1)
        List<Disjunct> d = p.cases().getFirst().unsafe();
        assertEquals(4, d.size());
        assertEquals(List.of(row(1, 0, 0), row(-1, 0, -1)), d.get(0).rows());
        assertEquals(List.of(row(1, 0, 0), row(0, -1, -1)), d.get(1).rows());
        assertEquals(List.of(row(0, 1, 0), row(-1, 0, -1)), d.get(2).rows());
        assertEquals(List.of(row(0, 1, 0), row(0, -1, -1)), d.get(3).rows());
    }

    @Test
    void termsAndLiterals() {
        VnnlibProperty p = parse("""
                (assert (<= X_0 -1.5E-3))            ; scientific notation, negative literal
                (assert (>= X_0 (- 3.0)))            ; unary minus
                (assert (>= (* 2 X_1) (- 1 2 3)))    ; 2 X_1 >= -4
                (assert (<= (* 0.5 X_1 4) 10))       ; 2 X_1 <= 10
                (assert (< (+ Y_0 Y_0 (* -1 Y_1) 7) (- Y_1)))
                (assert (<= 0 1))                    ; constant true: no row
                """);
        Box box = p.cases().getFirst().input();
        assertBounds(box, 0, -3, -1.5e-3);
        assertBounds(box, 1, -2, 5);
        assertEquals(List.of(row(2, 0, 7)), p.cases().getFirst().unsafe().getFirst().rows()); // Y_1 terms cancel
    }

    @Test
    void notEqualityAndConstants() {
        VnnlibProperty p = parse("""
                (assert (= X_0 0.25))
                (assert (not (or (< X_1 -1) (> X_1 1))))     ; X_1 in [-1, 1]
                (assert (or false (not (>= Y_0 Y_1)) (< 1 0)))  ; Y_0 < Y_1, closed to Y_0 - Y_1 <= 0
                (assert true)
                """);
        assertBounds(p.cases().getFirst().input(), 0, 0.25, 0.25);
        assertBounds(p.cases().getFirst().input(), 1, -1, 1);
        assertEquals(List.of(new Disjunct(row(1, -1, 0))), p.cases().getFirst().unsafe());
    }

    @Test
    void constantFalseOutputsMeanNoCases() {
        VnnlibProperty p = parse("(assert (<= -1 X_0 1)) (assert (<= -1 X_1 1)) (assert (or (> 0 1) (and (<= Y_0 1) false)))");
        assertTrue(p.cases().isEmpty());
        assertFalse(p.isCounterexample(new double[2], new double[2]));
    }

    @Test
    void inputsOnlyMakeEveryPointUnsafe() {
        VnnlibProperty p = parse("(assert (<= -1 X_0 1)) (assert (<= -1 X_1 1))");
        assertEquals(List.of(new Disjunct(List.of())), p.cases().getFirst().unsafe());
        assertTrue(p.isCounterexample(new double[2], new double[] {7, 7}));
    }

    @Test
    void boundWithNonUnitCoefficientIsRoundedOutward() {
        VnnlibProperty p = parse("(assert (<= (* 3 X_0) 1)) (assert (>= (* 3 X_0) -1)) (assert (<= -1 X_1 1))");
        double upper = p.cases().getFirst().input().upper(0), lower = p.cases().getFirst().input().lower(0);
        BigDecimal three = BigDecimal.valueOf(3);
        // The smallest double with 3u >= 1, the largest with 3l <= -1.
        assertTrue(new BigDecimal(upper).multiply(three).compareTo(BigDecimal.ONE) >= 0);
        assertTrue(new BigDecimal(Math.nextDown(upper)).multiply(three).compareTo(BigDecimal.ONE) < 0);
        assertTrue(new BigDecimal(lower).multiply(three).compareTo(BigDecimal.ONE.negate()) <= 0);
        assertTrue(new BigDecimal(Math.nextUp(lower)).multiply(three).compareTo(BigDecimal.ONE.negate()) > 0);
    }

    @Test
    void printedDoublesReadBackExactly() {
        VnnlibProperty p = parse("(assert (<= 0.1 X_0 0.30000000000000004)) (assert (<= -1e-300 X_1 1.7976931348623157e308))"
                + "(assert (<= Y_0 4.9e-324))");
        assertBounds(p.cases().getFirst().input(), 0, 0.1, 0.1 + 0.2);
        assertBounds(p.cases().getFirst().input(), 1, -1e-300, Double.MAX_VALUE);
        assertEquals(-Double.MIN_VALUE, p.cases().getFirst().unsafe().getFirst().rows().getFirst().d());
    }

    @Test
    void ignoredCommandsAndDeclareFun() {
        VnnlibProperty p = VnnlibReader.parse("""
                (set-logic QF_LRA) (set-info :source (a b))
                (declare-fun X_0 () Real) (declare-const Y_0 Real)
                (assert (and (>= X_0 0) (<= X_0 1) (>= Y_0 0)))
                (check-sat) (get-model) (exit)
                """, "t");
        assertEquals(1, p.inputCount());
        assertEquals(List.of(new Disjunct(new LinearConstraint(new double[] {-1}, 0))), p.cases().getFirst().unsafe());
    }

    @Test
    void readsPlainAndGzipFiles(@TempDir Path dir) throws IOException {
        String text = DECLS + "(assert (<= -1 X_0 1)) (assert (<= -1 X_1 1)) (assert (>= Y_0 Y_1))";
        Path plain = dir.resolve("p.vnnlib"), gz = dir.resolve("p.vnnlib.gz");
        Files.writeString(plain, text);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(VnnlibReader.read(plain), VnnlibReader.read(gz));
        assertEquals(1, VnnlibReader.read(gz).cases().size());
        Files.write(dir.resolve("bad.gz"), new byte[] {0x1f, (byte) 0x8b, 1, 2, 3});
        assertTrue(assertThrows(InvalidInputException.class, () -> VnnlibReader.read(dir.resolve("bad.gz"))).getMessage().contains("bad.gz"));
        assertTrue(assertThrows(InvalidInputException.class, () -> VnnlibReader.read(dir.resolve("none.vnnlib"))).getMessage().contains("no such file"));
    }

    /**
     * Differential test of the DNF: random nested and/or formulas over 2 inputs and 2 outputs, evaluated
     * directly on a grid of points (including the boundaries), must agree with the grouped cases.
     */
    @Test
    void dnfAgreesWithDirectEvaluation() {
        java.util.Random rnd = new java.util.Random(42);
        double[] grid = {-2, -1, -0.5, 0, 0.5, 1, 2};
        int checked = 0;
        for (int trial = 0; trial < 300; trial++) {
            RandomFormula f = RandomFormula.of(rnd, 3);
            String text = DECLS + "(assert (<= -2 X_0 2)) (assert (<= -2 X_1 2))\n(assert " + f.text + ")";
            VnnlibProperty p;
            try {
                p = VnnlibReader.parse(text, "random");
            } catch (InvalidInputException e) {
                assertTrue(e.getMessage().contains("input region is empty"), e.getMessage());
                continue; // every alternative had an empty box
            }
            for (double x0 : grid) for (double x1 : grid) for (double y0 : grid) for (double y1 : grid) {
                double[] x = {x0, x1}, y = {y0, y1};
                assertEquals(f.eval(x, y), p.isCounterexample(x, y), () -> f.text + " at " + List.of(x0, x1, y0, y1));
            }
            checked++;
        }
        assertTrue(checked > 200, "too few satisfiable samples: " + checked);
    }

    /** A random formula of and/or over atoms "var op constant" and "Y_0 op Y_1", with its direct evaluation. */
    private record RandomFormula(String text, java.util.function.BiPredicate<double[], double[]> eval0) {
        boolean eval(double[] x, double[] y) { return eval0.test(x, y); }

        static RandomFormula of(java.util.Random rnd, int depth) {
            if (depth == 0 || rnd.nextInt(3) == 0) {
                double c = rnd.nextInt(5) - 2;
                boolean le = rnd.nextBoolean();
                String op = le ? "<=" : ">=";
                int kind = rnd.nextInt(5);
                if (kind == 4) return new RandomFormula("(" + op + " Y_0 Y_1)", (x, y) -> le ? y[0] <= y[1] : y[0] >= y[1]);
                boolean input = kind < 2;
                int i = kind % 2;
                String name = (input ? "X_" : "Y_") + i;
                return new RandomFormula("(" + op + " " + name + " " + c + ")", (x, y) -> {
                    double v = input ? x[i] : y[i];
                    return le ? v <= c : v >= c;
                });
            }
            boolean and = rnd.nextBoolean();
            int n = 1 + rnd.nextInt(3);
            List<RandomFormula> kids = new java.util.ArrayList<>();
            for (int k = 0; k < n; k++) kids.add(of(rnd, depth - 1));
            StringBuilder s = new StringBuilder("(").append(and ? "and" : "or");
            for (RandomFormula k : kids) s.append(' ').append(k.text);
            return new RandomFormula(s.append(')').toString(), (x, y) -> and
                    ? kids.stream().allMatch(k -> k.eval(x, y))
                    : kids.stream().anyMatch(k -> k.eval(x, y)));
        }
    }

    // ---- errors and their positions ----

    @Test
    void unclosedParenthesisPointsAtIt() {
        assertError(DECLS + "(assert (<= X_0 1.0)\n", "5:1", "never closed");
        assertError(DECLS + "(assert (and (<= X_0 1.0)", "5:9", "never closed");
    }

    @Test
    void missingCloseBeforeNextCommand() {
        assertError(DECLS + "(assert (<= X_0 1.0)\n(assert (>= X_0 0.0))", "6:1", "expected ')' to close the '(' at 5:1");
    }

    @Test
    void extraCloseParenthesis() {
        assertError("(declare-const X_0 Real))", "1:25", "')' without a matching '('");
    }

    @Test
    void unknownOperatorAndCommand() {
        assertError(DECLS + "(assert (<== X_0 1))", "5:10", "unknown operator '<=='");
        assertError(DECLS + "(assert (<= (sin X_0) 1))", "5:14", "unknown operator 'sin'");
        assertError(DECLS + "\n  (define-fun f () Real 1.0)", "6:4", "unknown command 'define-fun'");
        assertError(DECLS + "(assert (<= (/ X_0 2) 1))", "5:14", "division is not supported");
    }

    @Test
    void undeclaredVariable() {
        assertError(DECLS + "; comment (with parens\n(assert (<= X_7 1))", "6:13", "undeclared variable 'X_7'");
        assertError("(declare-const X_0 Real)\n(assert (<= X_0 Y_0))\n(declare-const Y_0 Real)", "2:17", "undeclared variable 'Y_0'");
    }

    @Test
    void badNumbers() {
        for (String bad : List.of("1.2.3", "1e", "--1", "1e5x", "0x10", "1f", "+.e3", "1_000")) {
            assertError(DECLS + "(assert (<= X_0 " + bad + "))", "5:17", "bad number '" + bad + "'");
        }
        assertError(DECLS + "(assert\t(<= X_0 1e400))", "5:17", "out of the double range");
    }

    @Test
    void atomsMixingInputsAndOutputsAreRefused() {
        assertError(DECLS + "(assert (or (<= Y_0 0)\n   (<= X_0 Y_1)))", "6:4", "mixes inputs and outputs (X_0, Y_1)");
    }

    @Test
    void generalLinearInputConstraintsAreNotSupported() {
        assertError(DECLS + "(assert (<= (+ X_0 X_1) 1))", "5:9", "not supported");
    }

    @Test
    void everyInputNeedsBothBounds() {
        assertError(DECLS + "(assert (<= -1 X_0 1)) (assert (<= X_1 1))", "2:16", "X_1 has no lower bound");
        assertError(DECLS + "(assert (<= -1 X_0 1)) (assert (>= X_1 1))", "2:16", "X_1 has no upper bound");
        // Bounded in one alternative only.
        assertError(DECLS + "(assert (<= -1 X_0 1)) (assert (or (<= -1 X_1 1) (<= Y_0 0)))", "2:16",
                "X_1 has no bounds in one of the 2 alternatives");
    }

    @Test
    void emptyInputRegionIsAnError() {
        assertError(DECLS + "(assert (<= 1 X_0 0)) (assert (<= -1 X_1 1))", "1:16", "input region is empty");
    }

    @Test
    void inexactArithmeticIsRefused() {
        assertError(DECLS + "(assert (<= X_0 (+ 0.1 0.2)))", "5:17", "do not combine exactly");
        assertError(DECLS + "(assert (<= Y_0 (* Y_0 Y_1)))", "5:18", "nonlinear");
    }

    @Test
    void declarationsAreChecked() {
        assertError("(declare-const X_0 Real)\n(declare-const X_2 Real)\n(declare-const Y_0 Real)", "2:16", "X_1 is not");
        assertError("(declare-const X_0 Real)\n(declare-const X_0 Real)", "2:16", "declared twice (first at 1:16)");
        assertError("(declare-const X_0 Int)", "1:20", "unsupported sort 'Int'");
        assertError("(declare-const x Real)", "1:16", "unsupported variable name 'x'");
        assertError("(declare-const X_01 Real)", "1:16", "unsupported variable name");
        assertError("(declare-const X_0 Real)", "1:25", "no output variables");
    }

    @Test
    void formulaAndTermSlotsAreChecked() {
        assertError(DECLS + "(assert X_0)", "5:9", "expected a formula");
        assertError(DECLS + "(assert (<= X_0))", "5:10", "at least two arguments");
        assertError(DECLS + "(assert (<= (<= X_0 1) 1))", "5:14", "found the formula operator '<='");
        assertError(DECLS + "(assert (+ X_0 1))", "5:10", "arithmetic operator '+'");
        assertError(DECLS + "(assert (not (<= X_0 1) (<= X_0 2)))", "5:25", "exactly one argument");
        assertError(DECLS + "stray", "5:1", "expected '(' to start a command");
    }

    @Test
    void dnfSizeIsLimited() {
        StringBuilder s = new StringBuilder(DECLS + "(assert (<= -1 X_0 1)) (assert (<= -1 X_1 1))\n");
        for (int k = 0; k < 20; k++) s.append("(assert (or (<= Y_0 ").append(k).append(") (<= Y_1 ").append(k).append(")))\n");
        String m = error(s.toString()).getMessage();
        assertTrue(m.contains("disjunctive normal form"), m);
        assertTrue(m.startsWith("t.vnnlib:"), m);
    }

    private static LinearConstraint row(double c0, double c1, double d) {
        return new LinearConstraint(new double[] {c0, c1}, d);
    }

    @Test
    void valueTypesCopyAndEvaluate() {
        double[] lo = {0, 1}, hi = {2, 3};
        Box b = new Box(lo, hi);
        lo[0] = 99;
        assertEquals(0, b.lower(0));
        b.lower()[1] = 99;
        assertEquals(1, b.lower(1));
        assertArrayEquals(new double[] {1, 2}, b.center());
        assertArrayEquals(new double[] {2, 1}, b.clamp(new double[] {5, -5}));
        assertTrue(b.contains(new double[] {2, 3}));
        assertFalse(b.contains(new double[] {2.1, 3}));
        assertTrue(b.contains(new double[] {2.1, 3}, 0.2));
        assertFalse(b.contains(new double[] {Double.NaN, 2}));
        assertThrows(IllegalArgumentException.class, () -> new Box(new double[] {1}, new double[] {0}));

        LinearConstraint r = row(1, -1, 0.5);
        assertEquals(1.5, r.value(new double[] {2, 1}));
        assertFalse(r.isSatisfiedBy(new double[] {2, 1}));
        assertTrue(r.isSatisfiedBy(new double[] {0, 0.5}));
        assertEquals("Y_0 - Y_1 + 0.5 <= 0", r.toString());
        Disjunct d = new Disjunct(r, row(-1, 0, 0));
        assertTrue(d.isSatisfiedBy(new double[] {0, 1}));
        assertFalse(d.isSatisfiedBy(new double[] {-1, 1}));
        assertEquals(0.0, d.maxValue(new double[] {0, 1}));
    }
}
