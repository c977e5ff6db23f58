package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.verify.BatchRunner;
import dev.verity.verify.BatchRunner.Grade;
import dev.verity.verify.BatchRunner.Instance;
import dev.verity.verify.BatchRunner.Outcome;
import dev.verity.verify.VerifyOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code verity vnncomp INSTANCES.csv}: a VNN-COMP benchmark in one go, with results in the competition's formats. */
@Command(name = "vnncomp", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Runs every onnx,vnnlib,timeout row of a VNN-COMP instances.csv (paths relative to the csv; a missing file is "
                        + "also looked for with .gz) through the verify pipeline, with the row's timeout times --timeout-scale.",
                "Writes one row per instance to --out (onnx,vnnlib,result,time_s,method; result: sat = falsified, "
                        + "unsat = verified, timeout, unknown, error) and, for every sat, a VNN-COMP counterexample file "
                        + "<out-dir>/counterexamples/<onnx-stem>__<vnnlib-stem>.counterexample.",
                "Progress goes to standard error, one line per instance; a summary table to standard output. With --expected, "
                        + "every answer is graded against the table's expected_majority and every WRONG one is listed.",
                "Exit status: 0 no wrong answer, 3 at least one WRONG answer (--expected), 2 bad input (a missing file, "
                        + "a malformed csv, a bad flag), 1 internal error. An instance that cannot be loaded is an error row, "
                        + "not a failed batch."})
final class VnncompCommand implements java.util.concurrent.Callable<Integer> {
    /** The exit status when an answer contradicts the expected table: apart from 1 and 2, like verify's statuses. */
    static final int EXIT_WRONG = 3;

    /** The header of the results file (written first, checked by {@code --resume}). */
    private static final String RESULTS_HEADER = "onnx,vnnlib,result,time_s,method";

    @Parameters(index = "0", paramLabel = "INSTANCES", description = "VNN-COMP instances.csv (onnx,vnnlib,timeout_s per row)")
    Path instances;

    @Option(names = "--out", defaultValue = "results.csv", paramLabel = "CSV",
            description = "Results file (default ${DEFAULT-VALUE} in the current directory); counterexamples go next to it.")
    Path out;

    @Option(names = "--expected", paramLabel = "CSV",
            description = "Results table with columns onnx, vnnlib, expected_majority (sat, unsat, unknown = open) to grade against.")
    Path expected;

    @Option(names = "--timeout-scale", defaultValue = "1", paramLabel = "F", description = "Multiplies every row's timeout (default ${DEFAULT-VALUE}).")
    double timeoutScale;

    @Option(names = "--jobs", defaultValue = "1", paramLabel = "N",
            description = "Instances run at once (default ${DEFAULT-VALUE}: the bound engine already uses every core).")
    int jobs;

    @Option(names = "--resume",
            description = "Keep the rows already in --out (a batch that was cut off), run only the instances it lacks and append them.")
    boolean resume;

    @picocli.CommandLine.Mixin BoundOptionsMixin engineOptions = new BoundOptionsMixin();

    @picocli.CommandLine.Mixin MilpOptionsMixin milpOptions = new MilpOptionsMixin();

    @picocli.CommandLine.Mixin ClusterOptions cluster = new ClusterOptions();

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /** The cluster runs the batch through (for the progress line's member count); null for a local run. */
    private volatile dev.verity.cluster.TaskRunner clusterRunner;

