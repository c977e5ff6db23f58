package dev.verity.onnx;

import dev.verity.onnx.proto.Onnx.TensorProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;

import static dev.verity.onnx.ConstTensor.*;

/**
 * Evaluates, at import time, a node whose inputs are all constants: the shape arithmetic exporters emit
 * (Shape → Gather → Unsqueeze → Concat → Reshape), weight preprocessing (Transpose, Cast, arithmetic)
 * and {@code Constant} nodes. Semantics follow the ONNX operator specification (Operators.md); results
 * of floating-point type are rounded to that type, as an ONNX runtime computing them would store them.
 */
final class ConstantFolder {
    private ConstantFolder() {}

    /** The outputs of {@code node} for constant inputs (null entries: omitted optional inputs). */
    static List<ConstTensor> fold(OnnxNode node, List<ConstTensor> in) {
        try {
            return switch (node.opType()) {
                case "Constant" -> List.of(constant(node));
                case "Identity" -> List.of(in.get(0));
                case "Dropout" -> List.of(in.get(0), ofInts(in.get(0).shape(), BOOL, filled(in.get(0).numel(), 1)));
                case "Cast" -> List.of(cast(in.get(0), (int) node.getInt("to", FLOAT)));
                case "CastLike" -> List.of(cast(in.get(0), in.get(1).dataType()));
                case "Shape" -> List.of(shapeOf(node, in.get(0).shape()));
                case "Size" -> List.of(int64Scalar(in.get(0).numel()));
                case "Gather" -> List.of(gather(in.get(0), in.get(1), node.getInt("axis", 0)));
                case "Unsqueeze" -> List.of(in.get(0).reshape(unsqueezeDims(node, in.get(0).shape(), axesOf(node, in, 1))));
                case "Squeeze" -> List.of(in.get(0).reshape(squeezeDims(node, in.get(0).shape(), axesOf(node, in, 1))));
                case "Flatten" -> List.of(in.get(0).reshape(flattenDims(in.get(0).shape(), node.getInt("axis", 1))));
                case "Reshape" -> List.of(in.get(0).reshape(reshapeDims(node, in.get(0).shape(), reshapeTarget(node, in))));
                case "Transpose" -> List.of(transpose(in.get(0), permOf(node, in.get(0).rank())));
                case "Concat" -> List.of(concat(node, in, node.getInt("axis", 0)));
                case "Slice" -> List.of(slice(node, in));
                case "Expand" -> List.of(in.get(0).broadcastTo(Shapes.broadcast(in.get(0).shape(), dims(in.get(1)))));
                case "ConstantOfShape" -> List.of(constantOfShape(node, in.get(0)));
                case "Range" -> List.of(range(in.get(0), in.get(1), in.get(2)));
                case "Add" -> List.of(arith(in.get(0), in.get(1), Double::sum, Long::sum));
                case "Sub" -> List.of(arith(in.get(0), in.get(1), (a, b) -> a - b, (a, b) -> a - b));
                case "Mul" -> List.of(arith(in.get(0), in.get(1), (a, b) -> a * b, (a, b) -> a * b));
                case "Div" -> List.of(arith(in.get(0), in.get(1), (a, b) -> a / b, ConstantFolder::intDiv));
                case "Pow" -> List.of(pow(in.get(0), in.get(1)));
                case "Min" -> List.of(variadic(in, Math::min, Math::min));
                case "Max" -> List.of(variadic(in, Math::max, Math::max));
                case "Sum" -> List.of(variadic(in, Double::sum, Long::sum));
                case "Equal" -> List.of(compare(in.get(0), in.get(1), (a, b) -> a == b));
                case "Less" -> List.of(compare(in.get(0), in.get(1), (a, b) -> a < b));
                case "LessOrEqual" -> List.of(compare(in.get(0), in.get(1), (a, b) -> a <= b));
                case "Greater" -> List.of(compare(in.get(0), in.get(1), (a, b) -> a > b));
                case "GreaterOrEqual" -> List.of(compare(in.get(0), in.get(1), (a, b) -> a >= b));
                case "And" -> List.of(logic(in.get(0), in.get(1), (a, b) -> a != 0 && b != 0 ? 1 : 0));
                case "Or" -> List.of(logic(in.get(0), in.get(1), (a, b) -> a != 0 || b != 0 ? 1 : 0));
                case "Xor" -> List.of(logic(in.get(0), in.get(1), (a, b) -> (a != 0) != (b != 0) ? 1 : 0));
                case "Not" -> List.of(logic(in.get(0), in.get(0), (a, b) -> a == 0 ? 1 : 0));
                case "Where" -> List.of(where(in.get(0), in.get(1), in.get(2)));
                case "Neg" -> List.of(unary(in.get(0), v -> -v, true));
                case "Abs" -> List.of(unary(in.get(0), Math::abs, true));
                case "Sign" -> List.of(unary(in.get(0), Math::signum, true));
                case "Floor" -> List.of(unary(in.get(0), Math::floor, false));
                case "Ceil" -> List.of(unary(in.get(0), Math::ceil, false));
                case "Round" -> List.of(unary(in.get(0), Math::rint, false)); // ONNX Round: halves to even
                case "Sqrt" -> List.of(unary(in.get(0), Math::sqrt, false));
                case "Exp" -> List.of(unary(in.get(0), Math::exp, false));
                case "Log" -> List.of(unary(in.get(0), Math::log, false));
                case "Reciprocal" -> List.of(unary(in.get(0), v -> 1 / v, false));
                case "Relu" -> List.of(unary(in.get(0), v -> Math.max(v, 0), true));
                case "Sigmoid" -> List.of(unary(in.get(0), v -> 1 / (1 + Math.exp(-v)), false));
                case "Tanh" -> List.of(unary(in.get(0), Math::tanh, false));
                case "MatMul" -> List.of(matmul(node, in.get(0), in.get(1)));
                case "Gemm" -> List.of(gemm(node, in));
                case "ReduceSum" -> List.of(reduce(node, in, 0, Double::sum));
                case "ReduceProd" -> List.of(reduce(node, in, 1, (a, b) -> a * b));
                case "ReduceMin" -> List.of(reduce(node, in, Double.POSITIVE_INFINITY, Math::min));
                case "ReduceMax" -> List.of(reduce(node, in, Double.NEGATIVE_INFINITY, Math::max));
                default -> throw node.unsupported("cannot evaluate it on constant inputs");
            };
        } catch (IllegalArgumentException | IndexOutOfBoundsException | NullPointerException e) {
            throw node.invalid("cannot evaluate on its constant inputs: " + e.getMessage());
        }
    }

