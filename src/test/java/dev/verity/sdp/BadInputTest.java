package dev.verity.sdp;

import dev.verity.InvalidInputException;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layers outside the SDP's chain are an input error naming the layer, never an approximation. */
class BadInputTest {
    @Test
    void convolutionIsNamed() {
        var b = Network.builder(new Shape(1, 3, 3));
        b.add(new Layer.Conv2d(Tensor.zeros(1, 1, 2, 2), Tensor.vector(0), ConvGeometry.simple(1, 0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Flatten());
        b.add(new Layer.Dense(Tensor.zeros(1, 4), Tensor.vector(0)));
        Network net = b.build();
        var e = assertThrows(InvalidInputException.class, () -> SdpProblem.of(net, box(9), List.of(), new double[]{1}, 0));
        assertTrue(e.getMessage().contains("sdp does not cover layer 1 (Conv2d"), e.getMessage());
    }

    @Test
    void sigmoidIsNamed() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.zeros(3, 2), Tensor.vector(0, 0, 0)));
        b.add(new Layer.Sigmoid());
        b.add(new Layer.Dense(Tensor.zeros(1, 3), Tensor.vector(0)));
        Network net = b.build();
        var e = assertThrows(InvalidInputException.class, () -> SdpProblem.of(net, box(2), List.of(box(3)), new double[]{1}, 0));
        assertTrue(e.getMessage().contains("sdp does not cover layer 2 (Sigmoid"), e.getMessage());
    }

    @Test
    void denseAfterDenseIsRejected() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.zeros(3, 2), Tensor.vector(0, 0, 0)));
        b.add(new Layer.Dense(Tensor.zeros(1, 3), Tensor.vector(0)));
        Network net = b.build();
        var e = assertThrows(InvalidInputException.class, () -> SdpProblem.of(net, box(2), List.of(), new double[]{1}, 0));
        assertTrue(e.getMessage().contains("layer 2 (Dense"), e.getMessage());
    }

    @Test
    void wrongNumberOfBoundsIsAnArgumentError() {
        var b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.zeros(3, 2), Tensor.vector(0, 0, 0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.zeros(1, 3), Tensor.vector(0)));
        Network net = b.build();
        assertThrows(IllegalArgumentException.class, () -> SdpProblem.of(net, box(2), List.of(), new double[]{1}, 0));
    }

    private static Interval box(int n) {
        double[] l = new double[n], u = new double[n];
        java.util.Arrays.fill(l, -1);
        java.util.Arrays.fill(u, 1);
        return new Interval(l, u);
    }
}
