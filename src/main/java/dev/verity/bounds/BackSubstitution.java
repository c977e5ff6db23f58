package dev.verity.bounds;

import dev.verity.model.BatchAxis;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.tensor.AdjointOps;
import dev.verity.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Back-substitution: a lower bound of {@code A·z_target + bias} over the input box, found by
 * pushing the coefficient rows A backwards through the network to the input — through every linear
 * layer exactly (as its transpose; a convolution as a transposed convolution, never as a dense
 * matrix), through every nonlinearity by one of its relaxation lines (the lower line where a
 * coefficient is positive, the upper line where it is negative), and finally minimising the linear
 * function of the input over the box. This is the greedy primal solver of paper 000 (Fast-Lin,
 * CROWN, DeepPoly) and the back-substitution of paper 003 App. A. An upper bound is minus the lower
 * bound of {@code −A}.
 *
 * <p>Written once over {@link AdjointOps}: with plain tensors it computes CROWN-style bounds, with the
 * autodiff tape it also gives their gradients with respect to the relaxation slopes (alpha-CROWN).
 * Nodes are visited in reverse topological order, so a node's coefficients are complete (summed over
 * all its consumers, e.g. both branches of a residual block) when it is reached.
 */
final class BackSubstitution<T> {
    private final Network net;
    private final AdjointOps<T> ops;
    private final LayerConstants constants;
    private final Tensor inputLower, inputUpper;
    private final IntFunction<LinearRelaxation<T>> activations;
    private final IntFunction<MaxPoolRelaxation> maxPools;
    /** Told each activation node's coefficients {@code [m, ...shape]} as they reach it; null for none. */
    private final ActivationObserver<T> observer;
    /** Sound mode: charges every step's rounding to a per-row error (subtracted from the bound); null in round-to-nearest. */
    private final RoundingErrors rounding;
    private final int inputId;

    /** Sees the coefficients of an activation's output, e.g. for a branching score (β-CROWN's BaBSR score). */
    @FunctionalInterface
    interface ActivationObserver<T> {
        void coefficients(int nodeId, T coeff);
    }

    BackSubstitution(Network net, AdjointOps<T> ops, LayerConstants constants, Interval inputBox,
                     IntFunction<LinearRelaxation<T>> activations, IntFunction<MaxPoolRelaxation> maxPools, RoundingErrors rounding) {
        this(net, ops, constants, inputBox, activations, maxPools, null, rounding);
    }

    /**
     * @param activations the relaxation of each element-wise nonlinear node (by node id)
     * @param maxPools    the relaxation of each max-pool node (by node id)
     * @param rounding    sound mode's error charges over this box; null: round-to-nearest (every bound may be off by rounding)
     */
    BackSubstitution(Network net, AdjointOps<T> ops, LayerConstants constants, Interval inputBox,
                     IntFunction<LinearRelaxation<T>> activations, IntFunction<MaxPoolRelaxation> maxPools,
                     ActivationObserver<T> observer, RoundingErrors rounding) {
        this.net = net;
        this.observer = observer;
        this.rounding = rounding;
        this.inputId = net.nodes().stream().filter(nd -> nd.layer() instanceof Layer.Input).findFirst().orElseThrow().id();
        this.ops = ops;
        this.constants = constants;
        int n = inputBox.size();
        this.inputLower = new Tensor(inputBox.lower(), 1, n);
        this.inputUpper = new Tensor(inputBox.upper(), 1, n);
        this.activations = activations;
        this.maxPools = maxPools;
    }

    /**
     * Lower bounds {@code [m, 1]} of {@code a·z_target + bias} with {@code a [m, ...shape(target)]} and
     * {@code bias [m, 1]}.
     */
    T lower(int target, T a, T bias) {
        return minimum(linear(target, a, bias));
    }