    @Override public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), stderr = spec.commandLine().getErr();
        // Everything that can make the batch bad input is checked before the first instance runs.
        cluster.enabled();
        Map<String, String> table = expected == null ? null : BatchRunner.readExpected(expected);
        List<Instance> rows = BatchRunner.readInstances(instances);
        List<Outcome> kept = resume ? previousRows(rows) : List.of();
        java.util.Map<String, String> settings = settings();
        if (!kept.isEmpty()) checkSettings(settings, stderr);
        java.util.Set<Instance> keptInstances = kept.stream().map(Outcome::instance).collect(java.util.stream.Collectors.toSet());
        List<Instance> todo = rows.stream().filter(in -> !keptInstances.contains(in)).toList();
        if (!(timeoutScale > 0) || Double.isInfinite(timeoutScale))
            throw new InvalidInputException("--timeout-scale must be a number > 0, got " + timeoutScale);
        if (jobs < 1) throw new InvalidInputException("--jobs must be >= 1, got " + jobs);
        Path outDir = out.toAbsolutePath().getParent();
        Path ceDir = outDir.resolve("counterexamples");
        List<Outcome> outcomes;
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new InvalidInputException("cannot create the results folder " + outDir + ": " + e.getMessage());
        }
        writeSettings(settings);
        if (resume && !kept.isEmpty())
            stderr.printf(Locale.ROOT, "resuming %s: %d of %d instances already done, %d to run%n", out, kept.size(), rows.size(), todo.size());
        AtomicInteger done = new AtomicInteger(kept.size());
        try (BufferedWriter csv = kept.isEmpty() ? Files.newBufferedWriter(out)
                : Files.newBufferedWriter(out, java.nio.file.StandardOpenOption.APPEND)) {
            if (kept.isEmpty()) csv.write(RESULTS_HEADER + "\n");
            csv.flush();
            outcomes = new ArrayList<>(kept);
            java.util.function.Consumer<Outcome> record = o -> {
                // Called from the workers (or the cluster's event loop): one instance at a time writes its files and its line.
                synchronized (this) {
                    Instance in = o.instance();
                    if (o.counterexample() != null)
                        BatchRunner.writeCounterexample(o.counterexample(), ceDir.resolve(in.onnxStem() + "__" + in.vnnlibStem() + ".counterexample"));
                    try {
                        csv.write(String.format(Locale.ROOT, "%s,%s,%s,%.3f,%s%n", in.onnxName(), in.vnnlibName(), o.result(), o.seconds(), o.method()));
                        csv.flush(); // a batch killed half-way still leaves the rows it finished
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    stderr.printf(Locale.ROOT, "[%d/%d] %s %s: %s%s %.1f s%s%n", done.incrementAndGet(), rows.size(), in.onnxStem(), in.vnnlibStem(),
                            o.result(), o.error() != null ? " (" + o.error() + ")" : o.method().isEmpty() ? "" : " (" + o.method() + ")", o.seconds(),
                            clusterRunner != null ? String.format(Locale.ROOT, " [%d members alive]", clusterRunner.membersAlive()) : "");
                    stderr.flush();
                }
            };
            outcomes.addAll(run(todo, record, stderr));
        } catch (IOException e) {
            throw new InvalidInputException("cannot write the results file " + out + ": " + e.getMessage());
        }
        return summary(stdout, stderr, outcomes, table);
    }

    /**
     * Runs the instances as tasks of the work-distribution port: on {@code --jobs} threads here, or on the cluster's workers
     * ({@code --cluster}), each model and property sent once (by SHA-256). Each outcome is recorded as it arrives; they are
     * returned in csv order. Both run the same {@link VnncompTask}, so they give the same answers.
     */
    private List<Outcome> run(List<Instance> todo, java.util.function.Consumer<Outcome> record, PrintWriter stderr) {
        dev.verity.bounds.BoundOptions bounds = engineOptions.toOptions(true);
        dev.verity.milp.MilpOptions milp = milpOptions.toOptions().orElse(null);
        dev.verity.cluster.TaskRunner tr;
        if (cluster.enabled()) {
            tr = cluster.connect();
            clusterRunner = tr;
            stderr.printf(Locale.ROOT, "cluster %s: %d workers; sending %d instances%n", cluster.name, tr.membersAlive(), todo.size());
            stderr.flush();
        } else {
            tr = new dev.verity.cluster.LocalTaskRunner(jobs);
        }
        try (tr) {
            Map<Path, String> hashes = new java.util.HashMap<>();
            Map<String, Instance> byId = new java.util.HashMap<>();
            List<VnncompTask> tasks = new ArrayList<>();
            for (Instance in : todo) {
                String id = "row-" + in.row();
                byId.put(id, in);
                tasks.add(new VnncompTask(id, in.row(), in.onnxName(), in.vnnlibName(), hashes.computeIfAbsent(in.onnx(), tr::publish),
                        hashes.computeIfAbsent(in.vnnlib(), tr::publish), in.timeoutSeconds(), timeoutScale, bounds, milp));
            }
            List<Outcome> answers = new ArrayList<>();
            tr.runAll(tasks, (t, r) -> {
                Outcome o = VnncompTask.outcome(byId.get(t.id()), r);
                answers.add(o);
                record.accept(o);
            });
            answers.sort(java.util.Comparator.comparingInt(o -> o.instance().row()));
            return answers;
        } catch (dev.verity.cluster.ClusterTaskRunner.ClusterException e) {
            throw new InvalidInputException(e.getMessage() + " (the rows written so far stay in " + out + ": --resume runs the rest)");
        }
    }

    /**
     * What decides the answers of a batch besides the instances: the timeout scale and the engine and MILP options,
     * written beside the results ({@link #settingsFile}) so that {@code --resume} does not mix two configurations.
     */
    private java.util.Map<String, String> settings() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("timeout_scale", Double.toString(timeoutScale));
        m.put("bound_options", String.valueOf(engineOptions.toOptions(true)));
        m.put("milp_options", String.valueOf(milpOptions.toOptions()));
        return m;
    }

    private Path settingsFile() {
        return out.resolveSibling(out.getFileName() + ".settings.json");
    }

    private void writeSettings(java.util.Map<String, String> settings) {
        try {
            Files.writeString(settingsFile(), Json.write(Json.MAPPER.valueToTree(settings)) + "\n");
        } catch (IOException e) {
            throw new InvalidInputException("cannot write " + settingsFile() + ": " + e.getMessage());
        }
    }

    /** {@code --resume} with other settings than the rows kept were run with is bad input; a file without settings (older) only a warning. */
    private void checkSettings(java.util.Map<String, String> now, PrintWriter stderr) {
        Path f = settingsFile();
        if (!Files.exists(f)) {
            stderr.printf("warning: %s has no settings file (%s); resuming without checking them%n", out, f.getFileName());
            return;
        }
        com.fasterxml.jackson.databind.JsonNode before;
        try {
            before = Json.MAPPER.readTree(f.toFile());
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + f + " to resume: " + e.getMessage());
        }
        for (var e : now.entrySet()) {
            com.fasterxml.jackson.databind.JsonNode was = before.get(e.getKey());
            if (was == null || !was.asText().equals(e.getValue()))
                throw new InvalidInputException("cannot resume " + out + ": it was run with " + e.getKey() + " = " + (was == null ? "(none)" : was.asText())
                        + ", this run has " + e.getValue() + " (start a new results file, or use the same options)");
        }
    }

    /**
     * The rows of an earlier run in {@code out} that match an instance of this batch (by onnx and vnnlib as written),
     * as outcomes; none when the file does not exist. A row of another batch, or a malformed file, is bad input: resuming
     * it would mix two batches in one results file.
     */
    private List<Outcome> previousRows(List<Instance> rows) {
        if (!Files.isRegularFile(out)) return List.of();
        Map<String, Instance> byName = new java.util.HashMap<>();
        for (Instance in : rows) byName.put(in.onnxName() + "," + in.vnnlibName(), in);
        List<String> lines;
        try {
            lines = Files.readAllLines(out);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read the results file " + out + " to resume: " + e.getMessage());
        }
        if (lines.isEmpty()) return List.of();
        if (!lines.getFirst().equals(RESULTS_HEADER))
            throw new InvalidInputException(out + " is not a vnncomp results file (its header is '" + lines.getFirst() + "'); cannot resume");
        List<Outcome> kept = new ArrayList<>();
        java.util.Set<Instance> seen = new java.util.HashSet<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            String[] f = line.split(",", -1);
            Instance in = f.length == 5 ? byName.get(f[0] + "," + f[1]) : null;
            if (in == null)
                throw new InvalidInputException(out + " line " + (i + 1) + " is not an instance of " + instances + " ('" + line + "'); cannot resume");
            double seconds;
            try {
                seconds = Double.parseDouble(f[3]);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(out + " line " + (i + 1) + ": bad time '" + f[3] + "'; cannot resume");
            }
            if (seen.add(in)) kept.add(new Outcome(in, f[2], seconds, f[4], null, null));
        }
        return kept;
    }

    /** The counts table; with a table of expected answers, the grades and every WRONG instance by name. */
    private int summary(PrintWriter stdout, PrintWriter stderr, List<Outcome> outcomes, Map<String, String> table) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String w : new String[] {"sat", "unsat", "timeout", "unknown", "error"}) counts.put(w, 0);
        for (Outcome o : outcomes) counts.merge(o.result(), 1, Integer::sum);
        stdout.printf("results   %s%n", out);
        stdout.printf("%-12s %6d%n", "verified", counts.get("unsat"));
        stdout.printf("%-12s %6d%n", "falsified", counts.get("sat"));
        stdout.printf("%-12s %6d%n", "timeout", counts.get("timeout"));
        stdout.printf("%-12s %6d%n", "unknown", counts.get("unknown"));
        stdout.printf("%-12s %6d%n", "error", counts.get("error"));
        stdout.printf("%-12s %6d%n", "total", outcomes.size());
        if (table == null) {
            stdout.flush();
            return Main.EXIT_OK;
        }
        Map<Grade, Integer> grades = new EnumMap<>(Grade.class);
        for (Grade g : Grade.values()) grades.put(g, 0);
        List<String> wrong = new ArrayList<>();
        for (Outcome o : outcomes) {
            Instance in = o.instance();
            String e = table.get(BatchRunner.key(in.onnxName(), in.vnnlibName()));
            Grade g = BatchRunner.grade(o.result(), e);
            grades.merge(g, 1, Integer::sum);
            if (g == Grade.WRONG) wrong.add(in.onnxName() + " " + in.vnnlibName() + ": answered " + o.result() + ", expected " + e);
        }
        stdout.printf("expected  %s%n", expected);
        stdout.printf("%-12s %6d%n", "correct", grades.get(Grade.CORRECT));
        stdout.printf("%-12s %6d%n", "WRONG", grades.get(Grade.WRONG));
        stdout.printf("%-12s %6d%n", "unsolved", grades.get(Grade.UNSOLVED));
        stdout.printf("%-12s %6d   (expected unknown or tie: no majority answer)%n", "open", grades.get(Grade.OPEN));
        stdout.printf("%-12s %6d%n", "not in table", grades.get(Grade.NOT_IN_TABLE));
        for (String w : wrong) {
            stdout.println("WRONG " + w);
            // Also on stderr, so that a wrong answer is seen even when stdout goes to a file.
            stderr.println("verity: WRONG answer: " + w);
        }
        stdout.flush();
        stderr.flush();
        return wrong.isEmpty() ? Main.EXIT_OK : EXIT_WRONG;
    }
}
