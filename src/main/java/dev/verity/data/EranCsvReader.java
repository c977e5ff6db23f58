package dev.verity.data;

import dev.verity.InvalidInputException;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads ERAN's test-set CSV files ({@code data/mnist_test.csv}, {@code data/cifar10_test.csv}): one image
 * per line, {@code label,p0,p1,...} with pixels as integers 0..255, divided by 255 here.
 *
 * <ul>
 *   <li>{@code s*s} pixels (784 for MNIST / Fashion-MNIST) are one grey channel: sample shape [1, s, s].</li>
 *   <li>{@code 3*s*s} pixels (3072 for CIFAR-10) are stored <em>interleaved per pixel</em>: row-major over
 *       (h, w) with R, G, B of each pixel adjacent, i.e. HWC. ERAN's own reader relies on that (it
 *       normalises value {@code 3k+c} with channel {@code c}'s mean), and the data confirm it: read as HWC,
 *       each of the 100 images is far smoother (total variation about 3x lower on the first image) than when
 *       read as three 1024-value planes, and the first values {@code 158,112,49} are one brownish pixel.
 *       This reader returns channel-first [3, s, s] (CHW), the layout of ONNX models and of {@link Dataset}.</li>
 * </ul>
 * Any other row length, a value out of range or not an integer, or rows of different lengths is an
 * {@link InvalidInputException} naming the file and line. The file may be gzip-compressed.
 */
public final class EranCsvReader {
    private EranCsvReader() {}

    public static Dataset read(Path file) { return read(file, DataFiles.NO_LIMIT); }

    /** Reads the first {@code limit} rows; the dataset is named after the file ({@code mnist_test}). */
    public static Dataset read(Path file, int limit) {
        DataFiles.checkLimit(limit);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(DataFiles.open(file), StandardCharsets.US_ASCII), 1 << 16)) {
            int[] labels = new int[16];
            double[] pixels = null;
            int n = 0, perRow = -1, lineNo = 0;
            int[][] values = {new int[1024]}; // grows with the row length
            String line;
            // The first row is parsed even for limit 0: it fixes the sample shape of the (then empty) dataset.
            while ((n < limit || perRow < 0) && (line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue; // e.g. a trailing empty line
                int count = parseRow(line, values, file, lineNo);
                if (perRow < 0) {
                    perRow = count;
                    layout(count - 1, file); // fail early on an unknown row length
                    pixels = new double[16 * (count - 1)];
                } else if (count != perRow) {
                    throw new InvalidInputException(file + ":" + lineNo + ": " + count + " values, but the first row has " + perRow);
                }
                if (n == limit) break;
                int p = count - 1;
                if (n == labels.length) {
                    labels = Arrays.copyOf(labels, 2 * n);
                    pixels = Arrays.copyOf(pixels, 2 * n * p);
                }
                labels[n] = values[0][0];
                for (int k = 0; k < p; k++) {
                    int v = values[0][k + 1];
                    if (v > 255) throw new InvalidInputException(file + ":" + lineNo + ": pixel " + k + " is " + v + ", not in 0..255");
                    pixels[n * p + k] = v / 255.0;
                }
                n++;
            }
            if (perRow < 0) throw new InvalidInputException(file + ": no data rows (expected label,p0,p1,... per line)");
            int p = perRow - 1;
            Shape sample = layout(p, file);
            double[] data = Arrays.copyOf(pixels, n * p);
            if (sample.dim(0) == 3) data = hwcToChw(data, n, sample.dim(1));
            return new Dataset(new Tensor(data, sample.withBatch(n)), Arrays.copyOf(labels, n), sample,
                    DataFiles.baseName(file, ".gz", ".csv"));
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** [1, s, s] for s*s pixels, [3, s, s] for 3*s*s (never both: 3 is not a square). */
    private static Shape layout(int pixels, Path file) {
        int s = (int) Math.round(Math.sqrt(pixels));
        if (s > 0 && s * s == pixels) return new Shape(1, s, s);
        int c = (int) Math.round(Math.sqrt(pixels / 3.0));
        if (c > 0 && 3 * c * c == pixels) return new Shape(3, c, c);
        throw new InvalidInputException(file + ": rows have " + pixels + " pixel values; expected s*s (e.g. 784 = 28x28, MNIST)"
                + " or 3*s*s (e.g. 3072 = 32x32x3, CIFAR-10) after the label");
    }

    /**
     * Splits one line into non-negative ints (label first) into {@code holder[0]}, growing it if needed,
     * without regexes or substrings; returns how many.
     */
    private static int parseRow(String line, int[][] holder, Path file, int lineNo) {
        int[] values = holder[0];
        int count = 0, i = 0, len = line.length();
        while (true) {
            while (i < len && line.charAt(i) == ' ') i++;
            int start = i;
            long v = 0;
            while (i < len && line.charAt(i) >= '0' && line.charAt(i) <= '9') {
                v = v * 10 + (line.charAt(i) - '0');
                if (v > Integer.MAX_VALUE) throw new InvalidInputException(file + ":" + lineNo + ": number too large at column " + (start + 1));
                i++;
            }
            while (i < len && (line.charAt(i) == ' ' || line.charAt(i) == '\r')) i++;
            if (i == start || (i < len && line.charAt(i) != ',')) {
                int end = line.indexOf(',', start);
                String bad = line.substring(start, end < 0 ? len : end).strip();
                throw new InvalidInputException(file + ":" + lineNo + ": value " + (count + 1) + " is '" + bad
                        + "', expected a non-negative integer (column " + (start + 1) + ")");
            }
            if (count == values.length) holder[0] = values = Arrays.copyOf(values, 2 * count);
            values[count++] = (int) v;
            if (i == len) return count;
            i++; // the comma
        }
    }

    /** {@code [n][s][s][3]} (HWC, ERAN's order) to {@code [n][3][s][s]} (CHW). */
    private static double[] hwcToChw(double[] hwc, int n, int s) {
        double[] chw = new double[hwc.length];
        int plane = s * s, per = 3 * plane;
        for (int img = 0; img < n; img++) {
            int base = img * per;
            for (int pix = 0; pix < plane; pix++) {
                for (int c = 0; c < 3; c++) chw[base + c * plane + pix] = hwc[base + 3 * pix + c];
            }
        }
        return chw;
    }
}