    // ---- shape helpers, shared with the mapping of computed values ----

    /** ONNX Shape (opset 15 start/end clamp to the rank). */
    static ConstTensor shapeOf(OnnxNode node, int[] dims) {
        int r = dims.length;
        long start = node.getInt("start", 0), end = node.getInt("end", r);
        start = Math.clamp(start < 0 ? start + r : start, 0, r);
        end = Math.clamp(end < 0 ? end + r : end, 0, r);
        long[] v = new long[(int) Math.max(0, end - start)];
        for (int i = 0; i < v.length; i++) v[i] = dims[(int) start + i];
        return int64Vector(v);
    }

    /** Axes from the attribute (opset < 13) or from input {@code index} (opset >= 13); null when neither is given. */
    static long[] axesOf(OnnxNode node, List<ConstTensor> in, int index) {
        if (node.has("axes")) return node.getInts("axes");
        return in.size() > index && in.get(index) != null ? in.get(index).longs() : null;
    }

    static int[] unsqueezeDims(OnnxNode node, int[] dims, long[] axes) {
        if (axes == null) throw node.invalid("Unsqueeze needs axes");
        int outRank = dims.length + axes.length;
        boolean[] inserted = new boolean[outRank];
        for (long a : axes) {
            int ax = Shapes.axis(a, outRank);
            if (inserted[ax]) throw node.invalid("repeated axis " + a);
            inserted[ax] = true;
        }
        int[] out = new int[outRank];
        for (int i = 0, k = 0; i < outRank; i++) out[i] = inserted[i] ? 1 : dims[k++];
        return out;
    }

