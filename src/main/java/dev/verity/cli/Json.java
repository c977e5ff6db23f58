package dev.verity.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;

/** JSON output helpers (Jackson). */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    static ArrayNode array(int[] values) {
        ArrayNode a = MAPPER.createArrayNode();
        for (int v : values) a.add(v);
        return a;
    }

    static ArrayNode array(double[] values) {
        ArrayNode a = MAPPER.createArrayNode();
        for (double v : values) a.add(v);
        return a;
    }

    /**
     * Numbers that may be infinite or NaN (a bound, a margin): JSON has no such values, so they are written as
     * {@code null} (documented where it can happen, e.g. {@code min_margin} of a property without disjuncts).
     */
    static ArrayNode finiteOrNull(double[] values) {
        ArrayNode a = MAPPER.createArrayNode();
        for (double v : values) {
            if (Double.isFinite(v)) a.add(v);
            else a.addNull();
        }
        return a;
    }

    static void putFiniteOrNull(com.fasterxml.jackson.databind.node.ObjectNode node, String key, double v) {
        if (Double.isFinite(v)) node.put(key, v);
        else node.putNull(key);
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
