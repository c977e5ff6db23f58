package dev.verity.spec;

import dev.verity.InvalidInputException;

/**
 * The text being read and its name, to turn a character offset into {@code name:line:column}.
 * Lines and columns are computed only when an error is reported, so the lexer tracks plain offsets.
 */
record SourceText(String name, String text) {

    /** {@code name:line:column} (both 1-based; a tab counts as one column) for a character offset. */
    String location(int offset) {
        int line = 1, lineStart = 0, end = Math.min(offset, text.length());
        for (int i = 0; i < end; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return name + ":" + line + ":" + (end - lineStart + 1);
    }

    /** Line and column of {@code offset} without the name, for messages that point at a second place. */
    String lineColumn(int offset) {
        String loc = location(offset);
        return loc.substring(name.length() + 1);
    }

    InvalidInputException error(int offset, String message) {
        return new InvalidInputException(location(offset) + ": " + message);
    }
}
