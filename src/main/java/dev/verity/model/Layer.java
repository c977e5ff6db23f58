package dev.verity.model;

import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.PoolGeometry;
import dev.verity.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * One layer of a network: a pure function of its input values. Sealed, so every solver's exhaustive
 * {@code switch} is checked by the compiler when a layer type is added. Shapes are sample shapes (no
 * batch axis); {@link #outputShape} infers the output shape and rejects inputs it cannot take.
 */
public sealed interface Layer {

    /** Number of inputs the layer takes. */
    default int arity() { return 1; }

    /** Output shape for the given input shapes; throws {@link IllegalArgumentException} when they do not fit. */
    Shape outputShape(List<Shape> inputs);

    /** Number of trainable parameters (weights and biases). */
    default long parameterCount() { return 0; }

    /** A short human-readable description of the layer's configuration. */
    default String describe() { return getClass().getSimpleName(); }

    /**
     * Whether the layer is not affine (an activation or max-pool): where relaxations lose precision, intermediate
     * bounds are needed, and a MILP needs binaries. Every other layer maps its input exactly linearly.
     */
    default boolean isNonlinear() {
        return switch (this) {
            case Relu r -> true;
            case LeakyRelu l -> true;
            case Sigmoid s -> true;
            case Tanh t -> true;
            case MaxPool2d m -> true;
            case Input i -> false;
            case Dense d -> false;
            case Conv2d c -> false;
            case AvgPool2d a -> false;
            case Flatten f -> false;
            case Reshape r -> false;
            case Transpose t -> false;
            case Pad p -> false;
            case Add a -> false;
            case Affine a -> false;
        };
    }

    /** The network input: its shape is the sample shape. */
    record Input(Shape shape) implements Layer {
        @Override public int arity() { return 0; }
        @Override public Shape outputShape(List<Shape> inputs) { return shape; }
    }

    /** Fully connected layer on the last axis: {@code y = x W^T + b}, weight {@code [out, in]}, bias {@code [out]}. */
    record Dense(Tensor weight, Tensor bias) implements Layer {
        public Dense {
            if (weight.rank() != 2) throw new IllegalArgumentException("Dense weight must be [out, in], got " + Arrays.toString(weight.shape()));
            if (bias.rank() != 1 || bias.dim(0) != weight.dim(0))
                throw new IllegalArgumentException("Dense bias must be [" + weight.dim(0) + "], got " + Arrays.toString(bias.shape()));
        }
        public int in() { return weight.dim(1); }
        public int out() { return weight.dim(0); }
        @Override public Shape outputShape(List<Shape> inputs) {
            Shape s = inputs.getFirst();
            if (s.rank() == 0 || s.dim(-1) != in())
                throw new IllegalArgumentException("Dense expects last axis " + in() + ", got input " + s);
            int[] d = s.dims();
            d[d.length - 1] = out();
            return new Shape(d);
        }
        @Override public long parameterCount() { return (long) weight.size() + bias.size(); }
        @Override public String describe() { return "Dense " + in() + " -> " + out(); }
    }

    /** 2-D convolution over a {@code [C, H, W]} sample; weight {@code [O, C/groups, kH, kW]}, bias {@code [O]}. */
    record Conv2d(Tensor weight, Tensor bias, ConvGeometry geometry) implements Layer {
        public Conv2d {
            if (weight.rank() != 4) throw new IllegalArgumentException("Conv2d weight must be [O, C/g, kH, kW], got " + Arrays.toString(weight.shape()));
            if (bias.rank() != 1 || bias.dim(0) != weight.dim(0))
                throw new IllegalArgumentException("Conv2d bias must be [" + weight.dim(0) + "], got " + Arrays.toString(bias.shape()));
            if (weight.dim(0) % geometry.groups() != 0)
                throw new IllegalArgumentException("Conv2d output channels " + weight.dim(0) + " not divisible by groups " + geometry.groups());
        }
        @Override public Shape outputShape(List<Shape> inputs) {
            Shape s = inputs.getFirst();
            if (s.rank() != 3) throw new IllegalArgumentException("Conv2d expects a [C, H, W] input, got " + s);
            if (s.dim(0) != weight.dim(1) * geometry.groups())
                throw new IllegalArgumentException("Conv2d expects " + weight.dim(1) * geometry.groups() + " input channels, got " + s);
            int oh = geometry.outH(s.dim(1), weight.dim(2)), ow = geometry.outW(s.dim(2), weight.dim(3));
            if (oh < 1 || ow < 1) throw new IllegalArgumentException("Conv2d output would be empty for input " + s);
            return new Shape(weight.dim(0), oh, ow);
        }
        @Override public long parameterCount() { return (long) weight.size() + bias.size(); }
        @Override public String describe() {
            return "Conv2d " + weight.dim(1) * geometry.groups() + " -> " + weight.dim(0) + " k" + weight.dim(2) + "x" + weight.dim(3)
                    + " s" + geometry.strideH() + (geometry.groups() > 1 ? " g" + geometry.groups() : "");
        }
    }

    record Relu() implements Layer {
        @Override public Shape outputShape(List<Shape> inputs) { return inputs.getFirst(); }
    }

    record LeakyRelu(double alpha) implements Layer {
        @Override public Shape outputShape(List<Shape> inputs) { return inputs.getFirst(); }
        @Override public String describe() { return "LeakyRelu alpha=" + alpha; }
    }

    record Sigmoid() implements Layer {
        @Override public Shape outputShape(List<Shape> inputs) { return inputs.getFirst(); }
    }

    record Tanh() implements Layer {
        @Override public Shape outputShape(List<Shape> inputs) { return inputs.getFirst(); }
    }

    record MaxPool2d(PoolGeometry geometry) implements Layer {
        @Override public Shape outputShape(List<Shape> inputs) { return poolShape("MaxPool2d", geometry, inputs.getFirst()); }
        @Override public String describe() { return "MaxPool2d k" + geometry.kernelH() + "x" + geometry.kernelW() + " s" + geometry.strideH(); }
    }

    record AvgPool2d(PoolGeometry geometry) implements Layer {
        @Override public Shape outputShape(List<Shape> inputs) { return poolShape("AvgPool2d", geometry, inputs.getFirst()); }
        @Override public String describe() { return "AvgPool2d k" + geometry.kernelH() + "x" + geometry.kernelW() + " s" + geometry.strideH(); }
    }

    /** All sample axes into one: {@code [C, H, W] -> [C*H*W]} (row-major order is kept). */
    record Flatten() implements Layer {
        @Override public Shape outputShape(List<Shape> inputs) { return new Shape(inputs.getFirst().numel()); }
    }

    /** Row-major reshape of the sample to {@code target}. */
    record Reshape(Shape target) implements Layer {
        @Override public Shape outputShape(List<Shape> inputs) {
            if (inputs.getFirst().numel() != target.numel())
                throw new IllegalArgumentException("Reshape of " + inputs.getFirst() + " to " + target + " changes the element count");
            return target;
        }
        @Override public String describe() { return "Reshape " + target; }
    }

    /** Permutes sample axes: output axis i is input axis {@code perm[i]}. */
    record Transpose(int[] perm) implements Layer {
        public Transpose { perm = perm.clone(); }
        @Override public int[] perm() { return perm.clone(); }
        @Override public Shape outputShape(List<Shape> inputs) {
            Shape s = inputs.getFirst();
            if (perm.length != s.rank()) throw new IllegalArgumentException("Transpose perm " + Arrays.toString(perm) + " for input " + s);
            boolean[] seen = new boolean[perm.length];
            int[] d = new int[perm.length];
            for (int i = 0; i < perm.length; i++) {
                if (perm[i] < 0 || perm[i] >= perm.length || seen[perm[i]]) throw new IllegalArgumentException("Transpose perm " + Arrays.toString(perm) + " is not a permutation");
                seen[perm[i]] = true;
                d[i] = s.dim(perm[i]);
            }
            return new Shape(d);
        }
        @Override public boolean equals(Object o) { return o instanceof Transpose t && Arrays.equals(perm, t.perm); }
        @Override public int hashCode() { return Arrays.hashCode(perm); }
        @Override public String describe() { return "Transpose " + Arrays.toString(perm); }
    }

    /** Constant padding of sample axes; {@code pads} = begin values for every axis, then end values. */
    record Pad(int[] pads, double value) implements Layer {
        public Pad { pads = pads.clone(); for (int p : pads) if (p < 0) throw new IllegalArgumentException("negative Pad (cropping) is not supported: " + Arrays.toString(pads)); }
        @Override public int[] pads() { return pads.clone(); }
        @Override public Shape outputShape(List<Shape> inputs) {
            Shape s = inputs.getFirst();
            if (pads.length != 2 * s.rank()) throw new IllegalArgumentException("Pad needs " + 2 * s.rank() + " values for input " + s + ", got " + Arrays.toString(pads));
            int[] d = s.dims();
            for (int i = 0; i < d.length; i++) d[i] += pads[i] + pads[i + d.length];
            return new Shape(d);
        }
        @Override public boolean equals(Object o) { return o instanceof Pad p && Arrays.equals(pads, p.pads) && Double.compare(value, p.value) == 0; }
        @Override public int hashCode() { return Arrays.hashCode(pads) * 31 + Double.hashCode(value); }
        @Override public String describe() { return "Pad " + Arrays.toString(pads) + " value=" + value; }
    }

    /** Element-wise sum of two values of the same shape (residual connections). */
    record Add() implements Layer {
        @Override public int arity() { return 2; }
        @Override public Shape outputShape(List<Shape> inputs) {
            if (!inputs.get(0).equals(inputs.get(1))) throw new IllegalArgumentException("Add of shapes " + inputs.get(0) + " and " + inputs.get(1));
            return inputs.getFirst();
        }
    }

    /**
     * Element-wise affine map {@code y = x * scale + shift}, with {@code scale} and {@code shift} of the
     * full sample shape: input normalisation, constant Add/Sub/Mul/Div and folded batch normalisation.
     */
    record Affine(Tensor scale, Tensor shift) implements Layer {
        public Affine {
            if (!scale.sameShape(shift)) throw new IllegalArgumentException("Affine scale " + Arrays.toString(scale.shape()) + " and shift " + Arrays.toString(shift.shape()) + " differ");
        }
        @Override public Shape outputShape(List<Shape> inputs) {
            Shape s = inputs.getFirst();
            if (!Arrays.equals(s.dims(), scale.shape())) throw new IllegalArgumentException("Affine of shape " + Arrays.toString(scale.shape()) + " applied to " + s);
            return s;
        }
        @Override public long parameterCount() { return (long) scale.size() + shift.size(); }
    }

    private static Shape poolShape(String name, PoolGeometry g, Shape s) {
        if (s.rank() != 3) throw new IllegalArgumentException(name + " expects a [C, H, W] input, got " + s);
        int oh = g.outH(s.dim(1)), ow = g.outW(s.dim(2));
        if (oh < 1 || ow < 1) throw new IllegalArgumentException(name + " output would be empty for input " + s);
        return new Shape(s.dim(0), oh, ow);
    }
}