    static int[] squeezeDims(OnnxNode node, int[] dims, long[] axes) {
        boolean[] drop = new boolean[dims.length];
        if (axes == null) {
            for (int i = 0; i < dims.length; i++) drop[i] = dims[i] == 1;
        } else {
            for (long a : axes) {
                int ax = Shapes.axis(a, dims.length);
                if (dims[ax] != 1) throw node.invalid("cannot squeeze axis " + a + " of size " + dims[ax] + " in " + Shapes.str(dims));
                drop[ax] = true;
            }
        }
        int[] out = new int[dims.length];
        int k = 0;
        for (int i = 0; i < dims.length; i++) if (!drop[i]) out[k++] = dims[i];
        return Arrays.copyOf(out, k);
    }

    /** ONNX Flatten: {@code [prod(d[0:axis]), prod(d[axis:])]}, axis in [-r, r]. */
    static int[] flattenDims(int[] dims, long axis) {
        int r = dims.length;
        long a = axis < 0 ? axis + r : axis;
        if (a < 0 || a > r) throw new IllegalArgumentException("Flatten axis " + axis + " out of range for rank " + r);
        long outer = 1, inner = 1;
        for (int i = 0; i < r; i++) {
            if (i < a) outer *= dims[i];
            else inner *= dims[i];
        }
        return new int[] {Math.toIntExact(outer), Math.toIntExact(inner)};
    }

    /** The target of a Reshape: input 1 (opset >= 5) or the {@code shape} attribute (opset 1). */
    static long[] reshapeTarget(OnnxNode node, List<ConstTensor> in) {
        if (in.size() > 1 && in.get(1) != null) return in.get(1).longs();
        long[] attr = node.getInts("shape");
        if (attr == null) throw node.invalid("Reshape needs a shape");
        return attr;
    }

    /** ONNX Reshape target resolution: 0 copies the input dimension at that index (unless allowzero), -1 is inferred. */
    static int[] reshapeDims(OnnxNode node, int[] dims, long[] target) {
        boolean allowZero = node.getInt("allowzero", 0) != 0;
        int[] out = new int[target.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            long t = target[i];
            if (t == 0 && !allowZero) {
                if (i >= dims.length) throw node.invalid("Reshape target " + Arrays.toString(target) + " copies axis " + i + " of " + Shapes.str(dims));
                t = dims[i];
            } else if (t == -1) {
                if (infer >= 0) throw node.invalid("Reshape target " + Arrays.toString(target) + " has two -1");
                infer = i;
                continue;
            } else if (t < 0) {
                throw node.invalid("Reshape target " + Arrays.toString(target) + " has a negative dimension");
            }
            out[i] = Shapes.toDim(t);
            known *= t;
        }
        long n = Shapes.numel(dims);
        if (infer >= 0) {
            if (known == 0 || n % known != 0) throw node.invalid("cannot reshape " + Shapes.str(dims) + " to " + Arrays.toString(target));
            out[infer] = Shapes.toDim(n / known);
        } else if (known != n) {
            throw node.invalid("cannot reshape " + Shapes.str(dims) + " to " + Arrays.toString(target));
        }
        return out;
    }

    /** Transpose perm attribute, default: reversed axes. */
    static int[] permOf(OnnxNode node, int rank) {
        int[] dflt = new int[rank];
        for (int i = 0; i < rank; i++) dflt[i] = rank - 1 - i;
        int[] perm = node.getIntArray("perm", dflt);
        if (!Shapes.isPermutation(perm, rank)) throw node.invalid("perm " + Arrays.toString(perm) + " is not a permutation of rank " + rank);
        return perm;
    }

    static int[] dims(ConstTensor shapeTensor) {
        long[] v = shapeTensor.longs();
        int[] d = new int[v.length];
        for (int i = 0; i < v.length; i++) d[i] = Shapes.toDim(v[i]);
        return d;
    }

    // ---- evaluation ----

