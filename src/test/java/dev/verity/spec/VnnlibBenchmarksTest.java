package dev.verity.spec;

import dev.verity.testing.SharedData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The reader against the real VNN-COMP files in shared/benchmarks, with values read by hand from them. */
class VnnlibBenchmarksTest {

    static Path benchmarks() {
        String shared = System.getProperty("verity.shared");
        SharedData.assume(shared != null, "system property verity.shared not set");
        Path dir = Path.of(shared, "benchmarks");
        SharedData.assume(Files.isDirectory(dir), "no benchmarks folder at " + dir);
        return dir;
    }

    /** Every .vnnlib / .vnnlib.gz parses, and agrees with an independent, naive line-by-line reading of the file. */
    @TestFactory
    Stream<DynamicTest> everyBenchmarkFileParses() throws IOException {
        Path root = benchmarks();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(p -> p.toString().endsWith(".vnnlib") || p.toString().endsWith(".vnnlib.gz")).sorted().toList();
        }
        assertTrue(files.size() >= 200, "expected the ~259 benchmark properties, found " + files.size());
        return files.stream().map(f -> DynamicTest.dynamicTest(root.relativize(f).toString(), () -> checkFile(f)));
    }

    private static void checkFile(Path file) throws IOException {
        VnnlibProperty p = VnnlibReader.read(file);
        String text = text(file);
        assertEquals(count(text, "(declare-const X_"), p.inputCount(), "inputs");
        assertEquals(count(text, "(declare-const Y_"), p.outputCount(), "outputs");
        assertFalse(p.cases().isEmpty(), "no cases");
        for (Case c : p.cases()) {
            assertFalse(c.unsafe().isEmpty(), "case without disjuncts");
            for (int i = 0; i < p.inputCount(); i++) {
                assertTrue(Double.isFinite(c.input().lower(i)) && Double.isFinite(c.input().upper(i)), "X_" + i);
            }
            for (Disjunct d : c.unsafe()) assertFalse(d.rows().isEmpty(), "a disjunct without rows would make every input unsafe");
        }
        double[][] naive = naiveTopLevelBox(text, p.inputCount());
        if (naive != null) { // the file bounds inputs with top-level asserts only: one box, equal bit for bit
            assertEquals(1, p.cases().size());
            assertArrayEquals(naive[0], p.cases().getFirst().input().lower());
            assertArrayEquals(naive[1], p.cases().getFirst().input().upper());
        }
    }

    /** Bounds from lines "(assert (<= X_i v))" / "(assert (>= X_i v))", or null if some input has none there. */
    private static double[][] naiveTopLevelBox(String text, int n) {
        double[] lo = new double[n], hi = new double[n];
        Arrays.fill(lo, Double.NEGATIVE_INFINITY);
        Arrays.fill(hi, Double.POSITIVE_INFINITY);
        for (String line : text.split("\n")) {
            line = line.strip();
            boolean le = line.startsWith("(assert (<= X_"), ge = line.startsWith("(assert (>= X_");
            if (!(le || ge) || !line.endsWith("))")) continue;
            String[] parts = line.substring(12, line.length() - 2).split("\\s+");
            int i = Integer.parseInt(parts[0].substring(2));
            double v = Double.parseDouble(parts[1]);
            if (le) hi[i] = Math.min(hi[i], v);
            else lo[i] = Math.max(lo[i], v);
        }
        for (int i = 0; i < n; i++) if (Double.isInfinite(lo[i]) || Double.isInfinite(hi[i])) return null;
        return new double[][] {lo, hi};
    }

    private static String text(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (file.toString().endsWith(".gz")) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                b = in.readAllBytes();
            }
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }

    /** vnncomp2021/mnistfc/prop_0_0.03.vnnlib: "Mnist property with label: 8", eps 0.03 clipped to [0, 1]. */
    @Test
    void mnistfcProp0() {
        VnnlibProperty p = VnnlibReader.read(benchmarks().resolve("vnncomp2021/mnistfc/prop_0_0.03.vnnlib"));
        assertEquals(784, p.inputCount());
        assertEquals(10, p.outputCount());
        assertEquals(1, p.cases().size());
        Box box = p.cases().getFirst().input();
        // Lines 801-802, 1260-1261, 1269-1270, 3150-3151 of the file.
        assertBounds(box, 0, 0.0, 0.029999999329447746);
        assertBounds(box, 153, 0.052352942526340485, 0.11235294491052628);
        assertBounds(box, 154, 0.26411765813827515, 0.32411766052246094);
        assertBounds(box, 156, 0.9660784602165222, 1.0);
        assertBounds(box, 783, 0.0, 0.029999999329447746);
        // (or (and (>= Y_0 Y_8)) ... (and (>= Y_9 Y_8))): Y_8 - Y_j <= 0 for every j != 8, in file order.
        List<Disjunct> unsafe = p.cases().getFirst().unsafe();
        assertEquals(9, unsafe.size());
        int k = 0;
        for (int j = 0; j < 10; j++) {
            if (j == 8) continue;
            double[] c = new double[10];
            c[8] = 1;
            c[j] = -1;
            assertEquals(List.of(new LinearConstraint(c, 0.0)), unsafe.get(k++).rows(), "disjunct for Y_" + j);
        }
        // Semantics: the center with class 3 scoring above class 8 is a counterexample, a confident 8 is not.
        double[] x = box.center();
        double[] bad = new double[10], good = new double[10];
        bad[3] = 2;
        bad[8] = 1;
        good[8] = 5;
        assertTrue(p.isCounterexample(x, bad));
        assertFalse(p.isCounterexample(x, good));
    }

    /** vnncomp2021/acasxu/prop_1.vnnlib: the whole file read by hand. */
    @Test
    void acasXuProp1() {
        VnnlibProperty p = VnnlibReader.read(benchmarks().resolve("vnncomp2021/acasxu/prop_1.vnnlib"));
        assertEquals(5, p.inputCount());
        assertEquals(5, p.outputCount());
        assertEquals(1, p.cases().size());
        Box box = p.cases().getFirst().input();
        assertArrayEquals(new double[] {0.6, -0.5, -0.5, 0.45, -0.5}, box.lower());
        assertArrayEquals(new double[] {0.679857769, 0.5, 0.5, 0.5, -0.45}, box.upper());
        // (assert (>= Y_0 3.991125645861615)) is 3.991125645861615 - Y_0 <= 0.
        List<Disjunct> unsafe = p.cases().getFirst().unsafe();
        assertEquals(1, unsafe.size());
        assertEquals(List.of(new LinearConstraint(new double[] {-1, 0, 0, 0, 0}, 3.991125645861615)), unsafe.getFirst().rows());
        assertTrue(p.isCounterexample(box.center(), new double[] {3.991125645861615, 0, 0, 0, 0}));
        assertFalse(p.isCounterexample(box.center(), new double[] {3.99, 9, 9, 9, 9}));
    }

    /** vnncomp2021/acasxu/prop_6.vnnlib puts two input boxes inside an 'or', conjoined with a 4-way output 'or'. */
    @Test
    void acasXuProp6HasTwoBoxes() {
        VnnlibProperty p = VnnlibReader.read(benchmarks().resolve("vnncomp2021/acasxu/prop_6.vnnlib"));
        assertEquals(2, p.cases().size());
        Box first = p.cases().get(0).input(), second = p.cases().get(1).input();
        assertBounds(first, 0, -0.129289109, 0.700434925);
        assertBounds(first, 1, 0.11140846, 0.499999896);
        assertBounds(second, 1, -0.499999896, -0.11140846);
        assertBounds(second, 2, -0.499999896, -0.499204121);
        for (Case c : p.cases()) {
            assertEquals(4, c.unsafe().size());
            for (int j = 1; j <= 4; j++) { // (<= Y_j Y_0) is Y_j - Y_0 <= 0
                double[] coef = new double[5];
                coef[j] = 1;
                coef[0] = -1;
                assertEquals(List.of(new LinearConstraint(coef, 0)), c.unsafe().get(j - 1).rows());
            }
        }
    }

    /** vnncomp2021/acasxu/prop_7.vnnlib: (or (and 3 rows) (and 3 rows)) over one box. */
    @Test
    void acasXuProp7() {
        VnnlibProperty p = VnnlibReader.read(benchmarks().resolve("vnncomp2021/acasxu/prop_7.vnnlib"));
        assertEquals(1, p.cases().size());
        assertBounds(p.cases().getFirst().input(), 0, -0.328422877, 0.679857769);
        List<Disjunct> unsafe = p.cases().getFirst().unsafe();
        assertEquals(2, unsafe.size());
        assertEquals(new LinearConstraint(new double[] {0, -1, 0, 1, 0}, 0), unsafe.get(0).rows().get(1)); // (<= Y_3 Y_1)
        assertEquals(new LinearConstraint(new double[] {0, 0, -1, 0, 1}, 0), unsafe.get(1).rows().get(2)); // (<= Y_4 Y_2)
    }

    static void assertBounds(Box box, int i, double lower, double upper) {
        assertEquals(lower, box.lower(i), "lower bound of X_" + i);
        assertEquals(upper, box.upper(i), "upper bound of X_" + i);
    }
}
