package dev.verity.attack;

import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Ops;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tape;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.Var;

/**
 * The {@link Tape} with one change to the backward pass only: a ReLU passes {@code leak} times the
 * gradient where its input is negative (1 where positive, as usual). The value stays the exact ReLU:
 * it is recorded as {@code relu(x) + leak * (x - x)}, where the second {@code x} is a constant copy, so the
 * added term is exactly 0 for finite x while its gradient is {@code leak}. Used by {@link Pgd} to walk off
 * dead plateaus (see {@link PgdOptions#reluLeak()}); nothing else about the forward pass changes.
 */
final class LeakyGradientOps implements Ops<Var> {
    private final Tape tape;
    private final double leak;

    LeakyGradientOps(Tape tape, double leak) {
        this.tape = tape;
        this.leak = leak;
    }

    @Override public Var relu(Var x) {
        Var r = tape.relu(x);
        if (leak == 0 || !x.requiresGrad()) return r;
        return tape.add(r, tape.scale(tape.sub(x, tape.constant(x.value())), leak));
    }

    @Override public Var constant(Tensor value) { return tape.constant(value); }
    @Override public Tensor value(Var x) { return tape.value(x); }
    @Override public Var linear(Var x, Tensor weight, Tensor bias) { return tape.linear(x, weight, bias); }
    @Override public Var conv2d(Var x, Tensor weight, Tensor bias, ConvGeometry geometry) { return tape.conv2d(x, weight, bias, geometry); }
    @Override public Var maxPool2d(Var x, PoolGeometry geometry) { return tape.maxPool2d(x, geometry); }
    @Override public Var avgPool2d(Var x, PoolGeometry geometry) { return tape.avgPool2d(x, geometry); }
    @Override public Var pad(Var x, int[] pads, double value) { return tape.pad(x, pads, value); }
    @Override public Var add(Var a, Var b) { return tape.add(a, b); }
    @Override public Var sub(Var a, Var b) { return tape.sub(a, b); }
    @Override public Var mul(Var a, Var b) { return tape.mul(a, b); }
    @Override public Var div(Var a, Var b) { return tape.div(a, b); }
    @Override public Var leakyRelu(Var x, double alpha) { return tape.leakyRelu(x, alpha); }
    @Override public Var sigmoid(Var x) { return tape.sigmoid(x); }
    @Override public Var tanh(Var x) { return tape.tanh(x); }
    @Override public Var reshape(Var x, int... shape) { return tape.reshape(x, shape); }
    @Override public Var transpose(Var x, int... perm) { return tape.transpose(x, perm); }
}
