package dev.verity.bounds;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The engine counts the crossings it resolves when it intersects recomputed bounds with known ones, instead of hiding them. */
class CrossingCountTest {

    @Test
    void countsKnownBoundsThatMissTheRecomputedOnes() {
        SplittableRandom r = new SplittableRandom(5);
        Network net = RandomLayers.mlp(r, new int[] {3, 6, 6, 2}, new Layer.Relu());
        BoundEngine engine = new BoundEngine(net);
        Interval box = RandomLayers.box(r, 3, 0.3);
        Map<Integer, Interval> crown = engine.intermediateBounds(Method.CROWN, box, Map.of(), -1);
        assertEquals(0, engine.crossingsResolved());
        // the same bounds as known ones: they overlap everywhere
        engine.intermediateBounds(Method.CROWN, box, crown, -1);
        assertEquals(0, engine.crossingsResolved());
        // two neurons of the second layer "known" far above their true range: both cross, and the engine's own bounds are kept
        int second = crown.keySet().stream().skip(1).findFirst().orElseThrow();
        Interval iv = crown.get(second);
        double[] lo = iv.lower().clone(), hi = iv.upper().clone();
        for (int j : new int[] {0, 3}) {
            lo[j] = iv.upper(j) + 10;
            hi[j] = iv.upper(j) + 11;
        }
        Map<Integer, Interval> wrong = new LinkedHashMap<>(crown);
        wrong.put(second, new Interval(lo, hi));
        Map<Integer, Interval> out = engine.intermediateBounds(Method.CROWN, box, wrong, -1);
        assertEquals(2, engine.crossingsResolved());
        for (int j : new int[] {0, 3}) // the engine's own (interval arithmetic's: a neuron "decided" by the known bounds is not back-substituted)
            assertTrue(out.get(second).upper(j) < lo[j] && out.get(second).upper(j) >= iv.upper(j), "neuron " + j + ": " + out.get(second));
    }
}
