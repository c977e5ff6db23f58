package dev.verity.eval;

import dev.verity.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsFileTest {

    @Test
    void linesRoundTripExactly(@TempDir Path dir) {
        Path file = dir.resolve("r.jsonl");
        List<ResultLine> lines = List.of(
                new ResultLine.Clean(7, 3, 5),
                new ResultLine.Outcome(7, 0.1 + 0.2, "lp-greedy", Status.CERTIFIED, true, 0.0123, -1.0 / 3, null, null),
                new ResultLine.Outcome(8, 0.03, "crown", Status.REFUTED, false, 0, Double.NaN, "pgd", "skipped: refuted by pgd"),
                new ResultLine.Outcome(9, 0.03, "milp", Status.ERROR, true, 1.5, Double.NaN, null, "boom \"quoted\"\nnext line"));
        try (ResultsFile f = ResultsFile.openForAppend(file)) {
            lines.forEach(f::append);
        }
        List<ResultLine> back = ResultsFile.read(file);
        assertEquals(lines.size(), back.size());
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i) instanceof ResultLine.Outcome o) {
                ResultLine.Outcome b = (ResultLine.Outcome) back.get(i);
                assertEquals(o.key(), b.key()); // ε 0.30000000000000004 survives the trip bit for bit
                assertEquals(o.status(), b.status());
                assertEquals(o.ran(), b.ran());
                assertEquals(o.seconds(), b.seconds());
                assertEquals(Double.doubleToLongBits(o.margin()), Double.doubleToLongBits(b.margin()));
                assertEquals(o.by(), b.by());
                assertEquals(o.detail(), b.detail());
            } else {
                assertEquals(lines.get(i), back.get(i));
            }
        }
    }

    @Test
    void aCutLastLineIsIgnoredAndRemovedBeforeAppending(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("r.jsonl");
        Files.writeString(file, "{\"type\":\"clean\",\"image\":0,\"label\":1,\"predicted\":1}\n{\"type\":\"result\",\"image\":0,\"ep");
        assertEquals(1, ResultsFile.read(file).size());
        try (ResultsFile f = ResultsFile.openForAppend(file)) {
            f.append(new ResultLine.Clean(1, 2, 2));
        }
        assertEquals(List.of(new ResultLine.Clean(0, 1, 1), new ResultLine.Clean(1, 2, 2)), ResultsFile.read(file));
        assertEquals(2, Files.readAllLines(file).size());
    }

    @Test
    void aBrokenCompleteLineIsReportedWithItsNumber(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("r.jsonl");
        Files.writeString(file, "{\"type\":\"clean\",\"image\":0,\"label\":1,\"predicted\":1}\n{\"type\":\"result\",\"image\":0}\n");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> ResultsFile.read(file));
        assertTrue(e.getMessage().contains("r.jsonl:2:"), e.getMessage());
        assertEquals(List.of(), ResultsFile.read(dir.resolve("absent.jsonl")));
    }
}