    /**
     * The minimum of {@code l} over the box: {@code bias + Σ_j coeff⁺_j·lo_j + coeff⁻_j·hi_j}, less the rounding error in
     * sound mode (then a lower bound of the target in exact arithmetic).
     */
    T minimum(InputLinear<T> l) {
        T r = l.coeff() == null ? l.bias() : ops.add(l.bias(), ops.boxMin(l.coeff(), inputLower, inputUpper));
        if (l.error() == null) return r;
        double[] err = l.error().clone();
        if (l.coeff() != null) {
            Tensor c = ops.value(l.coeff());
            rounding.chargeMagnitude(err, c, inputId, RoundingErrors.gamma(Math.max(2, c.size() / err.length)));
        }
        return ops.sub(r, ops.constant(new Tensor(rounding.total(err, ops.value(r)), err.length, 1)));
    }

    /**
     * The back-substituted bound before its minimisation over the box: {@code a·z_target + bias >= coeff·x + bias' − error}
     * for every input x in the box (the relaxation lines hold there). {@code coeff} has the shape
     * {@code [m, ...input shape]}, null when the target does not depend on the input. {@code error}: in sound mode the
     * rounding error charged so far per row (without the minimisation's, which {@link #minimum} adds); null otherwise.
     */
    record InputLinear<T>(T coeff, T bias, double[] error) {}

    InputLinear<T> linear(int target, T a, T bias) {
        int m = ops.value(a).dim(0);
        double[] err = rounding == null ? null : new double[m];
        Map<Integer, T> pending = new HashMap<>();
        pending.put(target, a);
        for (int id = target; id >= 0; id--) {
            T coeff = pending.remove(id);
            if (coeff == null) continue;
            Node node = net.node(id);
            // Coefficients arriving from several consumers were summed (one rounding each).
            if (err != null && net.consumers(id).size() > 1) rounding.chargeRounded(err, ops.value(coeff), id);
            switch (node.layer()) {
                case Layer.Input in -> {
                    return new InputLinear<>(coeff, bias, err);
                }
                case Layer.Dense d -> {
                    charge(err, id, coeff);
                    pass(pending, node, 0, ops.linear(coeff, constants.transposedWeight(id, d), null));
                    bias = addBias(bias, coeff, constants.expandedBias(id, node, net), m, err);
                }
                case Layer.Conv2d c -> {
                    charge(err, id, coeff);
                    Shape in = net.node(node.inputs().getFirst()).shape();
                    pass(pending, node, 0, ops.conv2dAdjoint(coeff, c.weight(), c.geometry(), in.dim(1), in.dim(2)));
                    bias = addBias(bias, coeff, constants.expandedBias(id, node, net), m, err);
                }
                case Layer.Affine af -> {
                    charge(err, id, coeff);
                    pass(pending, node, 0, ops.mul(coeff, ops.constant(af.scale())));
                    bias = addBias(bias, coeff, constants.flatShift(id, af), m, err);
                }
                case Layer.Relu r -> bias = throughActivation(pending, node, coeff, m, bias, err);
                case Layer.LeakyRelu r -> bias = throughActivation(pending, node, coeff, m, bias, err);
                case Layer.Sigmoid s -> bias = throughActivation(pending, node, coeff, m, bias, err);
                case Layer.Tanh t -> bias = throughActivation(pending, node, coeff, m, bias, err);
                case Layer.MaxPool2d mp -> {
                    MaxPoolRelaxation rel = maxPools.apply(id);
                    T flat = ops.reshape(coeff, m, rel.outputSize());
                    T pos = ops.relu(flat), neg = ops.sub(flat, pos);
                    T back = ops.add(ops.scatterColumns(pos, rel.lowerIndex(), rel.inputSize()),
                            ops.scatterColumns(ops.mul(neg, ops.constant(rel.upperIsInput())), rel.lowerIndex(), rel.inputSize()));
                    bias = ops.add(bias, ops.linear(neg, rel.upperConstant(), null));
                    if (err != null) {
                        rounding.chargeMagnitude(err, ops.value(back), node.inputs().getFirst(), RoundingErrors.scatterFactor(mp));
                        rounding.chargeDot(err, ops.value(neg), rel.upperConstant());
                        rounding.chargeSum(err, ops.value(bias));
                    }
                    pass(pending, node, 0, ops.reshape(back, inputShape(node).withBatch(m)));
                }
                case Layer.AvgPool2d ap -> {
                    charge(err, id, coeff);
                    Shape in = inputShape(node);
                    pass(pending, node, 0, ops.avgPool2dAdjoint(coeff, ap.geometry(), in.dim(1), in.dim(2)));
                }
                case Layer.Flatten f -> pass(pending, node, 0, ops.reshape(coeff, inputShape(node).withBatch(m)));
                case Layer.Reshape r -> pass(pending, node, 0, ops.reshape(coeff, inputShape(node).withBatch(m)));
                case Layer.Transpose t -> pass(pending, node, 0, ops.transpose(coeff, BatchAxis.inversePerm(t.perm())));
                case Layer.Pad p -> {
                    T cropped = ops.padAdjoint(coeff, BatchAxis.pads(p.pads()));
                    pass(pending, node, 0, cropped);
                    if (p.value() != 0) {
                        // The padded cells hold the constant value: their coefficients move into the bias.
                        T padded = ops.sub(ops.sumRows(coeff), ops.sumRows(cropped));
                        bias = ops.add(bias, ops.reshape(ops.mul(padded, ops.constant(Tensor.scalar(p.value()))), m, 1));
                        if (err != null) {
                            Tensor c = ops.value(coeff);
                            rounding.chargeDot(err, c, Tensor.full(p.value(), c.size() / m, 1));
                            rounding.chargeSum(err, ops.value(bias));
                        }
                    }
                }
                case Layer.Add add -> {
                    pass(pending, node, 0, coeff);
                    pass(pending, node, 1, coeff);
                }
            }
        }
        return new InputLinear<>(null, bias, err); // the target does not depend on the input
    }

