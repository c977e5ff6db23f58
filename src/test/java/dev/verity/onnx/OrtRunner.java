package dev.verity.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.onnx.proto.Onnx.ModelProto;
import dev.verity.onnx.proto.Onnx.TensorProto;
import dev.verity.onnx.proto.Onnx.TensorShapeProto;
import dev.verity.onnx.proto.Onnx.ValueInfoProto;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs an ONNX model in onnxruntime (the reference semantics) on float32 inputs, and compares Verity against it. */
final class OrtRunner implements AutoCloseable {
    // Errors only: the VNN-COMP files trigger harmless warnings (initializers listed as graph inputs, IR 3).
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);

    private final OrtSession session;
    private final String inputName;
    /** The declared ONNX input shape, symbolic dimensions as 1. */
    final long[] inputShape;

    OrtRunner(byte[] model) throws OrtException, IOException {
        ModelProto m = ModelProto.parseFrom(model);
        Set<String> inits = m.getGraph().getInitializerList().stream().map(TensorProto::getName).collect(Collectors.toSet());
        ValueInfoProto in = m.getGraph().getInputList().stream().filter(v -> !inits.contains(v.getName())).findFirst().orElseThrow();
        inputName = in.getName();
        var dims = in.getType().getTensorType().getShape().getDimList();
        inputShape = new long[dims.size()];
        for (int i = 0; i < dims.size(); i++) {
            TensorShapeProto.Dimension d = dims.get(i);
            inputShape[i] = d.hasDimValue() ? d.getDimValue() : 1;
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            session = ENV.createSession(model, options);
        }
    }

    int inputSize() {
        return Math.toIntExact(Arrays.stream(inputShape).reduce(1, (a, b) -> a * b));
    }

    /** The (single) output, flattened row-major. */
    float[] run(float[] input) throws OrtException {
        try (OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(input), inputShape);
             OrtSession.Result r = session.run(Map.of(inputName, t))) {
            OnnxValue v = r.get(0);
            FloatBuffer fb = ((OnnxTensor) v).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    @Override public void close() throws OrtException { session.close(); }

    /** A model file's bytes, gunzipped if compressed. */
    static byte[] readModel(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length > 1 && (b[0] & 0xFF) == 0x1F && (b[1] & 0xFF) == 0x8B) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
                return in.readAllBytes();
            }
        }
        return b;
    }

    /** A float32 value drawn uniformly in [lo, hi] that stays inside the interval after rounding to float. */
    static float drawIn(Random random, double lo, double hi) {
        float f = (float) (lo + (hi - lo) * random.nextDouble());
        if (f < lo) f = Math.nextUp(f);
        if (f > hi) f = Math.nextDown(f);
        return f;
    }

    /**
     * Runs Verity's double forward pass on all inputs as one batch and onnxruntime on each, and asserts
     * max |ours - ort| <= 1e-4 * max(1, max |ort|) per output vector.
     */
    void assertMatches(String what, Network net, float[][] inputs) throws OrtException {
        int n = net.inputShape().numel();
        int batch = inputs.length;
        double[] x = new double[batch * n];
        for (int b = 0; b < batch; b++) {
            assertEquals(n, inputs[b].length, what + ": input size");
            for (int i = 0; i < n; i++) x[b * n + i] = inputs[b][i];
        }
        Tensor out = Forward.run(net, TensorOps.INSTANCE, new Tensor(x, net.inputShape().withBatch(batch)));
        int m = net.outputShape().numel();
        assertEquals(batch * m, out.size(), what + ": Verity output size");
        for (int b = 0; b < batch; b++) {
            float[] expected = run(inputs[b]);
            assertEquals(m, expected.length, what + ": output size (Verity " + net.outputShape() + ")");
            double scale = 1, err = 0;
            int worst = 0;
            for (int j = 0; j < m; j++) {
                scale = Math.max(scale, Math.abs(expected[j]));
                double e = Math.abs(out.data()[b * m + j] - expected[j]);
                if (e > err || Double.isNaN(e)) {
                    err = e;
                    worst = j;
                }
            }
            double tol = 1e-4 * scale;
            int sample = b, at = worst;
            double error = err;
            assertTrue(err <= tol, () -> what + ", sample " + sample + ": max |verity - ort| = " + error + " > " + tol + " at output " + at
                    + " (verity " + out.data()[sample * m + at] + ", ort " + expected[at] + ")");
        }
    }
}
