package dev.verity.data;

import dev.verity.InvalidInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opening data files: gzip is recognised by its magic bytes, so a renamed or unrenamed file both work. */
final class DataFiles {
    private DataFiles() {}

    static final int NO_LIMIT = Integer.MAX_VALUE;

    /** A buffered stream of the file's content, decompressed if it is gzip. */
    static InputStream open(Path file) {
        try {
            InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            in.mark(2);
            int b0 = in.read(), b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
            return in;
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file", e);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    static void checkLimit(int limit) {
        if (limit < 0) throw new InvalidInputException("limit must be >= 0, got " + limit);
    }

    /** The file name without the given suffixes, e.g. {@code mnist_test} for {@code mnist_test.csv.gz}. */
    static String baseName(Path file, String... suffixes) {
        String n = file.getFileName().toString();
        for (String s : suffixes) if (n.endsWith(s)) n = n.substring(0, n.length() - s.length());
        return n;
    }
}
