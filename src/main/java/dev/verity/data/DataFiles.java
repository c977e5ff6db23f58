package dev.verity.data;

import dev.verity.InvalidInputException;
import dev.verity.io.UserFiles;
import java.io.InputStream;
import java.nio.file.Path;

/** Opening data files: gzip is recognised by its magic bytes, so a renamed or unrenamed file both work. */
final class DataFiles {
    private DataFiles() {}

    static final int NO_LIMIT = Integer.MAX_VALUE;

    /** A buffered stream of the file's content, decompressed if it is gzip. */
    static InputStream open(Path file) {
        return UserFiles.open(file);
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
