package dev.verity.bounds;

import static dev.verity.testing.RandomLayers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.relax.ReluRelaxation;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * The windowed ("patches") back-substitution of single feature-map neurons gives the dense back-substitution's
 * bounds, on random networks with every convolution geometry it must handle, and where it has to hand rows over to
 * the dense one (a layer it does not walk through, or a window grown to the whole map).
 */
class WindowedBackSubstitutionTest {

    enum Net { STRIDE_PAD, ASYMMETRIC_DILATED_GROUPED, AFFINE_SIGMOID, HAND_OVER_AT_PAD, WINDOW_FILLS_MAP }

    static Network build(Net kind, SplittableRandom r) {
        return switch (kind) {
            case STRIDE_PAD -> {
                var b = Network.builder(new Shape(3, 9, 9));
                b.add(conv(r, 3, 4, 4, ConvGeometry.simple(2, 1)));                          // [4, 4, 4]
                b.add(conv(r, 4, 4, 3, ConvGeometry.simple(1, 1)));                          // straight on: padding cells in the window
                b.add(new Layer.Relu());
                b.add(conv(r, 4, 5, 3, ConvGeometry.simple(1, 1)));                          // [5, 4, 4]
                b.add(new Layer.Relu());
                b.add(conv(r, 5, 3, 2, ConvGeometry.simple(1, 0)));                          // [3, 3, 3]
                yield b.build();
            }
            case ASYMMETRIC_DILATED_GROUPED -> {
                var b = Network.builder(new Shape(4, 10, 9));
                b.add(new Layer.Conv2d(gaussian(r, 0.5, 6, 2, 3, 2), gaussian(r, 0.5, 6),
                        new ConvGeometry(2, 1, 1, 0, 2, 1, 2, 1, 2)));                          // groups 2, dilation (2, 1)
                b.add(new Layer.LeakyRelu(0.1));
                b.add(new Layer.Conv2d(gaussian(r, 0.5, 4, 6, 2, 3), gaussian(r, 0.5, 4),
                        new ConvGeometry(1, 2, 0, 2, 1, 0, 1, 1, 1)));
                yield b.build();
            }
            case AFFINE_SIGMOID -> {
                var b = Network.builder(new Shape(2, 7, 7));
                b.add(new Layer.Affine(gaussian(r, 1, 2, 7, 7), gaussian(r, 0.5, 2, 7, 7)));
                b.add(conv(r, 2, 3, 3, ConvGeometry.simple(1, 1)));                          // [3, 7, 7]
                b.add(new Layer.Sigmoid());
                b.add(conv(r, 3, 3, 3, ConvGeometry.simple(2, 0)));                          // [3, 3, 3]
                b.add(new Layer.Affine(gaussian(r, 1, 3, 3, 3), gaussian(r, 0.5, 3, 3, 3)));
                b.add(new Layer.Tanh());
                b.add(conv(r, 3, 2, 2, ConvGeometry.simple(1, 0)));                          // [2, 2, 2]
                yield b.build();
            }
            case HAND_OVER_AT_PAD -> {
                var b = Network.builder(new Shape(2, 8, 8));
                b.add(conv(r, 2, 3, 3, ConvGeometry.simple(1, 0)));                          // [3, 6, 6]
                b.add(new Layer.Relu());
                b.add(new Layer.Pad(new int[]{0, 1, 1, 0, 1, 1}, 0.5));                      // [3, 8, 8]
                b.add(conv(r, 3, 4, 3, ConvGeometry.simple(2, 0)));                          // [4, 3, 3]
                yield b.build();
            }
            case WINDOW_FILLS_MAP -> {
                var b = Network.builder(new Shape(1, 5, 5));
                b.add(conv(r, 1, 3, 3, ConvGeometry.simple(1, 1)));                          // [3, 5, 5]
                b.add(new Layer.Relu());
                b.add(conv(r, 3, 3, 3, ConvGeometry.simple(1, 1)));
                b.add(new Layer.Relu());
                b.add(conv(r, 3, 2, 3, ConvGeometry.simple(1, 1)));                          // windows reach 7x7 > 5x5
                yield b.build();
            }
        };
    }

    @ParameterizedTest
    @EnumSource(Net.class)
    void everyNeuronsBoundsEqualTheDenseBackSubstitution(Net kind) {
        for (long seed = 1; seed <= 4; seed++) {
            SplittableRandom r = new SplittableRandom(seed * 31 + kind.ordinal());
            Network net = build(kind, r);
            Interval box = box(r, net.inputShape().numel(), 0.6);
            BoundEngine engine = new BoundEngine(net);
            Map<Integer, Interval> pre = engine.intermediateBounds(Method.CROWN, box, Map.of(), -1);
            for (ReluRelaxation relaxation : new ReluRelaxation[] {ReluRelaxation.ADAPTIVE, ReluRelaxation.PARALLEL}) {
                Map<Integer, LinearRelaxation<Tensor>> cache = new HashMap<>();
                IntFunction<LinearRelaxation<Tensor>> acts = id -> cache.computeIfAbsent(id,
                        k -> BoundEngine.constantLines(engine.lines(k, pre, relaxation), net.node(k)));
                var dense = new BackSubstitution<>(net, TensorOps.INSTANCE, new LayerConstants(), box, acts, engine.maxPools(pre), null);
                var windowed = new WindowedBackSubstitution(net, acts, box, dense, null);
                int checked = 0;
                for (Node node : net.nodes()) {
                    if (!WindowedBackSubstitution.applies(net, node.id())) continue;
                    int n = node.shape().numel();
                    int[] all = java.util.stream.IntStream.range(0, n).toArray();
                    double[] got = windowed.lowerOfNeurons(node.id(), all);
                    Tensor a = Tensor.zeros(2 * n, n);
                    for (int j = 0; j < n; j++) {
                        a.data()[j * n + j] = 1;
                        a.data()[(n + j) * n + j] = -1;
                    }
                    double[] want = dense.lower(node.id(), a.reshape(node.shape().withBatch(2 * n)), Tensor.zeros(2 * n, 1)).data();
                    for (int i = 0; i < 2 * n; i++)
                        assertEquals(want[i], got[i], 1e-9 * (1 + Math.abs(want[i])), kind + " seed " + seed + " node " + node.id() + " row " + i);
                    checked++;
                }
                assertTrue(checked >= 2, "the network has windowed nodes");
                assertTrue(windowed.windowedRows() > 0, kind + ": rows that stay windowed down to the input");
                if (kind == Net.HAND_OVER_AT_PAD || kind == Net.WINDOW_FILLS_MAP)
                    assertTrue(windowed.handedOverRows() > 0, kind + ": rows handed over to the dense back-substitution");
            }
        }
    }
}
