package dev.verity.milp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The SDP (paper 002) against the exact MILP (paper 004) on random one- and two-hidden-layer ReLU nets: its lower bound
 * of a row never exceeds the MILP's exact minimum, so no row the MILP refutes (minimum below 0) is certified by sdp.
 * Both outcomes occur in the sample, and the SDP certifies some rows, so neither side of the check is vacuous.
 */
class SdpAgainstMilpTest {

    @Test
    void theSdpNeverCertifiesWhatTheExactMilpRefutes() {
        List<String> problems = new ArrayList<>();
        int refuted = 0, sdpCertified = 0;
        MilpVerifier.Minimum m;
        for (long seed = 0; seed < 16; seed++) {
            SplittableRandom r = new SplittableRandom(seed * 17 + 3);
            int hidden = seed % 2 == 0 ? 1 : 2;
            int[] widths = hidden == 1 ? new int[]{3, r.nextInt(5, 11), 3} : new int[]{3, r.nextInt(4, 7), r.nextInt(4, 7), 3};
            Network net = RandomLayers.mlp(r, widths, new Layer.Relu());
            Box box = MilpNets.box(net, r);
            double[] c = new double[3];
            for (int j = 0; j < 3; j++) c[j] = RandomLayers.gaussian(r);
            // shift the row so that its minimum is near 0: half the rows are refuted, half hold
            double[] centre = new double[3];
            for (int i = 0; i < 3; i++) centre[i] = 0.5 * (box.lower()[i] + box.upper()[i]);
            Disjunct d = new Disjunct(new LinearConstraint[]{new LinearConstraint(c, 0)});
            double atCentre = MilpNets.value(net, centre, d);
            d = MilpNets.shifted(d, -atCentre + (seed % 4 < 2 ? 0.05 : 1.5));
            Interval interval = MilpNets.interval(box);
            Objective obj = MilpNets.objective(net, d);
            BoundEngine engine = new BoundEngine(net);
            double sdp = engine.boundLower(Method.SDP, interval, obj).lower()[0];
            m = new MilpVerifier(net, MilpOptions.defaults().withThreads(1)).minimum(box, d,
                    engine.bound(Method.CROWN, interval, obj).intermediate(), MilpNets.in(ExactMinimumTest.LIMIT));
            if (!m.optimal()) problems.add("seed " + seed + ": MILP not optimal");
            if (sdp > m.value() + 1e-6 * (1 + Math.abs(m.value())))
                problems.add("seed " + seed + " (" + hidden + " hidden): sdp lower bound " + sdp + " above the exact minimum " + m.value());
            if (m.value() < 0) refuted++;
            if (sdp > 0) sdpCertified++;
        }
        if (!problems.isEmpty()) fail(String.join("\n", problems));
        assertTrue(refuted > 0, "the MILP refuted no row: the check is vacuous");
        assertTrue(sdpCertified > 0, "the SDP certified no row: the check is vacuous");
    }
}
