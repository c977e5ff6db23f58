package dev.verity.bounds;

import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.testing.RandomLayers;

import dev.verity.model.Network;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one property every bound must have: it contains every reachable value. For seeded random small
 * networks of every layer type ({@link RandomNets.Family}) and boxes from narrow (most neurons stable) to
 * wide (most unstable), every {@link Method} must bound the identity objective and a random linear
 * objective so that the values at 1,000 sampled inputs (200 box corners, 800 uniform) and at PGD-maximised
 * and -minimised inputs per row lie inside [lower, upper]; the intermediate (pre-activation) bounds must
 * contain the sampled intermediate values too. Slack: {@link Probe#RELATIVE} of the bound's magnitude.
 */
class SoundnessPropertyTest {
    /** Box radii: narrow (mostly stable neurons) to wide (mostly unstable). */
    static final double[] RADII = {0.03, 0.3, 1.0, 2.5};

    @TestFactory
    Stream<DynamicTest> everyMethodContainsEveryReachableValue() {
        List<DynamicTest> tests = new ArrayList<>();
        for (RandomNets.Family family : RandomNets.Family.values()) {
            for (int k = 0; k < RADII.length; k++) {
                long seed = 1000L * family.ordinal() + k;
                double radius = RADII[k];
                tests.add(DynamicTest.dynamicTest(family + " seed " + seed + " radius " + radius, () -> checkAllMethods(family, seed, radius)));
            }
        }
        return tests.stream();
    }

    static void checkAllMethods(RandomNets.Family family, long seed, double radius) {
        Network net = RandomNets.build(family, seed);
        SplittableRandom r = new SplittableRandom(seed * 31 + 7);
        Interval box = RandomLayers.box(r, net.inputShape().numel(), radius);
        int outs = net.outputShape().numel();
        List<Objective> objectives = List.of(Objective.identity(outs), RandomLayers.objective(r, 3, outs));
        List<String> problems = new ArrayList<>();
        var engines = List.of(new BoundEngine(net), new BoundEngine(net, BoundOptions.defaults().withIntermediate(BoundOptions.Intermediate.INTERSECT_IBP)));
        for (Method method : Method.values()) {
            if (!engines.getFirst().supports(method)) continue; // e.g. the Lagrangian dual on a residual net: a clear error, tested elsewhere
            for (int e = 0; e < engines.size(); e++) {
                // The intersect mode only matters where intermediate bounds come from back-substitution; keep it to CROWN.
                if (e == 1 && method != Method.CROWN) continue;
                for (int o = 0; o < objectives.size(); o++) {
                    BoundResult result = engines.get(e).bound(method, box, objectives.get(o));
                    for (String v : Probe.violations(net, box, objectives.get(o), result, seed + o))
                        problems.add(method + (e == 1 ? " (intersect-ibp)" : "") + ", objective " + (o == 0 ? "identity" : "random") + ": " + v);
                }
            }
        }
        if (!problems.isEmpty())
            fail(problems.size() + " soundness violations on " + family + " seed " + seed + " radius " + radius + ":\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(12, problems.size()))));
    }

    /**
     * Minimal reproduction of the padding defect the property test finds: y = [1, x]·(1, 0) = 1 for every
     * x (ONNX Pad, mode constant, value 1, then a dense layer reading only the padded cell). Every method
     * must give exactly [1, 1]; back-substitution through Pad must carry the padded constant into the bias.
     */
    @TestFactory
    Stream<DynamicTest> constantPaddingValueIsPartOfTheBound() {
        var b = Network.builder(new dev.verity.model.Shape(1));
        b.add(new dev.verity.model.Layer.Pad(new int[]{1, 0}, 1.0));
        b.add(new dev.verity.model.Layer.Dense(dev.verity.tensor.Tensor.matrix(new double[][]{{1, 0}}), dev.verity.tensor.Tensor.vector(0)));
        Network net = b.build();
        Interval box = new Interval(new double[]{-1}, new double[]{1});
        return Stream.of(Method.values()).filter(m -> new BoundEngine(net).supports(m)).map(method -> DynamicTest.dynamicTest(method.toString(), () -> {
            BoundResult r = new BoundEngine(net).bound(method, box, Objective.identity(1));
            org.junit.jupiter.api.Assertions.assertEquals(1.0, r.lower()[0], 1e-12, method + " lower bound of the constant 1");
            org.junit.jupiter.api.Assertions.assertEquals(1.0, r.upper()[0], 1e-12, method + " upper bound of the constant 1");
        }));
    }

    /**
     * The sample really reaches unstable territory: on the wide boxes of the ReLU families at least one
     * pre-activation neuron is unstable under IBP, so the relaxations (not just the exact stable cases)
     * are what the test above exercised.
     */
    @TestFactory
    Stream<DynamicTest> wideBoxesHaveUnstableNeurons() {
        List<DynamicTest> tests = new ArrayList<>();
        for (RandomNets.Family family : RandomNets.Family.values()) {
            long seed = 1000L * family.ordinal() + RADII.length - 1;
            tests.add(DynamicTest.dynamicTest(family.toString(), () -> {
                Network net = RandomNets.build(family, seed);
                Interval box = RandomLayers.box(new SplittableRandom(seed * 31 + 7), net.inputShape().numel(), RADII[RADII.length - 1]);
                BoundResult crown = new BoundEngine(net).bound(Method.CROWN, box, Objective.identity(net.outputShape().numel()));
                int crossing = 0;
                for (Interval pre : crown.intermediate().values()) crossing += pre.unstableCount();
                assertTrue(crossing > 0, "no pre-activation bound crosses 0 on the widest box of " + family);
            }));
        }
        return tests.stream();
    }
}