    private void charge(double[] err, int id, T coeff) {
        if (err != null) rounding.chargeLinear(err, id, ops.value(coeff));
    }

    /**
     * Replaces y = f(z) by its lines: the coefficients become A⁺·lowerSlope + A⁻·upperSlope (passed on
     * to z), and the intercepts add A⁺·lowerIntercept + A⁻·upperIntercept to the bias, which is returned.
     */
    private T throughActivation(Map<Integer, T> pending, Node node, T coeff, int m, T bias, double[] err) {
        LinearRelaxation<T> rel = activations.apply(node.id());
        if (observer != null) observer.coefficients(node.id(), coeff);
        int src = node.inputs().getFirst();
        T passed = ops.mulBySign(coeff, rel.lowerSlope(), rel.upperSlope());
        if (err != null) rounding.chargeRounded(err, ops.value(passed), src);
        if (rel.inputShift() != null) {
            passed = ops.add(passed, rel.inputShift());
            if (err != null) rounding.chargeRounded(err, ops.value(passed), src);
        }
        pass(pending, node, 0, passed);
        if (rel.lowerIntercept() != null || rel.upperIntercept() != null) {
            int n = node.shape().numel();
            T zero = ops.constant(Tensor.zeros(1, n));
            bias = ops.add(bias, ops.interceptSum(coeff, rel.lowerIntercept() != null ? rel.lowerIntercept() : zero,
                    rel.upperIntercept() != null ? rel.upperIntercept() : zero));
            if (err != null) {
                rounding.chargeIntercepts(err, ops.value(coeff), rel.lowerIntercept() == null ? null : ops.value(rel.lowerIntercept()),
                        rel.upperIntercept() == null ? null : ops.value(rel.upperIntercept()));
                rounding.chargeSum(err, ops.value(bias));
            }
        }
        return bias;
    }

    private T addBias(T bias, T coeff, Tensor flatBias, int m, double[] err) {
        if (flatBias == null) return bias;
        T sum = ops.add(bias, ops.linear(ops.reshape(coeff, m, flatBias.dim(1)), flatBias, null));
        if (err != null) rounding.chargeSum(err, ops.value(sum)); // the dot product's own error is in the layer's charge
        return sum;
    }

    private void pass(Map<Integer, T> pending, Node node, int input, T coeff) {
        pending.merge(node.inputs().get(input), coeff, ops::add);
    }

    private Shape inputShape(Node node) {
        return net.node(node.inputs().getFirst()).shape();
    }
}
