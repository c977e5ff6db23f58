package dev.verity.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.InvalidInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code results.jsonl}: one JSON object per line, appended and flushed as each result is known, so that Ctrl-C or a
 * crash loses at most the result being computed. Lines:
 * <pre>
 * {"type":"clean","image":3,"label":7,"predicted":7}
 * {"type":"result","image":3,"eps":0.03,"method":"crown","status":"certified","ran":true,"time_s":0.0123,"margin":0.53}
 * {"type":"radius","image":3,"method":"crown","eps_max":0.07,"tolerance":1.0E-4,"radius":0.0351,"time_s":0.41,"checks":11}
 * </pre>
 * ({@code margin}, {@code by} and {@code detail} only where they have a value.) A process killed in the middle of a
 * write leaves a last line without its newline: reading ignores it and appending first cuts it off, so the file stays
 * a sequence of whole lines.
 */
public final class ResultsFile implements AutoCloseable {
    private final Path path;
    private final Writer writer;
    private final ObjectMapper json = new ObjectMapper();

    private ResultsFile(Path path, Writer writer) {
        this.path = path;
        this.writer = writer;
    }

    /** Opens {@code file} for appending (creating it), after cutting off a last line that a crash left unfinished. */
    public static ResultsFile openForAppend(Path file) {
        try {
            if (Files.exists(file)) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(completeLength(Files.readAllBytes(file)));
                }
            }
            return new ResultsFile(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new InvalidInputException("cannot open the results file " + file + " for writing: " + e.getMessage(), e);
        }
    }

    public Path path() { return path; }

    /** Appends one line and flushes it to the operating system (safe from several threads). */
    public synchronized void append(ResultLine line) {
        try {
            writer.write(encode(line));
            writer.write('\n');
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + path, e);
        }
    }

    @Override public synchronized void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + path, e);
        }
    }

    /**
     * Every complete line of {@code file} (none if it does not exist). A last line without a newline is the trace of
     * an interrupted write and is ignored; a malformed complete line is bad input, reported with its line number.
     */
    public static List<ResultLine> read(Path file) {
        if (!Files.exists(file)) return List.of();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read the results file " + file + ": " + e.getMessage(), e);
        }
        String text = new String(bytes, 0, completeLength(bytes), StandardCharsets.UTF_8);
        ObjectMapper json = new ObjectMapper();
        List<ResultLine> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            try {
                out.add(decode(json.readTree(line)));
            } catch (JsonProcessingException | RuntimeException e) {
                throw new InvalidInputException(file + ":" + (i + 1) + ": not a result line (" + e.getMessage().lines().findFirst().orElse("")
                        + "); remove or fix that line to resume");
            }
        }
        return out;
    }

    /** The length of the file up to and including its last newline. */
    private static int completeLength(byte[] bytes) {
        int n = bytes.length;
        while (n > 0 && bytes[n - 1] != '\n') n--;
        return n;
    }

    String encode(ResultLine line) throws JsonProcessingException {
        ObjectNode o = json.createObjectNode();
        switch (line) {
            case ResultLine.Clean c -> {
                o.put("type", "clean");
                o.put("image", c.image());
                o.put("label", c.label());
                o.put("predicted", c.predicted());
            }
            case ResultLine.Outcome r -> {
                o.put("type", "result");
                o.put("image", r.image());
                o.put("eps", r.eps());
                o.put("method", r.method());
                o.put("status", r.status().word());
                o.put("ran", r.ran());
                o.put("time_s", r.seconds());
                if (Double.isFinite(r.margin())) o.put("margin", r.margin());
                if (r.by() != null) o.put("by", r.by());
                if (r.detail() != null) o.put("detail", r.detail());
            }
            case ResultLine.Radius r -> {
                o.put("type", "radius");
                o.put("image", r.image());
                o.put("method", r.method());
                o.put("eps_max", r.epsMax());
                o.put("tolerance", r.tolerance());
                if (Double.isFinite(r.radius())) o.put("radius", r.radius());
                else o.putNull("radius"); // an attack that found nothing up to eps_max
                o.put("time_s", r.seconds());
                o.put("checks", r.checks());
                if (r.timeouts() > 0) o.put("timeouts", r.timeouts());
                if (r.error() != null) o.put("error", r.error());
            }
        }
        return json.writeValueAsString(o);
    }

    static ResultLine decode(JsonNode o) {
        String type = text(o, "type");
        return switch (type) {
            case "clean" -> new ResultLine.Clean(integer(o, "image"), integer(o, "label"), integer(o, "predicted"));
            case "result" -> new ResultLine.Outcome(integer(o, "image"), number(o, "eps"), text(o, "method"), Status.parse(text(o, "status")),
                    o.path("ran").asBoolean(true), number(o, "time_s"), o.has("margin") ? number(o, "margin") : Double.NaN,
                    o.hasNonNull("by") ? o.get("by").asText() : null, o.hasNonNull("detail") ? o.get("detail").asText() : null);
            case "radius" -> new ResultLine.Radius(integer(o, "image"), text(o, "method"), number(o, "eps_max"), number(o, "tolerance"),
                    o.path("radius").isNull() || o.path("radius").isMissingNode() ? Double.POSITIVE_INFINITY : number(o, "radius"),
                    number(o, "time_s"), integer(o, "checks"), o.has("timeouts") ? integer(o, "timeouts") : 0,
                    o.hasNonNull("error") ? o.get("error").asText() : null);
            default -> throw new IllegalArgumentException("unknown type '" + type + "'");
        };
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("no text field '" + field + "'");
        return v.asText();
    }

    private static int integer(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) throw new IllegalArgumentException("no integer field '" + field + "'");
        return v.asInt();
    }

    private static double number(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("no number field '" + field + "'");
        return v.asDouble();
    }
}
