package dev.verity.onnx;

import dev.verity.model.Shape;

/** What the importer knows about one ONNX value (a tensor name in the graph). */
sealed interface OnnxValue {

    /** Known at import time. */
    record Constant(ConstTensor tensor) implements OnnxValue {}

    /**
     * Computed from the network input by IR node {@code node}. {@code dims} is the full ONNX shape the
     * importer tracked for it. If {@code batched}, {@code dims[0]} is the ONNX batch axis (size 1 in the
     * model) and the IR value is the sample {@code dims[1..]}, with the IR's own batch axis taking the
     * place of the ONNX one. Otherwise the ONNX tensor has no batch axis and is the sample itself (e.g.
     * the VNN-COMP test nets, whose input is a plain vector {@code [1]}). Invariant: IR node {@code node}
     * has sample shape {@link #sample()}.
     */
    record Computed(int node, int[] dims, boolean batched) implements OnnxValue {
        public Computed { dims = dims.clone(); }
        @Override public int[] dims() { return dims.clone(); }
        int rank() { return dims.length; }
        int[] sampleDims() { return batched ? Shapes.tail(dims) : dims.clone(); }
        Shape sample() { return new Shape(sampleDims()); }
        /** The sample axis of ONNX axis {@code a} (already normalised), or -1 for the batch axis. */
        int sampleAxis(int a) { return batched ? a - 1 : a; }
    }

    /**
     * The batched-or-not convention for a shape produced by a reshape-like op or given for the input: a
     * leading 1 in a tensor of rank >= 2 is the batch axis. (Rank 1 tensors are samples: a rank-0 sample
     * would not be a useful network input or output.)
     */
    static boolean leadingBatchAxis(int[] dims) {
        return dims.length >= 2 && dims[0] == 1;
    }
}
