package dev.verity.cli;

import java.io.PrintStream;

/**
 * A progress line on standard error ("label 4096/10000 41% ETA 3 s"), redrawn at most a few times a
 * second, and only when a person is watching (a terminal): logs and pipes stay clean.
 */
final class Progress implements AutoCloseable {
    private final String label;
    private final long total;
    private final PrintStream err;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;

    Progress(String label, long total) {
        this(label, total, System.err, System.console() != null);
    }

    Progress(String label, long total, PrintStream err, boolean enabled) {
        this.label = label;
        this.total = total;
        this.err = err;
        this.enabled = enabled;
    }

    void update(long done) {
        if (!enabled) return;
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        double elapsed = (now - start) / 1e9;
        String eta = done == 0 ? "?" : String.format("%.0f s", elapsed * (total - done) / done);
        err.printf("\r%s %d/%d %3.0f%% ETA %s   ", label, done, total, 100.0 * done / Math.max(1, total), eta);
        err.flush();
    }

    @Override public void close() {
        if (enabled) {
            err.print("\r" + " ".repeat(60) + "\r");
            err.flush();
        }
    }
}
