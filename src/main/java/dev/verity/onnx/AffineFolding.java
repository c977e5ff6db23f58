package dev.verity.onnx;

import dev.verity.model.Layer;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;

/**
 * Folds an element-wise map {@code y = x * scale + shift} into the layer that produced x, where that is
 * exact in real arithmetic: per output feature for Dense (scale and shift vary only along the last
 * axis), per output channel for Conv2d (batch normalisation, a bias Add), and always for another Affine.
 * Each method returns null when the map does not have that structure.
 */
final class AffineFolding {
    private AffineFolding() {}

    /** Dense {@code x W^T + b} then the map: row o of W and b_o scaled by s_o, then t_o added. */
    static Layer.Dense intoDense(Layer.Dense d, Tensor scale, Tensor shift) {
        int out = d.out();
        double[] s = perPosition(scale.data(), out);
        double[] t = perPosition(shift.data(), out);
        if (s == null || t == null) return null;
        double[] w = d.weight().data().clone();
        double[] b = d.bias().data().clone();
        int in = d.in();
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) w[o * in + k] *= s[o];
            b[o] = b[o] * s[o] + t[o];
        }
        return new Layer.Dense(new Tensor(w, out, in), new Tensor(b, out));
    }

    /** Conv2d with output {@code [O, H, W]} then a per-channel map: filter o and b_o scaled by s_o, then t_o added. */
    static Layer.Conv2d intoConv(Layer.Conv2d c, Shape outShape, Tensor scale, Tensor shift) {
        int channels = outShape.dim(0);
        int plane = outShape.dim(1) * outShape.dim(2);
        double[] s = perChannel(scale.data(), channels, plane);
        double[] t = perChannel(shift.data(), channels, plane);
        if (s == null || t == null) return null;
        double[] w = c.weight().data().clone();
        double[] b = c.bias().data().clone();
        int filter = w.length / channels;
        for (int o = 0; o < channels; o++) {
            for (int k = 0; k < filter; k++) w[o * filter + k] *= s[o];
            b[o] = b[o] * s[o] + t[o];
        }
        return new Layer.Conv2d(new Tensor(w, c.weight().shape()), new Tensor(b, channels), c.geometry());
    }

    /** Two element-wise maps in a row: {@code (x s1 + t1) s2 + t2 = x (s1 s2) + (t1 s2 + t2)}. */
    static Layer.Affine compose(Layer.Affine a, Tensor scale, Tensor shift) {
        double[] s1 = a.scale().data(), t1 = a.shift().data(), s2 = scale.data(), t2 = shift.data();
        double[] s = new double[s1.length], t = new double[s1.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = s1[i] * s2[i];
            t[i] = t1[i] * s2[i] + t2[i];
        }
        return new Layer.Affine(new Tensor(s, a.scale().shape()), new Tensor(t, a.scale().shape()));
    }

    /** The {@code period} values if {@code v} repeats them along the last axis (v[i] == v[i % period]), else null. */
    private static double[] perPosition(double[] v, int period) {
        for (int i = period; i < v.length; i++) if (Double.compare(v[i], v[i % period]) != 0) return null;
        double[] out = new double[period];
        System.arraycopy(v, 0, out, 0, period);
        return out;
    }

    /** One value per channel if {@code v} ({@code [C, plane]}) is constant within every channel, else null. */
    private static double[] perChannel(double[] v, int channels, int plane) {
        double[] out = new double[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = v[c * plane];
            for (int k = 1; k < plane; k++) if (Double.compare(v[c * plane + k], out[c]) != 0) return null;
        }
        return out;
    }
}
