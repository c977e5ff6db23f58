package dev.verity.onnx;

import com.google.protobuf.ByteString;
import dev.verity.onnx.proto.Onnx.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.verity.onnx.ConstTensor.*;

/**
 * Decodes an ONNX {@code TensorProto} into a {@link ConstTensor}. Per onnx.proto, values live either in
 * {@code raw_data} (little-endian, fixed width per type) or in the typed field for the type: float_data
 * (FLOAT), int32_data (INT32/INT16/INT8/UINT16/UINT8/BOOL and the bit patterns of FLOAT16/BFLOAT16),
 * int64_data (INT64), double_data (DOUBLE), uint64_data (UINT32/UINT64).
 */
final class TensorProtos {
    private TensorProtos() {}

    /** Decodes {@code t}; {@code what} names the tensor in error messages (e.g. "initializer 'w' in model.onnx"). */
    static ConstTensor decode(TensorProto t, String what) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0)
            throw new IllegalArgumentException(what + " stores its data in an external file, which Verity does not read");
        if (t.hasSegment()) throw new IllegalArgumentException(what + " is a segment of a larger tensor, which Verity does not read");
        int type = t.getDataType();
        if (!isKnownType(type)) throw new IllegalArgumentException(what + " has data type " + typeName(type) + ", which Verity does not read");
        int[] shape = new int[t.getDimsCount()];
        for (int i = 0; i < shape.length; i++) shape[i] = Shapes.toDim(t.getDims(i));
        int n = Shapes.numelInt(shape);
        if (t.hasRawData()) return fromRaw(t.getRawData(), type, shape, n, what);
        if (isFloating(type)) {
            double[] v = new double[n];
            int have = switch (type) {
                case FLOAT -> t.getFloatDataCount();
                case DOUBLE -> t.getDoubleDataCount();
                default -> t.getInt32DataCount();
            };
            checkCount(have, n, what);
            for (int i = 0; i < n; i++) {
                v[i] = switch (type) {
                    case FLOAT -> t.getFloatData(i);
                    case DOUBLE -> t.getDoubleData(i);
                    case FLOAT16 -> Float.float16ToFloat((short) t.getInt32Data(i));
                    default -> Float.intBitsToFloat(t.getInt32Data(i) << 16); // BFLOAT16
                };
            }
            return ofReals(shape, type, v);
        }
        long[] v = new long[n];
        int have = switch (type) {
            case INT64 -> t.getInt64DataCount();
            case UINT32, UINT64 -> t.getUint64DataCount();
            default -> t.getInt32DataCount();
        };
        checkCount(have, n, what);
        for (int i = 0; i < n; i++) {
            v[i] = switch (type) {
                case INT64 -> t.getInt64Data(i);
                case UINT32, UINT64 -> t.getUint64Data(i);
                default -> t.getInt32Data(i);
            };
        }
        return ofInts(shape, type, v);
    }

    private static void checkCount(int have, int n, String what) {
        if (have != n) throw new IllegalArgumentException(what + " holds " + have + " values for " + n + " elements");
    }

    private static ConstTensor fromRaw(ByteString raw, int type, int[] shape, int n, String what) {
        int width = switch (type) {
            case BOOL, INT8, UINT8 -> 1;
            case INT16, UINT16, FLOAT16, BFLOAT16 -> 2;
            case INT32, UINT32, FLOAT -> 4;
            default -> 8;
        };
        if ((long) n * width != raw.size())
            throw new IllegalArgumentException(what + " has " + raw.size() + " bytes of raw data for " + n + " elements of " + width + " bytes");
        ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (isFloating(type)) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = switch (type) {
                    case FLOAT -> b.getFloat();
                    case DOUBLE -> b.getDouble();
                    case FLOAT16 -> Float.float16ToFloat(b.getShort());
                    default -> Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16);
                };
            }
            return ofReals(shape, type, v);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (type) {
                case BOOL, INT8 -> b.get();
                case UINT8 -> b.get() & 0xFF;
                case INT16 -> b.getShort();
                case UINT16 -> b.getShort() & 0xFFFF;
                case INT32 -> b.getInt();
                case UINT32 -> b.getInt() & 0xFFFFFFFFL;
                default -> b.getLong();
            };
        }
        return ofInts(shape, type, v);
    }

    static String typeName(int type) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(type);
        return t == null ? "#" + type : t.name();
    }
}
