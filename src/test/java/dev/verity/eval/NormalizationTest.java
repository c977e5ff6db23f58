package dev.verity.eval;

import dev.verity.InvalidInputException;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NormalizationTest {

    /** A dense net over a flattened 2-channel 1x2 image: 4 inputs, 2 outputs. */
    private static Network net() {
        Network.Builder b = Network.builder(new Shape(4));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, -2, 3, 0.5}, {0, 1, -1, 2}}), Tensor.vector(0.1, -0.2)));
        b.add(new Layer.Relu());
        return b.build();
    }

    @Test
    void theLayerInFrontComputesScaleMeanAndStdPerChannel() {
        Normalization n = new Normalization(255, new double[] {100, 50}, new double[] {20, 10});
        Network normalised = n.prependTo(net(), new Shape(2, 1, 2));
        double[] x = {0.2, 0.4, 0.6, 0.8};
        double[] by = {(51 - 100) / 20.0, (102 - 100) / 20.0, (153 - 50) / 10.0, (204 - 50) / 10.0};
        assertArrayEquals(Forward.evaluate(net(), new Tensor(by, 4)).data(), Forward.evaluate(normalised, new Tensor(x, 4)).data(), 1e-12);
        assertTrue(normalised.node(1).layer() instanceof Layer.Affine);
    }

    @Test
    void identityLeavesTheNetworkAlone() {
        Network net = net();
        assertSame(net, Normalization.IDENTITY.prependTo(net, new Shape(4)));
        assertTrue(new Normalization(1, new double[] {0, 0}, new double[] {1}).isIdentity());
    }

    @Test
    void badValuesAreInputErrors() {
        assertThrows(InvalidInputException.class, () -> new Normalization(0, new double[] {0}, new double[] {1}));
        assertThrows(InvalidInputException.class, () -> new Normalization(1, new double[] {0}, new double[] {0}));
        // three means for a two-channel image
        assertThrows(InvalidInputException.class,
                () -> new Normalization(1, new double[] {0, 0, 0}, new double[] {1}).prependTo(net(), new Shape(2, 1, 2)));
    }
}
