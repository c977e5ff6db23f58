package dev.verity.data;

import dev.verity.testing.SharedData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.model.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The readers against the real files in shared/benchmarks (MNIST, Fashion-MNIST, ERAN's CSVs). */
class DatasetsTest {

    private static Path root;
    private static Dataset mnist; // read once: 10,000 images are 63 MB of doubles

    @BeforeAll
    static void load() {
        String shared = System.getProperty("verity.shared");
        SharedData.assume(shared != null, "system property verity.shared not set");
        root = Path.of(shared, "benchmarks");
        SharedData.assume(Files.isDirectory(root.resolve("datasets/mnist")), "no MNIST under " + root);
        mnist = Datasets.open(root.resolve("datasets/mnist"));
    }

    @Test
    void mnistTestSet() {
        assertEquals("mnist", mnist.name());
        assertEquals(10_000, mnist.size());
        assertEquals(new Shape(1, 28, 28), mnist.sampleShape());
        assertArrayEquals(new int[] {10_000, 1, 28, 28}, mnist.images().shape());
        assertArrayEquals(new int[] {7, 2, 1, 0, 4, 1, 4, 9, 5, 9}, Arrays.copyOf(mnist.labels(), 10));
        assertArrayEquals(new int[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, mnist.classCounts());
        // Byte 16 + 202 of the file (image 0, row 7, column 6) is 84; pixels are scaled by 1/255 and stay in [0, 1].
        assertEquals(84 / 255.0, mnist.images().get(0, 0, 7, 6));
        assertEquals(84 / 255.0, mnist.pixels(0)[202]);
        assertTrue(Arrays.stream(mnist.images().data()).allMatch(v -> v >= 0 && v <= 1));
        assertEquals(1.0, Arrays.stream(mnist.pixels(0)).max().orElseThrow());
    }

    @Test
    void limitReadsOnlyTheFirstSamples() {
        Dataset first = IdxReader.readDirectory(root.resolve("datasets/mnist"), 10);
        assertEquals(10, first.size());
        assertEquals(mnist.limit(10), first);
        assertArrayEquals(mnist.pixels(9), first.pixels(9));
        assertSame(mnist, mnist.limit(20_000));
        assertEquals(0, Datasets.open(root.resolve("datasets/mnist"), 0).size());
    }

    @Test
    void fashionMnistGzip() {
        Dataset fashion = Datasets.open(root.resolve("datasets/fashion-mnist"));
        assertEquals("fashion-mnist", fashion.name());
        assertEquals(10_000, fashion.size());
        assertEquals(new Shape(1, 28, 28), fashion.sampleShape());
        assertArrayEquals(new int[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, Arrays.copyOf(fashion.labels(), 10));
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, fashion.classCounts());
        assertEquals(3 / 255.0, fashion.pixels(0)[215]); // first non-zero byte of image 0
    }

    @Test
    void eranMnistCsvEqualsTheFirst100IdxImages() {
        Dataset csv = Datasets.open(root.resolve("eran-data/mnist_test.csv"));
        assertEquals("mnist_test", csv.name());
        assertEquals(100, csv.size());
        assertEquals(new Shape(1, 28, 28), csv.sampleShape());
        Dataset idx = mnist.limit(100);
        assertArrayEquals(idx.labels(), csv.labels());
        assertArrayEquals(idx.images().data(), csv.images().data()); // bit for bit: both are byte/255.0
    }

    /**
     * ERAN stores CIFAR pixels interleaved (HWC): the first row starts 3,158,112,49,159,111,47 = label 3, then
     * (R,G,B) of pixel (0,0), then of pixel (0,1). Read that way every image is much smoother than when the
     * row is read as three 1024-value planes, which is what the reshaping to CHW must preserve.
     */
    @Test
    void eranCifarCsvIsHwcReturnedAsChw() throws IOException {
        Path file = root.resolve("eran-data/cifar10_test.csv");
        Dataset cifar = Datasets.open(file);
        assertEquals(100, cifar.size());
        assertEquals(new Shape(3, 32, 32), cifar.sampleShape());
        assertArrayEquals(new int[] {3, 8, 8, 0, 6, 6, 1, 6, 3, 1}, Arrays.copyOf(cifar.labels(), 10));
        assertEquals(158 / 255.0, cifar.images().get(0, 0, 0, 0));
        assertEquals(112 / 255.0, cifar.images().get(0, 1, 0, 0));
        assertEquals(49 / 255.0, cifar.images().get(0, 2, 0, 0));
        assertEquals(159 / 255.0, cifar.images().get(0, 0, 0, 1));
        assertEquals(47 / 255.0, cifar.images().get(0, 2, 0, 1));

        List<String> rows = Files.readAllLines(file);
        for (int n = 0; n < 100; n++) {
            double[] raw = Arrays.stream(rows.get(n).split(",")).skip(1).mapToDouble(s -> Integer.parseInt(s) / 255.0).toArray();
            double ours = totalVariation(cifar.pixels(n)), planar = totalVariation(raw);
            assertTrue(ours < 0.8 * planar, "image " + n + ": " + ours + " vs " + planar);
            // Same multiset of values per pixel: CHW value (c, p) is raw value 3p + c.
            for (int p = 0; p < 1024; p += 97) {
                for (int c = 0; c < 3; c++) assertEquals(raw[3 * p + c], cifar.pixels(n)[c * 1024 + p]);
            }
        }
        assertTrue(totalVariation(cifar.pixels(0)) * 2.5 < totalVariation(
                Arrays.stream(rows.get(0).split(",")).skip(1).mapToDouble(Double::parseDouble).toArray()) / 255.0);
    }

    /** Sum of absolute differences between horizontal and vertical neighbours of a CHW [3, 32, 32] image. */
    private static double totalVariation(double[] chw) {
        double tv = 0;
        for (int c = 0; c < 3; c++) {
            for (int h = 0; h < 32; h++) {
                for (int w = 0; w < 32; w++) {
                    int i = c * 1024 + h * 32 + w;
                    if (w + 1 < 32) tv += Math.abs(chw[i + 1] - chw[i]);
                    if (h + 1 < 32) tv += Math.abs(chw[i + 32] - chw[i]);
                }
            }
        }
        return tv;
    }
}
