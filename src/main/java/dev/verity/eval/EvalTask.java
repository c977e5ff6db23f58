package dev.verity.eval;

import dev.verity.bounds.BoundEngine;
import dev.verity.cluster.Task;
import dev.verity.cluster.TaskContext;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.onnx.OnnxImporter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One image at one ε as a cluster task ({@code eval --cluster}): the model by SHA-256 with the normalisation in front,
 * the image's pixels and label, the methods still to run and the settings; on the member it does what one worker thread
 * of {@link Evaluation#run} does for that pair (the network and its bound engine are loaded once per member).
 */
record EvalTask(String id, String modelHash, String modelName, Normalization normalization, int[] sampleShape, int image, int label,
                double[] pixels, double eps, List<EvalMethod> todo, boolean attackRefuted, EvalSettings settings)
        implements Task<ArrayList<ResultLine.Outcome>> {

    @Override public ArrayList<ResultLine.Outcome> run(TaskContext context) {
        String key = "eval " + modelHash + " " + normalization.scale() + " " + Arrays.toString(normalization.mean()) + " "
                + Arrays.toString(normalization.std()) + " " + Arrays.toString(sampleShape);
        Network net = context.shared(key, () -> normalization.prependTo(OnnxImporter.load(context.file(modelHash, modelName)), new Shape(sampleShape)));
        BoundEngine engine = context.shared(key + " " + settings.bounds(), () -> new BoundEngine(net, settings.bounds()));
        ArrayList<ResultLine.Outcome> out = new ArrayList<>();
        new ImageRunner(net, engine, settings).run(image, eps, pixels, label, todo, attackRefuted, out::add);
        return out;
    }
}
