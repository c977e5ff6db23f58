package dev.verity.attack;

import java.util.Arrays;

/**
 * A confirmed violation of a VNN-LIB property: an input inside case {@code caseIndex}'s box whose
 * outputs satisfy every row of disjunct {@code disjunctIndex} of that case in both the double and
 * the float32 forward pass. Only {@link Counterexamples#confirm} creates them, so holding one means
 * the check has been done.
 *
 * @param input  the flattened network input (row-major in the model's input shape)
 * @param output the flattened double-precision network output at {@code input}
 * @param outputFloat32 the flattened float32 output (what an onnxruntime re-check sees)
 */
public record Counterexample(double[] input, double[] output, double[] outputFloat32, int caseIndex, int disjunctIndex) {

    public Counterexample {
        input = input.clone();
        output = output.clone();
        outputFloat32 = outputFloat32.clone();
    }

    @Override public double[] input() { return input.clone(); }
    @Override public double[] output() { return output.clone(); }
    @Override public double[] outputFloat32() { return outputFloat32.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof Counterexample c && caseIndex == c.caseIndex && disjunctIndex == c.disjunctIndex
                && Arrays.equals(input, c.input) && Arrays.equals(output, c.output) && Arrays.equals(outputFloat32, c.outputFloat32);
    }

    @Override public int hashCode() { return Arrays.hashCode(input) * 31 + caseIndex * 17 + disjunctIndex; }

    @Override public String toString() {
        return "Counterexample[case " + caseIndex + ", disjunct " + disjunctIndex + ", " + input.length + " inputs, output "
                + Arrays.toString(output) + "]";
    }
}
