package dev.verity.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.InvalidInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --out} folder of an evaluation: {@code results.jsonl} (every per-image result: the state of the run),
 * {@code run.json} (the settings that change results), and the reports written from them.
 *
 * <p>A folder that already holds results is continued only with {@code --resume}, and only when the settings that
 * change results are the same (otherwise one table would mix two experiments); without {@code --resume} it is refused
 * rather than overwritten, since the results may have cost hours.
 */
public final class OutputFolder {
    private final Path dir;

    public OutputFolder(Path dir) { this.dir = dir; }

    public Path dir() { return dir; }
    public Path results() { return dir.resolve("results.jsonl"); }
    public Path runInfo() { return dir.resolve("run.json"); }

    /**
     * Checks the folder against this run and records the run's settings; returns the results already there.
     *
     * @param settings the settings that change results (model and data identity, normalisation, budget, ...)
     * @throws InvalidInputException when the folder holds results and {@code resume} is false, or holds results made
     *                               with other settings
     */
    public List<ResultLine> prepare(boolean resume, Map<String, String> settings) {
        boolean hasResults = Files.exists(results()) && size(results()) > 0;
        if (hasResults && !resume)
            throw new InvalidInputException(dir + " already holds results (results.jsonl); pass --resume to continue them, or choose another --out");
        Map<String, String> before = Files.exists(runInfo()) ? readSettings() : null;
        if (hasResults && before != null) {
            List<String> differ = new ArrayList<>();
            for (var e : settings.entrySet()) {
                String old = before.get(e.getKey());
                if (!e.getValue().equals(old)) differ.add(e.getKey() + ": was " + (old == null ? "(not set)" : old) + ", now " + e.getValue());
            }
            if (!differ.isEmpty())
                throw new InvalidInputException("--resume: the results in " + dir + " were made with other settings, so one table would mix two "
                        + "experiments (" + String.join("; ", differ) + "); use the same settings or another --out");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InvalidInputException("cannot create the output folder " + dir + ": " + e.getMessage(), e);
        }
        if (!hasResults || before == null) writeSettings(settings);
        return ResultsFile.read(results());
    }

    private Map<String, String> readSettings() {
        try {
            JsonNode root = new ObjectMapper().readTree(runInfo().toFile());
            Map<String, String> m = new LinkedHashMap<>();
            root.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
            return m;
        } catch (IOException e) {
            throw new InvalidInputException(runInfo() + ": cannot read the settings of the earlier run: " + e.getMessage(), e);
        }
    }

    private void writeSettings(Map<String, String> settings) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        settings.forEach(root::put);
        try {
            Files.writeString(runInfo(), mapper.writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new InvalidInputException("cannot write " + runInfo() + ": " + e.getMessage(), e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
