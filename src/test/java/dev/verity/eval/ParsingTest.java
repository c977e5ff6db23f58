package dev.verity.eval;

import dev.verity.InvalidInputException;
import dev.verity.bounds.Method;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Method names, radii and image indices as the user types them. */
class ParsingTest {

    @Test
    void methodNamesKeepTheirSpellingAndLpGreedyIsDeepZ() {
        List<EvalMethod> ms = EvalMethod.parseAll(List.of("PGD", "lp-greedy", "crown", "milp", "crown", "deepz"));
        assertEquals(List.of("pgd", "lp-greedy", "crown", "milp", "deepz"), ms.stream().map(EvalMethod::name).toList());
        assertEquals(new EvalMethod.Bound("lp-greedy", Method.DEEPZ), ms.get(1));
        assertTrue(ms.get(0) instanceof EvalMethod.Attack a && a.refutes() && !a.certifies());
        assertTrue(ms.get(3) instanceof EvalMethod.Complete c && c.refutes() && c.certifies());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> EvalMethod.parseAll(List.of("crown", "lp-fancy")));
        assertTrue(e.getMessage().contains("unknown method 'lp-fancy'") && e.getMessage().contains("lp-greedy"), e.getMessage());
    }

    @Test
    void radiiMustBePositiveNumbers() {
        assertEquals(List.of(0.01, 0.3), EvalSettings.parseEps(List.of("0.01", " 0.3")));
        for (String bad : new String[] {"0", "-0.1", "abc", "NaN", "Infinity"}) {
            assertThrows(InvalidInputException.class, () -> EvalSettings.parseEps(List.of(bad)), bad);
        }
        assertThrows(InvalidInputException.class, () -> EvalSettings.parseEps(List.of("0.1", "0.10")));
    }

    @Test
    void indicesAndRanges() {
        assertArrayEquals(new int[] {0, 5, 10, 11, 12}, Indices.parse(List.of("0", "5", "10-12", "11")));
        assertEquals(13, Indices.needed(Indices.parse(List.of("0", "10-12"))));
        assertThrows(InvalidInputException.class, () -> Indices.parse(List.of("3-1")));
        assertThrows(InvalidInputException.class, () -> Indices.parse(List.of("-1")));
        assertThrows(InvalidInputException.class, () -> Indices.parse(List.of("x")));
    }

    @Test
    void theEvaluationChecksIndicesLabelsAndShapes() {
        EvalSettings s = TinyEval.settings("ibp", true, 1);
        InvalidInputException range = assertThrows(InvalidInputException.class, () -> new Evaluation(TinyEval.net(), TinyEval.data(), new int[] {5}, s));
        assertTrue(range.getMessage().contains("image index 5 is out of range"), range.getMessage());
        var wide = new dev.verity.data.Dataset(new dev.verity.tensor.Tensor(new double[4], 2, 2), new int[] {0, 1},
                new dev.verity.model.Shape(2), "wide");
        InvalidInputException shape = assertThrows(InvalidInputException.class, () -> new Evaluation(TinyEval.net(), wide, new int[] {0}, s));
        assertTrue(shape.getMessage().contains("the model's input [1] needs 1"), shape.getMessage());
        var labels = new dev.verity.data.Dataset(new dev.verity.tensor.Tensor(new double[] {0.5}, 1, 1), new int[] {7},
                new dev.verity.model.Shape(1), "bad");
        assertThrows(InvalidInputException.class, () -> new Evaluation(TinyEval.net(), labels, new int[] {0}, s));
    }
}
