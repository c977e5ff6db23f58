package dev.verity.model;

import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkTest {

    @Test
    void infersShapesThroughAConvNet() {
        var b = Network.builder(new Shape(1, 28, 28));
        // Paper 003/004 "CNN-small": Conv(1->16, 4x4, s2, p1) ReLU Conv(16->32, 4x4, s2, p1) ReLU Flatten Linear(1568->100) ReLU Linear(100->10)
        b.add(new Layer.Conv2d(Tensor.zeros(16, 1, 4, 4), Tensor.zeros(16), ConvGeometry.simple(2, 1)));
        assertEquals(new Shape(16, 14, 14), b.shape(b.last()));
        b.add(new Layer.Relu());
        b.add(new Layer.Conv2d(Tensor.zeros(32, 16, 4, 4), Tensor.zeros(32), ConvGeometry.simple(2, 1)));
        assertEquals(new Shape(32, 7, 7), b.shape(b.last()));
        b.add(new Layer.Relu());
        b.add(new Layer.Flatten());
        assertEquals(new Shape(1568), b.shape(b.last()));
        b.add(new Layer.Dense(Tensor.zeros(100, 1568), Tensor.zeros(100)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.zeros(10, 100), Tensor.zeros(10)));
        Network net = b.build();
        assertEquals(new Shape(10), net.outputShape());
        assertEquals(16 * 14 * 14 + 32 * 7 * 7 + 100, net.reluCount());
        assertEquals(16 * 16 + 16 + 32 * 16 * 16 + 32 + 1568 * 100 + 100 + 100 * 10 + 10, net.parameterCount());
    }

    @Test
    void poolShapesFollowOnnxCeilMode() {
        var g = new PoolGeometry(3, 3, 2, 2, 0, 0, 0, 0, 1, 1, false, false);
        var gc = new PoolGeometry(3, 3, 2, 2, 0, 0, 0, 0, 1, 1, true, false);
        // ONNX: floor((6 - 3) / 2) + 1 = 2; ceil((6 - 3) / 2) + 1 = 3.
        assertEquals(2, g.outH(6));
        assertEquals(3, gc.outH(6));
        var b = Network.builder(new Shape(2, 6, 6));
        b.add(new Layer.MaxPool2d(gc));
        assertEquals(new Shape(2, 3, 3), b.shape(b.last()));
    }

    @Test
    void rejectsLayersThatDoNotFitTheirInput() {
        var b = Network.builder(new Shape(5));
        var e = assertThrows(IllegalArgumentException.class,
                () -> b.add("fc1", new Layer.Dense(Tensor.zeros(3, 4), Tensor.zeros(3)), 0));
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.add(new Layer.Conv2d(Tensor.zeros(1, 1, 2, 2), Tensor.zeros(1), ConvGeometry.simple(1, 0))));
        assertThrows(IllegalArgumentException.class, () -> b.add(new Layer.Transpose(new int[] {0, 0})));
        assertThrows(IllegalArgumentException.class, () -> b.add(new Layer.Reshape(new Shape(2, 3))));
        int d = b.add(new Layer.Dense(Tensor.zeros(3, 5), Tensor.zeros(3)));
        assertThrows(IllegalArgumentException.class, () -> b.add(null, new Layer.Add(), d, 0));
        assertThrows(IllegalArgumentException.class, () -> b.add(null, new Layer.Add(), d));
        assertThrows(IllegalArgumentException.class, () -> new Layer.Dense(Tensor.zeros(3, 5), Tensor.zeros(4)));
    }

    @Test
    void transposeAndPadShapes() {
        var b = Network.builder(new Shape(2, 3, 4));
        b.add(new Layer.Transpose(new int[] {2, 0, 1}));
        assertEquals(new Shape(4, 2, 3), b.shape(b.last()));
        b.add(new Layer.Pad(new int[] {0, 1, 2, 0, 3, 4}, 0.0));
        assertEquals(new Shape(4, 6, 9), b.shape(b.last()));
    }
}
