package dev.verity.eval;

import dev.verity.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run interrupted and resumed gives the same table as one never stopped, and computes nothing twice. */
class ResumeTest {
    private static final int[] ALL = {0, 1, 2, 3, 4};

    @Test
    void resumingAfterACrashMidLineGivesTheUninterruptedTable(@TempDir Path dir) throws Exception {
        EvalSettings s = TinyEval.settings("pgd,ibp,crown", true, 2);
        Summary straight = TinyEval.run(dir.resolve("straight.jsonl"), ALL, s);

        // The interrupted run: the first three images only, then a kill in the middle of writing a line.
        Path file = dir.resolve("resumed.jsonl");
        TinyEval.run(file, new int[] {0, 1, 2}, s);
        String text = Files.readString(file);
        int lastLine = text.lastIndexOf('\n', text.length() - 2) + 1;
        Files.writeString(file, text.substring(0, lastLine + (text.length() - lastLine) / 2));
        int kept = ResultsFile.read(file).size();
        assertEquals(text.split("\n").length - 1, kept, "the cut line is ignored");

        Evaluation e = new Evaluation(TinyEval.net(), TinyEval.data(), ALL, s);
        int computed;
        try (ResultsFile out = ResultsFile.openForAppend(file)) {
            computed = e.run(ResultsFile.read(file), out, (d, t) -> {});
        }
        // Images 3 (three radii) and the (image, ε) whose line was cut: 4 pairs; image 4 is misclassified.
        assertEquals(4, computed);
        List<ResultLine> lines = ResultsFile.read(file);
        Set<Object> keys = new HashSet<>();
        for (ResultLine l : lines) assertTrue(keys.add(l instanceof ResultLine.Outcome o ? o.key() : l), "computed twice: " + l);
        assertEquals(5 + 4 * 3 * 3, lines.size());
        assertTrue(Files.readString(file).endsWith("}\n"));

        Summary resumed = Summary.of(ALL, s.eps(), s.methods(), lines);
        assertEquals(withoutTimes(straight), withoutTimes(resumed));
        assertEquals(Reports.mainTable(straight), Reports.mainTable(resumed));
        assertEquals(straight.crAuc(), resumed.crAuc());

        // Resuming a finished run computes nothing.
        try (ResultsFile out = ResultsFile.openForAppend(file)) {
            assertEquals(0, e.run(ResultsFile.read(file), out, (d, t) -> {}));
        }
    }

    @Test
    void aResumedRunAddsNewRadiiAndMethodsOnly(@TempDir Path dir) {
        Path file = dir.resolve("r.jsonl");
        TinyEval.run(file, ALL, TinyEval.settings("ibp", true, 1));
        int before = ResultsFile.read(file).size();
        Summary s = TinyEval.run(file, ALL, TinyEval.settings("ibp,crown", true, 1));
        assertEquals(before + 4 * 3, ResultsFile.read(file).size()); // crown on the 4 correct images at 3 radii
        assertEquals(0.4, s.rows().get(2).upperBound("crown"), 1e-12);
    }

    @Test
    void theOutputFolderRefusesToOverwriteOrMix(@TempDir Path dir) throws Exception {
        OutputFolder folder = new OutputFolder(dir.resolve("out"));
        Map<String, String> settings = Map.of("timeout_per_image_s", "60.0");
        assertEquals(List.of(), folder.prepare(false, settings));
        Files.writeString(folder.results(), "{\"type\":\"clean\",\"image\":0,\"label\":1,\"predicted\":1}\n");
        InvalidInputException noResume = assertThrows(InvalidInputException.class, () -> folder.prepare(false, settings));
        assertTrue(noResume.getMessage().contains("--resume"), noResume.getMessage());
        assertEquals(1, folder.prepare(true, settings).size());
        InvalidInputException other = assertThrows(InvalidInputException.class, () -> folder.prepare(true, Map.of("timeout_per_image_s", "30.0")));
        assertTrue(other.getMessage().contains("timeout_per_image_s: was 60.0, now 30.0"), other.getMessage());
    }

    @Test
    void resultsFromOtherDataAreRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("r.jsonl");
        Files.writeString(file, "{\"type\":\"clean\",\"image\":3,\"label\":0,\"predicted\":0}\n");
        Evaluation e = new Evaluation(TinyEval.net(), TinyEval.data(), ALL, TinyEval.settings("ibp", true, 1));
        try (ResultsFile out = ResultsFile.openForAppend(file)) {
            InvalidInputException x = assertThrows(InvalidInputException.class, () -> e.run(ResultsFile.read(file), out, (d, t) -> {}));
            assertTrue(x.getMessage().contains("image 3 has label 0, the dataset says 1"), x.getMessage());
        }
    }

    /** The summary's counts per ε and method, times left out (they differ between any two runs). */
    static List<String> withoutTimes(Summary s) {
        return s.rows().stream().flatMap(r -> r.methods().values().stream().map(m -> r.eps() + " " + m.method().name() + " " + m.certified() + " "
                + m.refuted() + " " + m.unknown() + " " + m.timeout() + " " + m.error() + " " + m.skipped() + " " + m.missing() + " " + m.runs()))
                .toList();
    }
}
