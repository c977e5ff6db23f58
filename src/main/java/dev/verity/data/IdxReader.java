package dev.verity.data;

import dev.verity.InvalidInputException;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Reads MNIST-style IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed. The format: a big-endian
 * header, {@code 0x0000_08_NN} (unsigned bytes, NN dimensions) then NN big-endian int sizes, then the
 * bytes row-major. Images are {@code 0x00000803} [N, rows, cols], labels {@code 0x00000801} [N].
 * Pixels are divided by 255 and each image gets the sample shape {@code [1, rows, cols]}.
 *
 * <p>Without a limit the whole file is checked: a short file or extra bytes after the announced data are
 * errors. With a limit only the header and the first samples are read, so damage further on goes unnoticed.
 */
public final class IdxReader {
    private IdxReader() {}

    private static final int IMAGES_MAGIC = 0x00000803, LABELS_MAGIC = 0x00000801;

    /** Names tried by {@link #readDirectory}, test split first (what verification is evaluated on). */
    private static final List<String> PREFIXES = List.of("t10k", "train");

    /** Reads all samples of the test (else training) split in {@code dir}. */
    public static Dataset readDirectory(Path dir) { return readDirectory(dir, DataFiles.NO_LIMIT); }

    /**
     * Finds {@code t10k-images-idx3-ubyte[.gz]} and {@code t10k-labels-idx1-ubyte[.gz]} in {@code dir}
     * (also the {@code .idx3-ubyte} spelling), or the {@code train-} files if there is no test split, and
     * reads the first {@code limit} samples. The dataset is named after the directory.
     */
    public static Dataset readDirectory(Path dir, int limit) {
        if (!Files.isDirectory(dir)) throw new InvalidInputException(dir + ": not a directory");
        for (String prefix : PREFIXES) {
            Path images = find(dir, prefix + "-images", "idx3-ubyte");
            Path labels = find(dir, prefix + "-labels", "idx1-ubyte");
            if (images != null && labels != null) {
                Path name = dir.toAbsolutePath().normalize().getFileName();
                return read(images, labels, name == null ? "idx" : name.toString(), limit);
            }
            if (images != null || labels != null) {
                throw new InvalidInputException(dir + ": found " + (images != null ? images.getFileName() : labels.getFileName())
                        + " but not its " + (images != null ? "labels" : "images") + " file (" + prefix
                        + (images != null ? "-labels-idx1-ubyte[.gz])" : "-images-idx3-ubyte[.gz])"));
            }
        }
        throw new InvalidInputException(dir + ": no IDX dataset here: expected t10k-images-idx3-ubyte[.gz] and"
                + " t10k-labels-idx1-ubyte[.gz] (or the train- files)");
    }

    /**
     * Reads one split of an IDX directory: {@code "train"} or {@code "t10k"} ({@code <prefix>-images-idx3-ubyte[.gz]}
     * and its labels), the first {@code limit} samples. Training reads {@code train}, evaluation {@code t10k}.
     */
    public static Dataset readSplit(Path dir, String prefix, int limit) {
        if (!Files.isDirectory(dir)) throw new InvalidInputException(dir + ": not a directory");
        Path images = find(dir, prefix + "-images", "idx3-ubyte");
        Path labels = find(dir, prefix + "-labels", "idx1-ubyte");
        if (images == null || labels == null)
            throw new InvalidInputException(dir + ": no " + (prefix.equals("train") ? "training" : prefix) + " split here: expected " + prefix
                    + "-images-idx3-ubyte[.gz] and " + prefix + "-labels-idx1-ubyte[.gz]");
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return read(images, labels, (name == null ? "idx" : name.toString()) + "/" + prefix, limit);
    }

    private static Path find(Path dir, String stem, String kind) {
        for (String sep : List.of("-", ".")) {
            for (String ext : List.of("", ".gz")) {
                Path p = dir.resolve(stem + sep + kind + ext);
                if (Files.isRegularFile(p)) return p;
            }
        }
        return null;
    }

    /** Reads an image file and its label file (the first {@code limit} samples); the counts in the headers must agree. */
    public static Dataset read(Path images, Path labels, String name, int limit) {
        DataFiles.checkLimit(limit);
        LabelBlock y = readLabelBlock(labels, limit);
        ImageBlock x = readImageBlock(images, limit);
        if (y.declared != x.declared) {
            throw new InvalidInputException(images + " has " + x.declared + " images but " + labels + " has " + y.declared + " labels");
        }
        Shape sample = new Shape(1, x.rows, x.cols);
        return new Dataset(new Tensor(x.pixels, sample.withBatch(x.count)), y.labels, sample, name);
    }