    private static ConstTensor constant(OnnxNode node) {
        TensorProto t = node.getTensor("value");
        if (t != null) return TensorProtos.decode(t, "the value of Constant node '" + node.label() + "'");
        if (node.has("value_float")) return ofReals(new int[0], FLOAT, new double[] {node.getFloat("value_float", 0)});
        if (node.has("value_int")) return int64Scalar(node.getInt("value_int", 0));
        float[] fs = node.getFloats("value_floats");
        if (fs != null) {
            double[] d = new double[fs.length];
            for (int i = 0; i < d.length; i++) d[i] = fs[i];
            return ofReals(new int[] {d.length}, FLOAT, d);
        }
        long[] is = node.getInts("value_ints");
        if (is != null) return int64Vector(is);
        throw node.unsupported("only tensor, float and int values are supported");
    }

    private static long[] filled(int n, long v) {
        long[] a = new long[n];
        Arrays.fill(a, v);
        return a;
    }

    static ConstTensor cast(ConstTensor x, int to) {
        if (!isKnownType(to)) throw new IllegalArgumentException("cast to " + TensorProtos.typeName(to));
        if (isFloating(to)) return ofReals(x.shape(), to, x.doubles());
        if (x.floating()) return of(x.shape(), to, x.doubles());
        return ofInts(x.shape(), to, x.longs());
    }

