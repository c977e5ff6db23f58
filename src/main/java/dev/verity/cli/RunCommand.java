package dev.verity.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.InvalidInputException;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.tensor.Float32Ops;
import dev.verity.tensor.Ops;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code verity run MODEL --input FILE}: the network's outputs for one input. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs a model on one input (a JSON array or one CSV row) and prints its outputs.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model (.onnx or .onnx.gz)")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "Input values, row-major in the model's input shape: a JSON array (may be nested) or one CSV row.")
    Path input;

    @Option(names = "--float32", description = "Evaluate with float32 rounding of weights and every intermediate value (as onnxruntime does).")
    boolean float32;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
        Network net = Models.load(model);
        double[] x = InputValues.read(input);
        int n = net.inputShape().numel();
        if (x.length != n)
            throw new InvalidInputException("input file " + input + " has " + x.length + " values; the model's input "
                    + net.inputShape() + " needs " + n);
        Ops<Tensor> ops = float32 ? Float32Ops.INSTANCE : TensorOps.INSTANCE;
        Tensor batch = new Tensor(x, net.inputShape().withBatch(1));
        Tensor output = Forward.run(net, ops, batch);
        double[] y = output.data();
        int best = output.reshape(1, y.length).argmax(1)[0];
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.set("output", Json.array(y));
            root.set("output_shape", Json.array(net.outputShape().dims()));
            root.put("argmax", best);
            root.put("precision", float32 ? "float32" : "float64");
            out.println(Json.write(root));
        } else {
            for (int i = 0; i < y.length; i++) out.printf("y[%d] = %s%n", i, y[i]);
            out.printf("argmax %d%n", best);
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
