package dev.verity.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code verity info MODEL}: layers, shapes, parameter and ReLU counts. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Shows a model's layers, shapes, parameter count and ReLU count.")
final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model (.onnx or .onnx.gz)")
    Path model;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
        Network net = Models.load(model);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("model", model.toString());
            root.set("input_shape", Json.array(net.inputShape().dims()));
            root.set("output_shape", Json.array(net.outputShape().dims()));
            root.put("parameters", net.parameterCount());
            root.put("relus", net.reluCount());
            ArrayNode layers = root.putArray("layers");
            for (Node n : net.nodes()) {
                ObjectNode l = layers.addObject();
                l.put("id", n.id());
                l.put("name", n.name());
                l.put("type", n.layer().getClass().getSimpleName());
                l.put("description", n.layer().describe());
                l.set("inputs", Json.array(n.inputs().stream().mapToInt(Integer::intValue).toArray()));
                l.set("shape", Json.array(n.shape().dims()));
                l.put("parameters", n.layer().parameterCount());
            }
            out.println(Json.write(root));
        } else {
            out.printf("model   %s%n", model);
            out.printf("%4s  %-28s %-34s %-10s %s%n", "id", "name", "layer", "inputs", "output shape");
            for (Node n : net.nodes()) {
                out.printf("%4d  %-28s %-34s %-10s %s%n", n.id(), clip(n.name(), 28), clip(n.layer().describe(), 34),
                        n.inputs().isEmpty() ? "-" : n.inputs().toString(), n.shape());
            }
            long layersWithParams = net.nodes().stream().filter(n -> n.layer().parameterCount() > 0
                    && !(n.layer() instanceof Layer.Affine)).count();
            out.printf("input %s, output %s, %d nodes, %d weighted layers, %,d parameters, %,d ReLUs%n",
                    net.inputShape(), net.outputShape(), net.nodes().size(), layersWithParams,
                    net.parameterCount(), net.reluCount());
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }
}
