package dev.verity.verify;

import dev.verity.InvalidInputException;
import dev.verity.attack.Counterexample;
import dev.verity.model.Network;
import dev.verity.spec.VnnlibProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Runs the rows of a VNN-COMP {@code instances.csv} ({@code onnx,vnnlib,timeout_s}, paths relative to the csv)
 * through {@link Verifier}, and speaks the competition's formats: result words ({@code sat} = falsified,
 * {@code unsat} = verified, {@code timeout}, {@code unknown}, {@code error}) and counterexample files.
 *
 * <p>One verifier per network, shared by that network's rows (and by the threads that run them: the bound engine is
 * thread-safe); the last few networks stay loaded ({@link #runInstance}), so a csv grouped by network, as VNN-COMP's are,
 * loads each once and does not keep every network in memory. The command runs the rows as tasks of the work-distribution
 * port ({@code cluster.TaskRunner}: threads here, or a cluster's members), each through {@link #runInstance}.
 * A row that cannot be loaded or run becomes an {@code error} row and the batch goes on, as in the competition;
 * only a csv that names a missing file is refused up front, before hours are spent on the rows before it.
 */
public final class BatchRunner {
    /** One csv row: the names as written (for the results csv and matching), the files found, the budget. */
    public record Instance(int row, String onnxName, String vnnlibName, Path onnx, Path vnnlib, double timeoutSeconds) {
        public String onnxStem() { return stem(onnxName, ".onnx"); }
        public String vnnlibStem() { return stem(vnnlibName, ".vnnlib"); }
    }

    /**
     * The answer for one instance.
     *
     * @param result         sat, unsat, timeout, unknown or error
     * @param seconds        time of the property load and verification (the network load is preparation, as in VNN-COMP)
     * @param method         the deciding stage, or "" when none decided
     * @param counterexample the confirmed counterexample when sat, else null
     * @param error          what went wrong when error, else null
     */
    public record Outcome(Instance instance, String result, double seconds, String method, Counterexample counterexample, String error) {}

    /** Reads a property and checks it against the network ({@code onnx} is named in the error messages). */
    @FunctionalInterface
    public interface PropertyLoader {
        VnnlibProperty load(Path vnnlib, Network net, Path onnx);
    }

    /** How a result compares with the table's majority answer. */
    public enum Grade { CORRECT, WRONG, UNSOLVED, OPEN, NOT_IN_TABLE }

    private final VerifyOptions options;
    private final double timeoutScale;
    private final Function<Path, Network> loadNetwork;
    private final PropertyLoader loadProperty;

    /**
     * @param options      everything but the timeout, which comes from each row times {@code timeoutScale}
     * @param loadNetwork  reads a model (the CLI passes its loader, whose errors name the file)
     * @param loadProperty reads a property and checks it against the network
     */
    public BatchRunner(VerifyOptions options, double timeoutScale, Function<Path, Network> loadNetwork,
                       PropertyLoader loadProperty) {
        if (!(timeoutScale > 0) || Double.isInfinite(timeoutScale))
            throw new InvalidInputException("--timeout-scale must be a number > 0, got " + timeoutScale);
        this.options = options;
        this.timeoutScale = timeoutScale;
        this.loadNetwork = loadNetwork;
        this.loadProperty = loadProperty;
    }

    /**
     * A network and its verifiers, or why there is none (remembered, so a bad model is read once, not once per row).
     * A verifier's budget is fixed when it is made, so there is one per distinct row timeout; a csv gives one
     * network one timeout, so in practice that is one verifier per network.
     */
    private record Loaded(Network net, Map<Duration, Verifier> verifiers, String error) {
        Verifier verifier(Duration budget, VerifyOptions options) {
            return verifiers.computeIfAbsent(budget, b -> new Verifier(net, options.withTimeout(b)));
        }
    }

    /** Networks kept by {@link #runInstance} between calls, the most recently used last. */
    private final Map<Path, Loaded> recent = new java.util.LinkedHashMap<>(8, 0.75f, true);
    /** How many networks {@link #runInstance} keeps loaded (a worker of a cluster sees the instances of a few at a time). */
    private static final int RECENT_NETWORKS = 3;

    /**
     * Runs one instance on the calling thread, keeping the last few networks loaded between calls: what a worker of a
     * cluster does with the instances it is sent one by one.
     */
    public Outcome runInstance(Instance in) {
        Loaded l;
        synchronized (recent) {
            l = recent.get(in.onnx());
            if (l == null) {
                l = load(in.onnx());
                recent.put(in.onnx(), l);
                if (recent.size() > RECENT_NETWORKS) recent.remove(recent.keySet().iterator().next());
            }
        }
        return runOne(in, l);
    }

    private Loaded load(Path onnx) {
        try {
            return new Loaded(loadNetwork.apply(onnx), new ConcurrentHashMap<>(), null);
        } catch (RuntimeException e) {
            return new Loaded(null, null, message(e));
        }
    }

    private Outcome runOne(Instance in, Loaded l) {
        long t0 = System.nanoTime();
        if (l.error() != null) return new Outcome(in, "error", 0, "", null, l.error());
        try {
            VnnlibProperty p = loadProperty.load(in.vnnlib(), l.net(), in.onnx());
            Duration budget = Duration.ofNanos((long) Math.min(in.timeoutSeconds() * timeoutScale * 1e9, (double) Long.MAX_VALUE));
            VerificationResult r = l.verifier(budget, options).verify(p);
            return new Outcome(in, vnncompWord(r.verdict()), (System.nanoTime() - t0) / 1e9, r.method() == null ? "" : r.method(),
                    r.counterexample(), null);
        } catch (RuntimeException e) {
            return new Outcome(in, "error", (System.nanoTime() - t0) / 1e9, "", null, message(e));
        }
    }

    private static String message(RuntimeException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The VNN-COMP word for a verdict: the property is the unsafe set, so falsified = sat, verified = unsat. */
    public static String vnncompWord(Verdict v) {
        return switch (v) {
            case FALSIFIED -> "sat";
            case VERIFIED -> "unsat";
            case TIMEOUT -> "timeout";
            case UNKNOWN -> "unknown";
        };
    }

    // ---- instances.csv ----

    /**
     * The rows of an instances.csv. A file the csv names that is absent is looked for with {@code .gz} appended
     * (the 2022 benchmarks are stored compressed while their csv names them uncompressed). A missing file or a
     * malformed row is bad input, reported with the line number.
     */
    public static List<Instance> readInstances(Path csv) {
        List<String> lines = readLines(csv, "instances csv");
        Path dir = csv.toAbsolutePath().getParent();
        List<Instance> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split(",", -1);
            String where = csv + " line " + (i + 1);
            if (f.length < 3) throw new InvalidInputException(where + ": expected onnx,vnnlib,timeout, got '" + line + "'");
            String onnx = f[0].strip(), vnnlib = f[1].strip(), t = f[2].strip();
            if (out.isEmpty() && onnx.equalsIgnoreCase("onnx")) continue; // a header line, which VNN-COMP's csvs do not have
            double timeout;
            try {
                timeout = Double.parseDouble(t);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(where + ": timeout is not a number: '" + t + "'");
            }
            if (!(timeout > 0) || Double.isInfinite(timeout)) throw new InvalidInputException(where + ": timeout must be > 0 seconds, got " + t);
            out.add(new Instance(out.size() + 1, onnx, vnnlib, find(dir, onnx, where, "onnx"), find(dir, vnnlib, where, "vnnlib"), timeout));
        }
        if (out.isEmpty()) throw new InvalidInputException(csv + ": no instances");
        return out;
    }

    private static Path find(Path dir, String name, String where, String what) {
        Path p = dir.resolve(name);
        if (Files.isRegularFile(p)) return p;
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        throw new InvalidInputException(where + ": " + what + " file not found: " + p + " (nor " + gz.getFileName() + ")");
    }

    // ---- expected results ----

    /**
     * The {@code expected_majority} column of the shared results table, keyed by {@link #key}. When one
     * (onnx, vnnlib) pair appears with different answers (same file names in two benchmarks), it counts as open:
     * an answer cannot be graded against a table that contradicts itself. A {@code tie} (as many tools each way) is open too.
     */
    public static Map<String, String> readExpected(Path csv) {
        List<String> lines = readLines(csv, "expected results csv");
        if (lines.isEmpty()) throw new InvalidInputException(csv + ": empty");
        List<String> header = List.of(lines.getFirst().strip().split(",", -1));
        int io = header.indexOf("onnx"), iv = header.indexOf("vnnlib"), ie = header.indexOf("expected_majority");
        if (io < 0 || iv < 0 || ie < 0)
            throw new InvalidInputException(csv + ": the header must name the columns onnx, vnnlib and expected_majority, got " + header);
        Map<String, String> out = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            String[] f = line.split(",", -1);
            if (f.length <= Math.max(io, Math.max(iv, ie))) throw new InvalidInputException(csv + " line " + (i + 1) + ": too few columns");
            String e = f[ie].strip().toLowerCase(Locale.ROOT);
            // "tie": as many tools said sat as unsat; there is no majority to grade against, so it is open.
            if (e.equals("tie")) e = "unknown";
            if (!e.equals("sat") && !e.equals("unsat") && !e.equals("unknown"))
                throw new InvalidInputException(csv + " line " + (i + 1) + ": expected_majority must be sat, unsat, unknown or tie, got '" + f[ie] + "'");
            out.merge(key(f[io], f[iv]), e, (a, b) -> a.equals(b) ? a : "unknown");
        }
        return out;
    }

    /** The match key of an instance: both file names without folders and without {@code .gz}. */
    public static String key(String onnx, String vnnlib) {
        return baseName(onnx) + "," + baseName(vnnlib);
    }

    /** Grades a result against the expected answer (null = the instance is not in the table). */
    public static Grade grade(String result, String expected) {
        if (expected == null) return Grade.NOT_IN_TABLE;
        if (expected.equals("unknown")) return Grade.OPEN;
        boolean decisive = result.equals("sat") || result.equals("unsat");
        if (!decisive) return Grade.UNSOLVED;
        return result.equals(expected) ? Grade.CORRECT : Grade.WRONG;
    }

    // ---- counterexample files ----

    /**
     * The VNN-COMP counterexample file: {@code sat}, then one list of {@code (X_i v)} for every input and
     * {@code (Y_j v)} for every output (the double forward pass at X), wrapped in one pair of parentheses.
     * Values are written in plain decimal with the digits of {@link Double#toString}, so they parse back to the
     * same double (X stays exactly inside the box) and no reader has to cope with exponents.
     */
    public static String counterexampleText(Counterexample ce) {
        double[] x = ce.input(), y = ce.output();
        StringBuilder sb = new StringBuilder("sat\n(");
        for (int i = 0; i < x.length; i++) sb.append("(X_").append(i).append(' ').append(plain(x[i])).append(")\n");
        for (int j = 0; j < y.length; j++) {
            sb.append("(Y_").append(j).append(' ').append(plain(y[j])).append(')');
            sb.append(j == y.length - 1 ? ")\n" : "\n");
        }
        if (y.length == 0) sb.append(")\n");
        return sb.toString();
    }

    public static void writeCounterexample(Counterexample ce, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(file, counterexampleText(ce));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the counterexample file " + file, e);
        }
    }

    private static String plain(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        if (v == 0) return Double.doubleToRawLongBits(v) < 0 ? "-0.0" : "0.0";
        return new BigDecimal(Double.toString(v)).toPlainString();
    }

    // ---- helpers ----

    private static List<String> readLines(Path csv, String what) {
        if (!Files.isRegularFile(csv)) throw new InvalidInputException(what + " not found: " + csv);
        try {
            return Files.readAllLines(csv);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + what + " " + csv + ": " + e.getMessage());
        }
    }

    private static String baseName(String name) {
        String n = name.strip().replace('\\', '/');
        n = n.substring(n.lastIndexOf('/') + 1);
        return n.endsWith(".gz") ? n.substring(0, n.length() - 3) : n;
    }

    private static String stem(String name, String ext) {
        String n = baseName(name);
        return n.endsWith(ext) ? n.substring(0, n.length() - ext.length()) : n;
    }
}
