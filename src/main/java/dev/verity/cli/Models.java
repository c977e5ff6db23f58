package dev.verity.cli;

import dev.verity.InvalidInputException;
import dev.verity.model.Network;
import dev.verity.onnx.OnnxImporter;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loading what the user names on the command line, with errors that say which file is wrong. */
final class Models {
    private Models() {}

    static Network load(Path model) {
        if (!Files.isRegularFile(model)) throw new InvalidInputException("model file not found: " + model);
        return OnnxImporter.load(model);
    }
}
