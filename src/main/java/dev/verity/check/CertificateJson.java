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
 * by a combination of the disjunct's rows has {@code "row": -1} and {@code "weights": [w_0, …]}). ReLU splitting adds
 * {@code "relu_split": {"block": k, "neuron": i, "inactive": NODE, "active": NODE}} in place of {@code split},
 * {@code "empty": true} on a leaf that holds no point, an exclusion's {@code "alpha": [[k, i, α], …]} and
 * {@code "beta": [β_0, …]}, and a case's {@code "disjuncts": [j, …]} when its tree proves only those. Slopes that
 * tighten intermediate bounds go in {@code "bounds": [{"case": k, "slopes": [{"block": b, "neuron": i, "upper": u,
 * "alpha": [[k, i, α], …]}]}]}, used by the cases marked {@code "tightened": true}. Numbers
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
                if (p.tightened()) g.writeBooleanField("tightened", true);
                if (p.disjuncts() != null) {
                    g.writeArrayFieldStart("disjuncts");
                    for (int j : p.disjuncts()) g.writeNumber(j);
                    g.writeEndArray();
                }
                g.writeFieldName("tree");
                node(g, p.root());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (!cert.bounds().isEmpty()) {
                g.writeArrayFieldStart("bounds");
                for (Certificate.CaseBounds cb : cert.bounds()) {
                    g.writeStartObject();
                    g.writeNumberField("case", cb.caseIndex());
                    g.writeArrayFieldStart("slopes");
                    for (Certificate.BoundSlopes b : cb.slopes()) {
                        g.writeStartObject();
                        g.writeNumberField("block", b.block());
                        g.writeNumberField("neuron", b.neuron());
                        g.writeBooleanField("upper", b.upper());
                        writeSlopes(g, b.alpha());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
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
            if (e.alpha() != null) writeSlopes(g, e.alpha());
            double[] beta = e.beta();
            if (beta != null) {
                g.writeArrayFieldStart("beta");
                for (double x : beta) g.writeNumber(x);
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        if (n.empty()) g.writeBooleanField("empty", true);
        switch (n.split()) {
            case null -> { }
            case Certificate.Split s -> {
                g.writeObjectFieldStart("split");
                g.writeNumberField("dim", s.dim());
                g.writeNumberField("at", s.at());
                g.writeFieldName("low");
                node(g, s.low());
                g.writeFieldName("high");
                node(g, s.high());
                g.writeEndObject();
            }
            case Certificate.NeuronSplit s -> {
                g.writeObjectFieldStart("relu_split");
                g.writeNumberField("block", s.block());
                g.writeNumberField("neuron", s.neuron());
                g.writeFieldName("inactive");
                node(g, s.inactive());
                g.writeFieldName("active");
                node(g, s.active());
                g.writeEndObject();
            }
        }
        g.writeEndObject();
    }

    private static void writeSlopes(JsonGenerator g, Certificate.Slopes a) throws IOException {
        int[] block = a.block(), neuron = a.neuron();
        double[] value = a.value();
        g.writeArrayFieldStart("alpha");
        for (int i = 0; i < block.length; i++) {
            g.writeStartArray();
            g.writeNumber(block[i]);
            g.writeNumber(neuron[i]);
            g.writeNumber(value[i]);
            g.writeEndArray();
        }
        g.writeEndArray();
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
        for (JsonNode c : root.path("cases")) {
            JsonNode d = c.get("disjuncts");
            List<Integer> disjuncts = null;
            if (d != null) {
                if (!d.isArray()) throw new IllegalArgumentException("certificate: \"disjuncts\" is not an array");
                disjuncts = new ArrayList<>();
                for (JsonNode j : d) {
                    if (!j.canConvertToInt()) throw new IllegalArgumentException("certificate: a disjunct index is not an integer");
                    disjuncts.add(j.asInt());
                }
            }
            JsonNode t = c.get("tightened");
            if (t != null && !t.isBoolean()) throw new IllegalArgumentException("certificate: \"tightened\" is not a boolean");
            cases.add(new Certificate.CaseProof(integer(c, "case"), disjuncts, t != null && t.asBoolean(), node(c.get("tree"))));
        }
        List<Certificate.CaseBounds> bounds = new ArrayList<>();
        for (JsonNode cb : root.path("bounds")) {
            List<Certificate.BoundSlopes> slopes = new ArrayList<>();
            for (JsonNode b : cb.path("slopes")) {
                JsonNode u = b.get("upper");
                if (u == null || !u.isBoolean()) throw new IllegalArgumentException("certificate: \"upper\" missing or not a boolean");
                Certificate.Slopes a = slopes(b.get("alpha"));
                if (a == null) throw new IllegalArgumentException("certificate: a bound's \"alpha\" is missing");
                slopes.add(new Certificate.BoundSlopes(integer(b, "block"), integer(b, "neuron"), u.asBoolean(), a));
            }
            bounds.add(new Certificate.CaseBounds(integer(cb, "case"), slopes));
        }
        return new Certificate(text(root, "model_sha256"), text(root, "property_sha256"), cases, missing, bounds);
    }

    private static Certificate.Node node(JsonNode n) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException("certificate: a tree node is not an object");
        List<Certificate.Exclusion> ex = new ArrayList<>();
        for (JsonNode e : n.path("excluded")) {
            ex.add(new Certificate.Exclusion(integer(e, "disjunct"), integer(e, "row"), number(e, "bound"), numbers(e, "weights"),
                    slopes(e.get("alpha")), numbers(e, "beta")));
        }
        JsonNode s = n.get("split"), r = n.get("relu_split");
        if (s != null && r != null) throw new IllegalArgumentException("certificate: a node with both \"split\" and \"relu_split\"");
        Certificate.Branch split = s != null
                ? new Certificate.Split(integer(s, "dim"), number(s, "at"), node(s.get("low")), node(s.get("high")))
                : r != null ? new Certificate.NeuronSplit(integer(r, "block"), integer(r, "neuron"), node(r.get("inactive")), node(r.get("active")))
                : null;
        JsonNode empty = n.get("empty");
        if (empty != null && !empty.isBoolean()) throw new IllegalArgumentException("certificate: \"empty\" is not a boolean");
        return new Certificate.Node(ex, split, empty != null && empty.asBoolean());
    }

    /** The array of numbers at {@code key}, or null when absent. */
    private static double[] numbers(JsonNode n, String key) {
        JsonNode w = n.get(key);
        if (w == null) return null;
        if (!w.isArray()) throw new IllegalArgumentException("certificate: \"" + key + "\" is not an array");
        double[] out = new double[w.size()];
        for (int i = 0; i < out.length; i++) {
            if (!w.get(i).isNumber()) throw new IllegalArgumentException("certificate: an entry of \"" + key + "\" is not a number");
            out[i] = w.get(i).asDouble();
        }
        return out;
    }

    private static Certificate.Slopes slopes(JsonNode a) {
        if (a == null) return null;
        if (!a.isArray()) throw new IllegalArgumentException("certificate: \"alpha\" is not an array");
        int n = a.size();
        int[] block = new int[n], neuron = new int[n];
        double[] value = new double[n];
        for (int i = 0; i < n; i++) {
            JsonNode t = a.get(i);
            if (!t.isArray() || t.size() != 3 || !t.get(0).canConvertToInt() || !t.get(1).canConvertToInt() || !t.get(2).isNumber())
                throw new IllegalArgumentException("certificate: an \"alpha\" entry is not [block, neuron, slope]");
            block[i] = t.get(0).asInt();
            neuron[i] = t.get(1).asInt();
            value[i] = t.get(2).asDouble();
        }
        return new Certificate.Slopes(block, neuron, value);
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
