package dev.verity.io;

import dev.verity.InvalidInputException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opening files the user names (models, properties, data): gzip is recognised by its magic bytes
 * (1f 8b), whatever the file is called, because benchmark suites ship {@code .gz} files under
 * names without the suffix and vice versa. Every failure is an {@link InvalidInputException}
 * naming the file.
 */
public final class UserFiles {
    private static final int BUFFER = 1 << 16;

    private UserFiles() {}

    /** A buffered stream of the file's content, decompressed if it is gzip. */
    public static InputStream open(Path file) {
        try {
            InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
            in.mark(2);
            int b0 = in.read(), b1 = in.read();
            in.reset();
            return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER) : in;
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /** The file's whole (decompressed) content. */
    public static byte[] readAllBytes(Path file) {
        try (InputStream in = open(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /** The error for an I/O failure on {@code file}, saying what went wrong in words a user can act on. */
    public static InvalidInputException failure(Path file, IOException e) {
        if (e instanceof NoSuchFileException) return new InvalidInputException(file + ": no such file", e);
        if (e instanceof ZipException) return new InvalidInputException(file + ": corrupt gzip data: " + e.getMessage(), e);
        if (e instanceof java.io.EOFException) return new InvalidInputException(file + ": truncated (gzip) data", e);
        return new InvalidInputException(file + ": cannot read: " + e.getMessage(), e);
    }

    /** Rethrows an unchecked wrapper of an I/O failure as the user-facing error. */
    public static InvalidInputException failure(Path file, UncheckedIOException e) {
        return failure(file, e.getCause());
    }
}
