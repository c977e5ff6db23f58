package dev.verity.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.verity.InvalidInputException;
import dev.verity.model.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small synthetic files: the formats' details and a clear error for every kind of broken file. */
class DataFileErrorsTest {

    @TempDir Path dir;

    /** Three 2x3 images with pixels 0, 10, 20, ... and labels 4, 0, 255. */
    private static byte[] images() {
        ByteBuffer b = ByteBuffer.allocate(16 + 18).putInt(0x803).putInt(3).putInt(2).putInt(3);
        for (int i = 0; i < 18; i++) b.put((byte) (i * 10 + (i == 17 ? 85 : 0))); // last pixel 255
        return b.array();
    }

    private static byte[] labels() {
        return ByteBuffer.allocate(8 + 3).putInt(0x801).putInt(3).put((byte) 4).put((byte) 0).put((byte) 255).array();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private Path idxDir(String name, byte[] images, byte[] labels, boolean gz) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        String ext = gz ? ".gz" : "";
        Files.write(d.resolve("t10k-images-idx3-ubyte" + ext), gz ? gzip(images) : images);
        Files.write(d.resolve("t10k-labels-idx1-ubyte" + ext), gz ? gzip(labels) : labels);
        return d;
    }

    private static void assertFails(Path path, String fragment, Runnable read) {
        String m = assertThrows(InvalidInputException.class, read::run).getMessage();
        assertTrue(m.contains(path.toString()), "path in: " + m);
        assertTrue(m.contains(fragment), "'" + fragment + "' in: " + m);
    }

    @Test
    void readsSmallIdxRawAndGzip() throws IOException {
        Dataset raw = Datasets.open(idxDir("tiny", images(), labels(), false));
        Dataset gz = Datasets.open(idxDir("tinygz", images(), labels(), true));
        assertEquals("tinygz", gz.name());
        assertArrayEquals(raw.labels(), gz.labels());
        assertArrayEquals(raw.images().data(), gz.images().data());
        assertEquals(new Shape(1, 2, 3), raw.sampleShape());
        assertArrayEquals(new int[] {4, 0, 255}, raw.labels());
        assertEquals(60 / 255.0, raw.images().get(1, 0, 0, 0));
        assertEquals(1.0, raw.images().get(2, 0, 1, 2));
        assertArrayEquals(new int[] {1, 0, 0, 0, 1}, Arrays.copyOf(raw.classCounts(), 5));
        assertEquals(2, Datasets.open(dir.resolve("tiny"), 2).size());
    }

    @Test
    void truncatedImages() throws IOException {
        Path d = idxDir("trunc", Arrays.copyOf(images(), 30), labels(), false);
        assertFails(d.resolve("t10k-images-idx3-ubyte"), "truncated", () -> Datasets.open(d));
        Path h = idxDir("header", Arrays.copyOf(images(), 6), labels(), false);
        assertFails(h.resolve("t10k-images-idx3-ubyte"), "truncated: the IDX header", () -> Datasets.open(h));
    }

    @Test
    void truncatedGzip() throws IOException {
        Path d = idxDir("truncgz", images(), labels(), true);
        Path f = d.resolve("t10k-images-idx3-ubyte.gz");
        byte[] gz = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(gz, gz.length - 12)); // drop the trailer and some data
        assertFails(f, "truncated", () -> Datasets.open(d));
    }

    @Test
    void garbledHeaders() throws IOException {
        byte[] bad = images();
        bad[3] = 0x01; // a labels magic in the images file
        Path d = idxDir("magic", bad, labels(), false);
        assertFails(d.resolve("t10k-images-idx3-ubyte"), "magic 0x00000801 (a label file)", () -> Datasets.open(d));
        byte[] text = "P5 28 28 255\n".getBytes();
        Path t = idxDir("text", text, labels(), false);
        assertFails(t.resolve("t10k-images-idx3-ubyte"), "not an IDX file", () -> Datasets.open(t));
    }

    @Test
    void countMismatchAndTrailingData() throws IOException {
        byte[] fewer = labels();
        fewer[7] = 2;
        Path d = idxDir("mismatch", images(), Arrays.copyOf(fewer, 10), false);
        assertFails(d.resolve("t10k-labels-idx1-ubyte"), "has 3 images but", () -> Datasets.open(d));
        Path e = idxDir("trailing", images(), Arrays.copyOf(labels(), 12), false);
        assertFails(e.resolve("t10k-labels-idx1-ubyte"), "unexpected data after", () -> Datasets.open(e));
    }

    @Test
    void directoriesWithoutAPair() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertFails(empty, "no IDX dataset", () -> Datasets.open(empty));
        Path half = Files.createDirectories(dir.resolve("half"));
        Files.write(half.resolve("t10k-images-idx3-ubyte"), images());
        assertFails(half, "but not its labels", () -> Datasets.open(half));
    }

    @Test
    void csvRows() throws IOException {
        Path ok = dir.resolve("four.csv"); // 4 pixels: a 2x2 grey image
        Files.writeString(ok, "1,0,51,102,255\r\n7, 0,0,0,0\n\n");
        Dataset d = Datasets.open(ok);
        assertEquals("four", d.name());
        assertEquals(new Shape(1, 2, 2), d.sampleShape());
        assertArrayEquals(new int[] {1, 7}, d.labels());
        assertArrayEquals(new double[] {0, 0.2, 0.4, 1}, d.pixels(0));
        assertEquals(0, Datasets.open(ok, 0).size());

        Path rgb = dir.resolve("rgb.csv"); // 12 pixels: a 2x2 RGB image stored HWC
        Files.writeString(rgb, "0,1,2,3,4,5,6,7,8,9,10,11,12\n");
        assertArrayEquals(new double[] {1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12},
                Arrays.stream(Datasets.open(rgb).pixels(0)).map(v -> Math.round(v * 255)).toArray());
    }

    @Test
    void garbledCsv() throws IOException {
        assertCsvFails("1,0,0,300,0\n", "four.csv:1: pixel 2 is 300");
        assertCsvFails("1,0,0,0,0\n2,0,abc,0,0\n", "four.csv:2: value 3 is 'abc'");
        assertCsvFails("1,0,0,0,0\n2,0,-1,0,0\n", "four.csv:2: value 3 is '-1'");
        assertCsvFails("1,0,0,0,0\n2,0,0.5,0,0\n", "value 3 is '0.5'");
        assertCsvFails("1,0,0,0,0\n2,0,,0,0\n", "value 3 is ''");
        assertCsvFails("1,0,0,0,0\n2,0,0,0\n", "four.csv:2: 4 values, but the first row has 5");
        assertCsvFails("1,0,0,0,0,0\n", "rows have 5 pixel values");
        assertCsvFails("\n\n", "no data rows");
    }

    private void assertCsvFails(String content, String fragment) throws IOException {
        Path f = dir.resolve("four.csv");
        Files.writeString(f, content);
        assertFails(f, fragment, () -> Datasets.open(f));
    }

    @Test
    void unknownPaths() throws IOException {
        Path txt = Files.writeString(dir.resolve("data.txt"), "1,2,3");
        assertFails(txt, "unknown dataset format", () -> Datasets.open(txt));
        Path missing = dir.resolve("missing.csv");
        assertFails(missing, "no such file", () -> Datasets.open(missing));
        assertThrows(InvalidInputException.class, () -> Datasets.open(txt, -1));
    }
}
