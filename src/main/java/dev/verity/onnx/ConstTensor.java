package dev.verity.onnx;

import dev.verity.tensor.Tensor;

import java.util.Arrays;

/**
 * A constant ONNX tensor known at import time: an initializer, the value of a {@code Constant} node, or
 * the result of folding a node whose inputs are all constants. Floating-point types hold doubles that
 * are already rounded to their ONNX type (a FLOAT constant holds float32 values); integer and boolean
 * types hold longs, because int64 shape arithmetic (e.g. {@code Slice} ends of INT64_MAX) does not fit
 * a double exactly.
 *
 * @param shape    the ONNX dimensions (rank 0: a scalar)
 * @param dataType the ONNX {@code TensorProto.DataType} code
 * @param reals    the values for floating-point types, else null
 * @param ints     the values for integer and boolean types, else null
 */
record ConstTensor(int[] shape, int dataType, double[] reals, long[] ints) {

    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7,
            STRING = 8, BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, BFLOAT16 = 16;

    ConstTensor {
        if ((reals == null) == (ints == null)) throw new IllegalArgumentException("exactly one of reals/ints");
        long n = Shapes.numel(shape);
        int len = reals != null ? reals.length : ints.length;
        if (n != len) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + len);
        if (isFloating(dataType) != (reals != null)) throw new IllegalArgumentException("data type " + dataType + " with the wrong storage");
    }

    /** A floating-point tensor; values are rounded to {@code dataType}'s precision. */
    static ConstTensor ofReals(int[] shape, int dataType, double[] values) {
        double[] v = values.clone();
        for (int i = 0; i < v.length; i++) v[i] = roundTo(dataType, v[i]);
        return new ConstTensor(shape.clone(), dataType, v, null);
    }

    /** An integer or boolean tensor; values wrap to {@code dataType}'s width as a cast would. */
    static ConstTensor ofInts(int[] shape, int dataType, long[] values) {
        long[] v = values.clone();
        for (int i = 0; i < v.length; i++) v[i] = wrapTo(dataType, v[i]);
        return new ConstTensor(shape.clone(), dataType, null, v);
    }

    static ConstTensor int64Vector(long... values) { return ofInts(new int[] {values.length}, INT64, values); }

    static ConstTensor int64Scalar(long value) { return ofInts(new int[0], INT64, new long[] {value}); }

    /** Values of the given type, converted from doubles (truncating toward zero for integers, as ONNX Cast does). */
    static ConstTensor of(int[] shape, int dataType, double[] values) {
        if (isFloating(dataType)) return ofReals(shape, dataType, values);
        long[] l = new long[values.length];
        for (int i = 0; i < l.length; i++) l[i] = dataType == BOOL ? (values[i] != 0 ? 1 : 0) : (long) values[i];
        return ofInts(shape, dataType, l);
    }

    static boolean isFloating(int dataType) {
        return dataType == FLOAT || dataType == DOUBLE || dataType == FLOAT16 || dataType == BFLOAT16;
    }

    static boolean isKnownType(int dataType) {
        return dataType >= FLOAT && dataType <= UINT64 && dataType != STRING || dataType == BFLOAT16;
    }

    boolean floating() { return reals != null; }

    int rank() { return shape.length; }

    int numel() { return reals != null ? reals.length : ints.length; }

    @Override public int[] shape() { return shape.clone(); }

    /** All values as doubles (integers converted). */
    double[] doubles() {
        if (reals != null) return reals.clone();
        double[] d = new double[ints.length];
        for (int i = 0; i < d.length; i++) d[i] = ints[i];
        return d;
    }

    /** All values as longs (floating values truncated toward zero). */
    long[] longs() {
        if (ints != null) return ints.clone();
        long[] l = new long[reals.length];
        for (int i = 0; i < l.length; i++) l[i] = (long) reals[i];
        return l;
    }

    double doubleAt(int i) { return reals != null ? reals[i] : ints[i]; }

    long longAt(int i) { return ints != null ? ints[i] : (long) reals[i]; }

    /** The same values with another shape of equal size. */
    ConstTensor reshape(int[] newShape) {
        return new ConstTensor(newShape.clone(), dataType, reals, ints);
    }

    /** The values gathered at the given flat indices (broadcasts and permutations), same type. */
    ConstTensor gather(int[] newShape, int[] sourceIndex) {
        if (reals != null) {
            double[] v = new double[sourceIndex.length];
            for (int i = 0; i < v.length; i++) v[i] = reals[sourceIndex[i]];
            return new ConstTensor(newShape.clone(), dataType, v, null);
        }
        long[] v = new long[sourceIndex.length];
        for (int i = 0; i < v.length; i++) v[i] = ints[sourceIndex[i]];
        return new ConstTensor(newShape.clone(), dataType, null, v);
    }

    /** Broadcast (ONNX/NumPy rules) to {@code target}, which must be the broadcast shape. */
    ConstTensor broadcastTo(int[] target) {
        return gather(target, Shapes.broadcastIndex(shape, target));
    }

    /** A double tensor of this value with the given shape (same number of elements). */
    Tensor toTensor(int... dims) {
        return new Tensor(doubles(), dims);
    }

    static double roundTo(int dataType, double v) {
        return switch (dataType) {
            case FLOAT -> (float) v;
            case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case BFLOAT16 -> bfloat16((float) v);
            default -> v;
        };
    }

    private static double bfloat16(float f) {
        // Round to nearest even on the upper 16 bits, as ONNX Cast to BFLOAT16 does.
        if (Float.isNaN(f)) return f;
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    static long wrapTo(int dataType, long v) {
        return switch (dataType) {
            case BOOL -> v != 0 ? 1 : 0;
            case INT8 -> (byte) v;
            case UINT8 -> v & 0xFF;
            case INT16 -> (short) v;
            case UINT16 -> v & 0xFFFF;
            case INT32 -> (int) v;
            case UINT32 -> v & 0xFFFFFFFFL;
            default -> v;
        };
    }

    @Override public String toString() {
        return "ConstTensor" + Arrays.toString(shape) + " type " + dataType;
    }
}
