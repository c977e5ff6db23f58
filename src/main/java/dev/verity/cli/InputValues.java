package dev.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.InvalidInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads one input vector from a file: a JSON array (nested arrays are flattened row-major) or one CSV row. */
final class InputValues {
    private InputValues() {}

    static double[] read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new InvalidInputException("cannot read input file " + file + ": " + e.getMessage(), e);
        }
        if (text.isEmpty()) throw new InvalidInputException("input file " + file + " is empty");
        return text.startsWith("[") || text.startsWith("{") ? fromJson(text, file) : fromCsv(text, file);
    }

    private static double[] fromJson(String text, Path file) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new InvalidInputException("input file " + file + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root.isObject() && root.has("input")) root = root.get("input");
        List<Double> values = new ArrayList<>();
        flatten(root, values, file);
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void flatten(JsonNode node, List<Double> out, Path file) {
        if (node.isArray()) {
            for (JsonNode child : node) flatten(child, out, file);
        } else if (node.isNumber()) {
            out.add(node.doubleValue());
        } else {
            throw new InvalidInputException("input file " + file + ": expected numbers, found " + node);
        }
    }

    private static double[] fromCsv(String text, Path file) {
        String line = text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst().orElse("");
        String[] parts = line.split("[,;\\s]+");
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Double.parseDouble(parts[i]);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("input file " + file + ": value " + (i + 1) + " '" + parts[i] + "' is not a number");
            }
        }
        return v;
    }
}
