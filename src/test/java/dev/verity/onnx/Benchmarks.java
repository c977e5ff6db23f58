package dev.verity.onnx;

import dev.verity.testing.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;


/** The ONNX networks under {@code verity.shared} (benchmarks/ and oracle/nets/) and the VNN-LIB files that go with them. */
final class Benchmarks {
    private Benchmarks() {}

    /** The shared folder from {@code -Dverity.shared}; aborts the calling test (JUnit assumption) if it is absent. */
    static Path shared() {
        String p = System.getProperty("verity.shared");
        SharedData.assume(p != null && Files.isDirectory(Path.of(p, "benchmarks")), "verity.shared is not set or has no benchmarks/ folder");
        return Path.of(p).toAbsolutePath().normalize();
    }

    /** Every {@code *.onnx} and {@code *.onnx.gz} under benchmarks/ and oracle/nets/, sorted by path. */
    static List<Path> models(Path shared) {
        List<Path> roots = new ArrayList<>(List.of(shared.resolve("benchmarks"), shared.resolve("oracle/nets")));
        if (Files.isDirectory(Path.of("/oracle/nets"))) roots.add(Path.of("/oracle/nets"));
        List<Path> out = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) continue;
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().matches(".*\\.onnx(\\.gz)?")).forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    static String relative(Path shared, Path file) {
        return file.startsWith(shared) ? shared.relativize(file).toString() : file.toString();
    }

    /**
     * For every network named in a benchmark folder's {@code instances.csv} ({@code onnx,vnnlib,timeout}, paths
     * relative to the folder; the VNN-COMP 2021 test folder only has {@code test_instances.csv}), the VNN-LIB file
     * of its first instance. VNN-COMP 2022 stores both files gzipped while the csv names them without {@code .gz}.
     */
    static Map<Path, Path> firstProperty(Path shared) {
        Map<Path, Path> out = new LinkedHashMap<>();
        List<Path> csvs;
        try (Stream<Path> s = Files.walk(shared.resolve("benchmarks"))) {
            csvs = s.filter(p -> p.getFileName().toString().equals("instances.csv")
                    || p.getFileName().toString().equals("test_instances.csv") && !Files.exists(p.resolveSibling("instances.csv"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path csv : csvs) {
            try {
                for (String line : Files.readAllLines(csv)) {
                    String[] f = line.trim().split(",");
                    if (f.length < 2 || !f[0].contains(".onnx")) continue;
                    Path onnx = existing(csv.getParent().resolve(f[0].trim()));
                    Path vnnlib = existing(csv.getParent().resolve(f[1].trim()));
                    if (onnx != null && vnnlib != null) out.putIfAbsent(onnx, vnnlib);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static Path existing(Path p) {
        Path n = p.toAbsolutePath().normalize();
        if (Files.isRegularFile(n)) return n;
        Path gz = n.resolveSibling(n.getFileName() + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    /**
     * The input box of an oracle net ({@code <net>.input.json} next to it): the point ± 0.1, the eps of its
     * reference bounds (oracle/README.md, "Tiny nets"); null if there is no such file.
     */
    static double[][] oracleBox(Path model) {
        String name = model.getFileName().toString().replaceFirst("\\.onnx(\\.gz)?$", "");
        Path json = model.resolveSibling(name + ".input.json");
        if (!Files.isRegularFile(json)) return null;
        try {
            JsonNode input = new ObjectMapper().readTree(json.toFile()).get("input");
            double eps = 0.1;
            double[] lo = new double[input.size()], hi = new double[input.size()];
            for (int i = 0; i < lo.length; i++) {
                lo[i] = input.get(i).asDouble() - eps;
                hi[i] = input.get(i).asDouble() + eps;
            }
            return new double[][] {lo, hi};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
