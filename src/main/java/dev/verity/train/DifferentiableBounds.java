package dev.verity.train;

import dev.verity.bounds.Method;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;

import java.util.List;

/**
 * The certified-training bounds as a function of the weights, for analyses of a relaxation's continuity and
 * sensitivity (paper 003 Sec. 4): the lower bound of one linear function of the output over a box by a preset, and
 * its gradient with respect to every parameter. Presets: ibp, hbox, deepz, crown, crown-0, crown-ibp; the network
 * must be a chain of dense, convolution, ReLU, flatten and reshape layers.
 */
public final class DifferentiableBounds {
    private DifferentiableBounds() {}

    /**
     * @param value     the lower bound of {@code c·y} over the box
     * @param gradients d value / d parameter, one tensor per parameter in {@link #parameters} order (weight, bias per layer)
     */
    public record Result(double value, List<Tensor> gradients) {}

    /** The presets whose bounds are differentiable here. */
    public static boolean supports(Method m) {
        return switch (m) {
            case IBP, HBOX, HBOX_FORWARD, DEEPZ, CROWN, CROWN_0, CROWN_IBP -> true;
            case ALPHA_CROWN, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN, LAGRANGIAN, SDP -> false;
        };
    }

    /** The parameter tensors of {@code net} (the layers' own tensors) in the order of {@link Result#gradients}. */
    public static List<Tensor> parameters(Network net) {
        return new Model(net).parameters();
    }

    public static Result lowerBound(Network net, Method method, Interval box, double[] c) {
        if (!supports(method)) throw new IllegalArgumentException(method + " is not differentiable here");
        Model model = new Model(net);
        Tape tape = new Tape();
        Model.Weights w = model.bind(tape, true);
        BatchBounds bb = new BatchBounds(model, tape, w);
        int[] shape = net.inputShape().withBatch(1);
        BatchBounds.Box b = new BatchBounds.Box(tape.constant(new Tensor(box.lower().clone(), shape)), tape.constant(new Tensor(box.upper().clone(), shape)));
        Var lower = bb.objective(method, b, new Tensor(c.clone(), 1, c.length), true, false)[0];
        tape.backward(tape.sum(lower));
        return new Result(lower.item(), w.vars().stream().map(v -> v.requiresGrad() ? v.grad().copy() : Tensor.zeros(v.shape())).toList());
    }
}
