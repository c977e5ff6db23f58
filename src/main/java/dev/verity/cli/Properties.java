package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.model.Network;
import dev.verity.spec.VnnlibProperty;
import dev.verity.spec.VnnlibReader;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loading a VNN-LIB file named on the command line and checking it against the model, naming both files on error. */
final class Properties {
    private Properties() {}

    static VnnlibProperty load(Path spec, Network net, Path model) {
        if (!Files.isRegularFile(spec)) throw new InvalidInputException("VNN-LIB file not found: " + spec);
        VnnlibProperty p = VnnlibReader.read(spec);
        int n = net.inputShape().numel(), m = net.outputShape().numel();
        if (p.inputCount() != n || p.outputCount() != m)
            throw new InvalidInputException(spec + " declares " + p.inputCount() + " inputs (X_i) and " + p.outputCount()
                    + " outputs (Y_j), but the model " + model + " has " + n + " inputs and " + m + " outputs");
        return p;
    }
}
