package dev.verity.attack;

import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.Ops;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;

import java.util.List;
import java.util.Optional;

/**
 * The single gate every counterexample in Verity passes: a point is accepted only when it lies in
 * the case's box (exactly, no tolerance) and both the double forward pass and the float32 forward
 * pass (how VNN-COMP re-checks with onnxruntime) put the outputs inside the same disjunct. Requiring
 * both passes is what keeps a "sat" answer from being overturned by a re-check in a different
 * precision: a point on a rounding boundary is rejected rather than reported.
 */
public final class Counterexamples {
    private Counterexamples() {}

    /** The first case (in order) for which {@code x} is a confirmed counterexample, if any. */
    public static Optional<Counterexample> confirm(Network net, VnnlibProperty property, double[] x) {
        checkInput(net, property.inputCount(), x);
        Outputs out = null; // computed lazily: most candidates lie in a single case's box
        List<Case> cases = property.cases();
        for (int k = 0; k < cases.size(); k++) {
            if (!cases.get(k).input().contains(x)) continue;
            if (out == null) out = Outputs.of(net, x);
            Optional<Counterexample> c = check(cases.get(k), k, x, out);
            if (c.isPresent()) return c;
        }
        return Optional.empty();
    }

    /** Whether {@code x} is a confirmed counterexample of case {@code caseIndex} of the property. */
    public static Optional<Counterexample> confirm(Network net, VnnlibProperty property, int caseIndex, double[] x) {
        checkInput(net, property.inputCount(), x);
        Case k = property.cases().get(caseIndex);
        if (!k.input().contains(x)) return Optional.empty();
        return check(k, caseIndex, x, Outputs.of(net, x));
    }

    /** Whether {@code x} is a confirmed counterexample of a case standing alone (reported as case 0). */
    public static Optional<Counterexample> confirm(Network net, Case k, double[] x) {
        checkInput(net, k.input().dimension(), x);
        if (!k.input().contains(x)) return Optional.empty();
        return check(k, 0, x, Outputs.of(net, x));
    }

    private static Optional<Counterexample> check(Case k, int caseIndex, double[] x, Outputs out) {
        List<Disjunct> unsafe = k.unsafe();
        for (int j = 0; j < unsafe.size(); j++) {
            Disjunct d = unsafe.get(j);
            if (d.rows().isEmpty() || d.rows().getFirst().dimension() == out.dbl.length) {
                // Rows are evaluated in double on each pass's outputs, as the VNN-COMP checker does with onnxruntime's.
                if (d.isSatisfiedBy(out.dbl) && d.isSatisfiedBy(out.f32)) return Optional.of(new Counterexample(x, out.dbl, out.f32, caseIndex, j));
            } else {
                throw new IllegalArgumentException("disjunct over " + d.rows().getFirst().dimension() + " outputs, network has " + out.dbl.length);
            }
        }
        return Optional.empty();
    }

    /** The network's flattened outputs at one point in double and in float32. */
    private record Outputs(double[] dbl, double[] f32) {
        static Outputs of(Network net, double[] x) {
            return new Outputs(forward(net, TensorOps.INSTANCE, x), forward(net, Float32Ops.INSTANCE, x));
        }
    }

    /** One sample through the forward pass in the given arithmetic, flattened. */
    static double[] forward(Network net, Ops<Tensor> ops, double[] x) {
        Tensor in = new Tensor(x.clone(), net.inputShape().withBatch(1));
        return ops.value(Forward.run(net, ops, ops.constant(in))).data().clone();
    }

    private static void checkInput(Network net, int inputCount, double[] x) {
        int n = net.inputShape().numel();
        if (inputCount != n) throw new IllegalArgumentException("property has " + inputCount + " inputs, network takes " + n);
        if (x.length != n) throw new IllegalArgumentException("point has " + x.length + " coordinates, network takes " + n);
    }
}
