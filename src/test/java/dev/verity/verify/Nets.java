package dev.verity.verify;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.onnx.OnnxImporter;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Hand-made networks whose answers are known on paper, and the bundled demo model. */
final class Nets {
    private Nets() {}

    /** {@code y0 = x0 + 0.5 x1 + 2}, {@code y1 = 0}: on {@code [-1,1]^2}, {@code y0 - y1 >= 0.5}; intervals are exact. */
    static Network linear() {
        Network.Builder b = Network.builder(new Shape(2));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, 0.5}, {0, 0}}), Tensor.vector(2, 0)));
        return b.build();
    }

    /**
     * {@code y0 = relu(x) - relu(x) + 0.1}: exactly 0.1, but intervals lose the correlation of the two (identical)
     * hidden neurons — on {@code x in [1, 2]} IBP gives {@code y0 in [-0.9, 1.1]}, while back-substitution through the
     * (stable, active) ReLUs cancels them and proves {@code y0 >= 0.1}.
     */
    static Network cancelling() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}, {1}}), Tensor.vector(0, 0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1, -1}}), Tensor.vector(0.1)));
        return b.build();
    }


    /** {@code y0 = x0 + bias} on one input. */
    static Network shifted(double bias) {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}}), Tensor.vector(bias)));
        return b.build();
    }

    /** The row {@code c·y + d <= 0}. */
    static LinearConstraint row(double d, double... c) { return new LinearConstraint(c, d); }

    /** A property with one case. */
    static VnnlibProperty property(Box box, int outputs, Disjunct... unsafe) {
        return new VnnlibProperty(box.dimension(), outputs, List.of(new Case(box, List.of(unsafe))));
    }

    static Box box(double[] lo, double[] hi) { return new Box(lo, hi); }

    /** The bundled demo network (VNN-COMP 2021 mnist-net_256x2), from the main resources. */
    static Network mnist256x2(Path dir) { return OnnxImporter.load(resource(dir, "mnist-net_256x2.onnx")); }

    static Path resource(Path dir, String name) {
        try (InputStream in = Nets.class.getResourceAsStream("/dev/verity/demo/" + name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            Path p = dir.resolve(name);
            Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
