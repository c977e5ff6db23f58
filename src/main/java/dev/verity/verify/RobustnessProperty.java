package dev.verity.verify;

import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;

import java.util.ArrayList;
import java.util.List;

/**
 * L∞ local robustness as a VNN-LIB-style property: on the box {@code x ± eps} (optionally intersected with the
 * data domain {@code [lo, hi]}), the unsafe outputs are those where some other class j scores at least the label:
 * one disjunct per {@code j != label} with the single row {@code y_label − y_j <= 0}. A row's value is then the
 * margin {@code y_label − y_j}, and a positive certified lower bound excludes class j — the same reading as the
 * VNN-COMP MNIST/CIFAR properties (prop_i_eps.vnnlib are exactly this, clipped to [0, 1]).
 */
public final class RobustnessProperty {
    private RobustnessProperty() {}

    /**
     * @param clip {@code null} for no clipping, else {@code {lo, hi}}: every coordinate's interval is intersected with it
     * @throws IllegalArgumentException for a label out of range, a negative or non-finite eps, or an empty box
     */
    public static VnnlibProperty of(double[] x, double eps, int label, int outputs, double[] clip) {
        if (label < 0 || label >= outputs) throw new IllegalArgumentException("label " + label + " is not a class: the model has " + outputs + " outputs (0.." + (outputs - 1) + ")");
        if (!(eps >= 0) || !Double.isFinite(eps)) throw new IllegalArgumentException("eps must be a finite number >= 0, got " + eps);
        if (clip != null && (clip.length != 2 || !(clip[0] <= clip[1])))
            throw new IllegalArgumentException("clip range must be LO HI with LO <= HI");
        double[] lo = new double[x.length], hi = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) throw new IllegalArgumentException("input value " + i + " is " + x[i]);
            lo[i] = x[i] - eps;
            hi[i] = x[i] + eps;
            if (clip != null) {
                lo[i] = Math.max(lo[i], clip[0]);
                hi[i] = Math.min(hi[i], clip[1]);
                if (lo[i] > hi[i])
                    throw new IllegalArgumentException("input value " + i + " = " + x[i] + " lies more than eps outside the clip range ["
                            + clip[0] + ", " + clip[1] + "]: the box is empty");
            }
        }
        List<Disjunct> unsafe = new ArrayList<>();
        for (int j = 0; j < outputs; j++) {
            if (j == label) continue;
            double[] c = new double[outputs];
            c[label] = 1;
            c[j] = -1;
            unsafe.add(new Disjunct(new LinearConstraint(c, 0)));
        }
        return new VnnlibProperty(x.length, outputs, List.of(new Case(new Box(lo, hi), unsafe)));
    }
}