    private static ConstTensor gather(ConstTensor data, ConstTensor indices, long axisAttr) {
        int[] d = data.shape();
        int axis = Shapes.axis(axisAttr, d.length);
        long[] idx = indices.longs();
        int[] iShape = indices.shape();
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= d[i];
        for (int i = axis + 1; i < d.length; i++) inner *= d[i];
        int[] outShape = new int[d.length - 1 + iShape.length];
        System.arraycopy(d, 0, outShape, 0, axis);
        System.arraycopy(iShape, 0, outShape, axis, iShape.length);
        System.arraycopy(d, axis + 1, outShape, axis + iShape.length, d.length - axis - 1);
        int[] src = new int[outer * idx.length * inner];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (long i0 : idx) {
                long i = i0 < 0 ? i0 + d[axis] : i0;
                if (i < 0 || i >= d[axis]) throw new IllegalArgumentException("Gather index " + i0 + " out of range for axis of size " + d[axis]);
                for (int n = 0; n < inner; n++) src[k++] = (o * d[axis] + (int) i) * inner + n;
            }
        }
        return data.gather(outShape, src);
    }

    private static ConstTensor transpose(ConstTensor x, int[] perm) {
        return x.gather(Shapes.permute(x.shape(), perm), Shapes.transposeIndex(x.shape(), perm));
    }

    private static ConstTensor concat(OnnxNode node, List<ConstTensor> in, long axisAttr) {
        ConstTensor first = in.getFirst();
        int rank = first.rank();
        int axis = Shapes.axis(axisAttr, rank);
        int[] outShape = first.shape();
        outShape[axis] = 0;
        for (ConstTensor t : in) {
            int[] s = t.shape();
            if (s.length != rank) throw node.invalid("Concat of ranks " + rank + " and " + s.length);
            for (int i = 0; i < rank; i++)
                if (i != axis && s[i] != outShape[i]) throw node.invalid("Concat of shapes " + Shapes.str(first.shape()) + " and " + Shapes.str(s));
            if (t.floating() != first.floating()) throw node.invalid("Concat of different data types");
            outShape[axis] += s[axis];
        }
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= outShape[i];
        for (int i = axis + 1; i < rank; i++) inner *= outShape[i];
        int n = Shapes.numelInt(outShape);
        double[] r = first.floating() ? new double[n] : null;
        long[] l = first.floating() ? null : new long[n];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (ConstTensor t : in) {
                int block = t.shape()[axis] * inner;
                for (int j = 0; j < block; j++, k++) {
                    if (r != null) r[k] = t.doubleAt(o * block + j);
                    else l[k] = t.longAt(o * block + j);
                }
            }
        }
        return r != null ? new ConstTensor(outShape, first.dataType(), r, null) : new ConstTensor(outShape, first.dataType(), null, l);
    }

    /** ONNX Slice (opset >= 10 inputs starts, ends, axes, steps; opset 1 attributes starts, ends, axes). */
    private static ConstTensor slice(OnnxNode node, List<ConstTensor> in) {
        ConstTensor x = in.get(0);
        int[] d = x.shape();
        long[] starts, ends, axes, steps;
        if (node.has("starts")) {
            starts = node.getInts("starts");
            ends = node.getInts("ends");
            axes = node.getInts("axes");
            steps = null;
        } else {
            starts = in.get(1).longs();
            ends = in.get(2).longs();
            axes = in.size() > 3 && in.get(3) != null ? in.get(3).longs() : null;
            steps = in.size() > 4 && in.get(4) != null ? in.get(4).longs() : null;
        }
        if (ends == null || starts.length != ends.length) throw node.invalid("Slice starts and ends differ in length");
        int r = d.length;
        long[] begin = new long[r], step = new long[r];
        int[] outShape = d.clone();
        Arrays.fill(step, 1);
        for (int i = 0; i < starts.length; i++) {
            int ax = Shapes.axis(axes == null ? i : axes[i], r);
            long st = steps == null ? 1 : steps[i];
            if (st == 0) throw node.invalid("Slice step 0");
            long dim = d[ax];
            long s = starts[i] < 0 ? starts[i] + dim : starts[i];
            long e = ends[i] < 0 ? ends[i] + dim : ends[i];
            long count;
            if (st > 0) {
                s = Math.clamp(s, 0, dim);
                e = Math.clamp(e, 0, dim);
                count = e > s ? (e - s + st - 1) / st : 0;
            } else {
                s = Math.clamp(s, 0, dim - 1);
                e = Math.clamp(e, -1, dim - 1);
                count = s > e ? (s - e - st - 1) / -st : 0;
            }
            begin[ax] = s;
            step[ax] = st;
            outShape[ax] = (int) count;
        }
        int[] inStrides = Shapes.strides(d);
        int offset = 0;
        int[] strides = new int[r];
        for (int i = 0; i < r; i++) {
            offset += (int) begin[i] * inStrides[i];
            strides[i] = (int) step[i] * inStrides[i];
        }
        int[] src = Shapes.numel(outShape) == 0 ? new int[0] : Shapes.gatherIndex(outShape, strides, offset);
        return x.gather(outShape, src);
    }

    private static ConstTensor constantOfShape(OnnxNode node, ConstTensor shape) {
        int[] dims = dims(shape);
        TensorProto t = node.getTensor("value");
        ConstTensor v = t == null ? ofReals(new int[] {1}, FLOAT, new double[] {0}) : TensorProtos.decode(t, "the value of node '" + node.label() + "'");
        if (v.numel() != 1) throw node.invalid("ConstantOfShape value must have one element");
        return v.gather(dims, new int[Shapes.numelInt(dims)]);
    }

    private static ConstTensor range(ConstTensor start, ConstTensor limit, ConstTensor delta) {
        if (start.floating()) {
            double s = start.doubleAt(0), l = limit.doubleAt(0), dl = delta.doubleAt(0);
            int n = (int) Math.max(Math.ceil((l - s) / dl), 0);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = s + i * dl;
            return ofReals(new int[] {n}, start.dataType(), v);
        }
        long s = start.longAt(0), l = limit.longAt(0), dl = delta.longAt(0);
        if (dl == 0) throw new IllegalArgumentException("Range delta 0");
        int n = (int) Math.max(Math.ceilDiv(l - s, dl), 0);
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = s + i * dl;
        return ofInts(new int[] {n}, start.dataType(), v);
    }

    /** Integer division truncates toward zero (C semantics, as onnxruntime computes it). */
    private static long intDiv(long a, long b) {
        if (b == 0) throw new IllegalArgumentException("integer division by zero");
        return a / b;
    }

    private static ConstTensor arith(ConstTensor a, ConstTensor b, DoubleBinaryOperator f, LongBinaryOperator g) {
        int[] out = Shapes.broadcast(a.shape(), b.shape());
        ConstTensor x = a.broadcastTo(out), y = b.broadcastTo(out);
        int n = x.numel();
        if (a.floating() || b.floating()) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = f.applyAsDouble(x.doubleAt(i), y.doubleAt(i));
            return ofReals(out, a.floating() ? a.dataType() : b.dataType(), v);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = g.applyAsLong(x.longAt(i), y.longAt(i));
        return ofInts(out, a.dataType(), v);
    }

    private static ConstTensor pow(ConstTensor a, ConstTensor b) {
        if (a.floating()) return arith(a, b.floating() ? b : cast(b, a.dataType()), Math::pow, (x, y) -> 0);
        return cast(arith(cast(a, DOUBLE), cast(b, DOUBLE), Math::pow, (x, y) -> 0), a.dataType());
    }

    private static ConstTensor variadic(List<ConstTensor> in, DoubleBinaryOperator f, LongBinaryOperator g) {
        ConstTensor acc = in.getFirst();
        for (int i = 1; i < in.size(); i++) acc = arith(acc, in.get(i), f, g);
        return acc;
    }

    private interface DoublePredicate2 { boolean test(double a, double b); }

    private static ConstTensor compare(ConstTensor a, ConstTensor b, DoublePredicate2 p) {
        int[] out = Shapes.broadcast(a.shape(), b.shape());
        ConstTensor x = a.broadcastTo(out), y = b.broadcastTo(out);
        long[] v = new long[x.numel()];
        boolean ints = !a.floating() && !b.floating();
        for (int i = 0; i < v.length; i++) {
            boolean r = ints ? p.test(Long.compare(x.longAt(i), y.longAt(i)), 0) : p.test(x.doubleAt(i), y.doubleAt(i));
            v[i] = r ? 1 : 0;
        }
        return ofInts(out, BOOL, v);
    }

    private static ConstTensor logic(ConstTensor a, ConstTensor b, LongBinaryOperator g) {
        int[] out = Shapes.broadcast(a.shape(), b.shape());
        ConstTensor x = a.broadcastTo(out), y = b.broadcastTo(out);
        long[] v = new long[x.numel()];
        for (int i = 0; i < v.length; i++) v[i] = g.applyAsLong(x.longAt(i), y.longAt(i));
        return ofInts(out, BOOL, v);
    }

    private static ConstTensor where(ConstTensor c, ConstTensor a, ConstTensor b) {
        int[] out = Shapes.broadcast(c.shape(), Shapes.broadcast(a.shape(), b.shape()));
        ConstTensor cc = c.broadcastTo(out), x = a.broadcastTo(out), y = b.broadcastTo(out);
        int n = cc.numel();
        int[] src = new int[n];
        // Pick from x or y by concatenating them and indexing: keeps the data type untouched.
        ConstTensor both = concatFlat(x, y);
        for (int i = 0; i < n; i++) src[i] = cc.longAt(i) != 0 ? i : n + i;
        return both.gather(out, src);
    }

    private static ConstTensor concatFlat(ConstTensor x, ConstTensor y) {
        int n = x.numel();
        int[] shape = {2 * n};
        if (x.floating()) {
            double[] v = Arrays.copyOf(x.doubles(), 2 * n);
            System.arraycopy(y.doubles(), 0, v, n, n);
            return new ConstTensor(shape, x.dataType(), v, null);
        }
        long[] v = Arrays.copyOf(x.longs(), 2 * n);
        System.arraycopy(y.longs(), 0, v, n, n);
        return new ConstTensor(shape, x.dataType(), null, v);
    }

    private static ConstTensor unary(ConstTensor x, DoubleUnaryOperator f, boolean integerSafe) {
        if (x.floating()) {
            double[] v = x.doubles();
            for (int i = 0; i < v.length; i++) v[i] = f.applyAsDouble(v[i]);
            return ofReals(x.shape(), x.dataType(), v);
        }
        if (!integerSafe) throw new IllegalArgumentException("integer input");
        long[] v = x.longs();
        for (int i = 0; i < v.length; i++) v[i] = (long) f.applyAsDouble(v[i]);
        return ofInts(x.shape(), x.dataType(), v);
    }

    /** MatMul of constants: 1-D and 2-D operands (NumPy matmul promotion), computed in double and rounded to the type. */
    private static ConstTensor matmul(OnnxNode node, ConstTensor a, ConstTensor b) {
        if (a.rank() > 2 || b.rank() > 2 || a.rank() == 0 || b.rank() == 0) throw node.unsupported("constant MatMul of ranks " + a.rank() + " and " + b.rank());
        int m = a.rank() == 2 ? a.shape()[0] : 1, k = a.shape()[a.rank() - 1];
        int k2 = b.rank() == 2 ? b.shape()[0] : b.shape()[0], n = b.rank() == 2 ? b.shape()[1] : 1;
        if (k != k2) throw node.invalid("MatMul of " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        double[] r = product(a.doubles(), false, b.doubles(), false, m, k, n);
        List<Integer> shape = new ArrayList<>();
        if (a.rank() == 2) shape.add(m);
        if (b.rank() == 2) shape.add(n);
        return of(shape.stream().mapToInt(Integer::intValue).toArray(), a.dataType(), r);
    }

    private static ConstTensor gemm(OnnxNode node, List<ConstTensor> in) {
        ConstTensor a = in.get(0), b = in.get(1);
        if (a.rank() != 2 || b.rank() != 2) throw node.invalid("Gemm needs 2-D operands");
        boolean ta = node.getInt("transA", 0) != 0, tb = node.getInt("transB", 0) != 0;
        int m = ta ? a.shape()[1] : a.shape()[0], k = ta ? a.shape()[0] : a.shape()[1];
        int n = tb ? b.shape()[0] : b.shape()[1];
        if ((tb ? b.shape()[1] : b.shape()[0]) != k) throw node.invalid("Gemm of " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        double alpha = node.getFloat("alpha", 1), beta = node.getFloat("beta", 1);
        double[] r = product(a.doubles(), ta, b.doubles(), tb, m, k, n);
        for (int i = 0; i < r.length; i++) r[i] *= alpha;
        if (in.size() > 2 && in.get(2) != null) {
            double[] c = in.get(2).broadcastTo(new int[] {m, n}).doubles();
            for (int i = 0; i < r.length; i++) r[i] += beta * c[i];
        }
        return of(new int[] {m, n}, a.dataType(), r);
    }

    /** {@code op(A)[m,k] * op(B)[k,n]} for row-major A, B, optionally transposed. */
    static double[] product(double[] a, boolean ta, double[] b, boolean tb, int m, int k, int n) {
        double[] r = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                r[i * n + j] = s;
            }
        return r;
    }

    /** ReduceSum/Prod/Min/Max: axes from attribute or (ReduceSum opset 13, all opset 18) input 1; keepdims default 1. */
    private static ConstTensor reduce(OnnxNode node, List<ConstTensor> in, double init, DoubleBinaryOperator f) {
        ConstTensor x = in.get(0);
        int[] d = x.shape();
        long[] axes = axesOf(node, in, 1);
        boolean keep = node.getInt("keepdims", 1) != 0;
        boolean[] reduced = new boolean[d.length];
        if (axes == null || axes.length == 0) {
            if (axes != null && node.getInt("noop_with_empty_axes", 0) != 0) return x;
            Arrays.fill(reduced, true);
        } else {
            for (long a : axes) reduced[Shapes.axis(a, d.length)] = true;
        }
        int[] keptShape = d.clone();
        for (int i = 0; i < d.length; i++) if (reduced[i]) keptShape[i] = 1;
        double[] acc = new double[Shapes.numelInt(keptShape)];
        Arrays.fill(acc, init);
        int[] target = Shapes.strides(keptShape);
        int[] counter = new int[d.length];
        double[] v = x.doubles();
        for (int i = 0; i < v.length; i++) {
            int o = 0;
            for (int ax = 0; ax < d.length; ax++) if (!reduced[ax]) o += counter[ax] * target[ax];
            acc[o] = f.applyAsDouble(acc[o], v[i]);
            for (int ax = d.length - 1; ax >= 0; ax--) {
                if (++counter[ax] < d[ax]) break;
                counter[ax] = 0;
            }
        }
        int[] outShape = keep ? keptShape : squeezeAll(d, reduced);
        return of(outShape, x.dataType(), acc);
    }

    private static int[] squeezeAll(int[] d, boolean[] drop) {
        int[] out = new int[d.length];
        int k = 0;
        for (int i = 0; i < d.length; i++) if (!drop[i]) out[k++] = d[i];
        return Arrays.copyOf(out, k);
    }
}