    /** Labels of an IDX1 file (at most {@code limit}), each 0..255. */
    public static int[] readLabels(Path file, int limit) {
        DataFiles.checkLimit(limit);
        return readLabelBlock(file, limit).labels;
    }

    private record LabelBlock(int[] labels, int declared) {}

    private static LabelBlock readLabelBlock(Path file, int limit) {
        try (InputStream in = DataFiles.open(file)) {
            int declared = header(in, file, LABELS_MAGIC, "labels")[0];
            int n = Math.min(declared, limit);
            byte[] b = readExactly(in, file, n, declared + " labels");
            if (n == declared) expectEnd(in, file);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = b[i] & 0xff;
            return new LabelBlock(labels, declared);
        } catch (IOException e) {
            throw ioError(file, e);
        }
    }

    private record ImageBlock(double[] pixels, int count, int declared, int rows, int cols) {}

    private static ImageBlock readImageBlock(Path file, int limit) {
        try (InputStream in = DataFiles.open(file)) {
            int[] dims = header(in, file, IMAGES_MAGIC, "images");
            int declared = dims[0], rows = dims[1], cols = dims[2];
            if (rows <= 0 || cols <= 0) throw new InvalidInputException(file + ": image size " + rows + "x" + cols + " in the header");
            int n = Math.min(declared, limit);
            long bytes = (long) n * rows * cols;
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new InvalidInputException(file + ": " + n + " images of " + rows + "x" + cols + " are too many to load; use a limit");
            }
            byte[] b = readExactly(in, file, (int) bytes, declared + " images of " + rows + "x" + cols);
            if (n == declared) expectEnd(in, file);
            double[] pixels = new double[b.length];
            for (int i = 0; i < b.length; i++) pixels[i] = (b[i] & 0xff) / 255.0;
            return new ImageBlock(pixels, n, declared, rows, cols);
        } catch (IOException e) {
            throw ioError(file, e);
        }
    }

    /** Checks the magic number and returns the dimension sizes. */
    private static int[] header(InputStream in, Path file, int magic, String what) throws IOException {
        int found = readInt(in, file);
        if (found != magic) {
            String hint = (found >>> 16) != 0 ? " (not an IDX file)"
                    : ((found >>> 8) & 0xff) != 0x08 ? " (element type 0x" + Integer.toHexString((found >>> 8) & 0xff)
                      + "; only unsigned bytes, 0x08, are supported)"
                    : (found & 0xff) == 1 ? " (a label file)" : (found & 0xff) == 3 ? " (an image file)" : "";
            throw new InvalidInputException(String.format("%s: expected an IDX %s file (magic 0x%08X), found magic 0x%08X%s",
                    file, what, magic, found, hint));
        }
        int[] dims = new int[magic & 0xff];
        for (int k = 0; k < dims.length; k++) {
            dims[k] = readInt(in, file);
            if (dims[k] < 0) throw new InvalidInputException(file + ": negative size " + dims[k] + " in the header");
        }
        return dims;
    }

    private static int readInt(InputStream in, Path file) throws IOException {
        byte[] b = in.readNBytes(4);
        if (b.length < 4) throw new InvalidInputException(file + ": truncated: the IDX header ends after " + b.length + " byte(s) of a field");
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    private static byte[] readExactly(InputStream in, Path file, int n, String declared) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new InvalidInputException(file + ": truncated: the header announces " + declared + " but the data ends after "
                    + b.length + " of the first " + n + " bytes");
        }
        return b;
    }

    private static void expectEnd(InputStream in, Path file) throws IOException {
        if (in.read() != -1) throw new InvalidInputException(file + ": unexpected data after the last element announced in the header");
    }

    private static InvalidInputException ioError(Path file, IOException e) {
        // A gzip stream that stops early surfaces as EOFException ("Unexpected end of ZLIB input stream").
        String what = e instanceof EOFException ? "truncated gzip data" : e instanceof ZipException ? "corrupt gzip data" : "cannot read";
        return new InvalidInputException(file + ": " + what + ": " + e.getMessage(), e);
    }
}
