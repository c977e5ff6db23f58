package dev.verity.check;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The certificate file: JSON, {@code {"format": "verity-certificate-1", "model_sha256": …, "property_sha256": …,
 * "missing": […], "cases": [{"case": k, "tree": NODE}]}} with {@code NODE = {"excluded": [{"disjunct": j, "row": r,
 * "bound": b}], "split": {"dim": i, "at": x, "low": NODE, "high": NODE}}} ({@code split} absent at a leaf; an exclusion
 * by a combination of the disjunct's rows has {@code "row": -1} and {@code "weights": [w_0, …]}). Numbers
 * are written in Jackson's shortest round-trip form, so the doubles read back are the ones written. Trees are nested
 * as deep as input splitting goes (a few hundred levels at most); the reader's nesting limit is raised above that.
 */
public final class CertificateJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(20_000).build());
    }

    private CertificateJson() {}

    public static void write(Certificate cert, Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder of certificate " + file + ": " + e.getMessage(), e);
        }
        try (OutputStream out = Files.newOutputStream(file); JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("format", Certificate.FORMAT);
            g.writeStringField("model_sha256", cert.modelSha256());
            g.writeStringField("property_sha256", cert.propertySha256());
            g.writeArrayFieldStart("missing");
            for (String m : cert.missing()) g.writeString(m);
            g.writeEndArray();
            g.writeArrayFieldStart("cases");
            for (Certificate.CaseProof p : cert.cases()) {
                g.writeStartObject();
                g.writeNumberField("case", p.caseIndex());
                g.writeFieldName("tree");
                node(g, p.root());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write certificate " + file + ": " + e.getMessage(), e);
        }
    }

    private static void node(JsonGenerator g, Certificate.Node n) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("excluded");
        for (Certificate.Exclusion e : n.excluded()) {
            g.writeStartObject();
            g.writeNumberField("disjunct", e.disjunct());
            g.writeNumberField("row", e.row());
            g.writeNumberField("bound", e.bound());
            double[] w = e.weights();
            if (w != null) {
                g.writeArrayFieldStart("weights");
                for (double x : w) g.writeNumber(x);
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        if (n.split() != null) {
            g.writeObjectFieldStart("split");
            g.writeNumberField("dim", n.split().dim());
            g.writeNumberField("at", n.split().at());
            g.writeFieldName("low");
            node(g, n.split().low());
            g.writeFieldName("high");
            node(g, n.split().high());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** Reads a certificate; a malformed file is an {@link IllegalArgumentException} that says where. */
    public static Certificate read(Path file) {
        JsonNode root;
        try (JsonParser p = MAPPER.getFactory().createParser(file.toFile())) {
            root = MAPPER.readTree(p);
        } catch (IOException e) {
            throw new IllegalArgumentException("certificate " + file + " is not readable JSON: " + e.getMessage(), e);
        }
        if (root == null || !Certificate.FORMAT.equals(root.path("format").asText()))
            throw new IllegalArgumentException("certificate " + file + ": format is not " + Certificate.FORMAT);
        List<String> missing = new ArrayList<>();
        for (JsonNode m : root.path("missing")) missing.add(m.asText());
        List<Certificate.CaseProof> cases = new ArrayList<>();
        for (JsonNode c : root.path("cases")) cases.add(new Certificate.CaseProof(integer(c, "case"), node(c.get("tree"))));
        return new Certificate(text(root, "model_sha256"), text(root, "property_sha256"), cases, missing);
    }

    private static Certificate.Node node(JsonNode n) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException("certificate: a tree node is not an object");
        List<Certificate.Exclusion> ex = new ArrayList<>();
        for (JsonNode e : n.path("excluded")) {
            double[] weights = null;
            JsonNode w = e.get("weights");
            if (w != null) {
                if (!w.isArray()) throw new IllegalArgumentException("certificate: \"weights\" is not an array");
                weights = new double[w.size()];
                for (int i = 0; i < weights.length; i++) {
                    if (!w.get(i).isNumber()) throw new IllegalArgumentException("certificate: a weight is not a number");
                    weights[i] = w.get(i).asDouble();
                }
            }
            ex.add(new Certificate.Exclusion(integer(e, "disjunct"), integer(e, "row"), number(e, "bound"), weights));
        }
        JsonNode s = n.get("split");
        Certificate.Split split = s == null ? null
                : new Certificate.Split(integer(s, "dim"), number(s, "at"), node(s.get("low")), node(s.get("high")));
        return new Certificate.Node(ex, split);
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("certificate: \"" + key + "\" missing");
        return v.asText();
    }

    private static int integer(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt()) throw new IllegalArgumentException("certificate: \"" + key + "\" missing or not an integer");
        return v.asInt();
    }

    private static double number(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("certificate: \"" + key + "\" missing or not a number");
        return v.asDouble();
    }
}
