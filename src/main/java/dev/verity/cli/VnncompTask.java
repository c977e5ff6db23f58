package dev.verity.cli;

import dev.verity.attack.Counterexample;
import dev.verity.bounds.BoundOptions;
import dev.verity.cluster.Task;
import dev.verity.cluster.TaskContext;
import dev.verity.cluster.TaskResult;
import dev.verity.milp.MilpOptions;
import dev.verity.verify.BatchRunner;
import dev.verity.verify.BatchRunner.Instance;
import dev.verity.verify.BatchRunner.Outcome;
import dev.verity.verify.VerifyOptions;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One VNN-COMP instance as a cluster task: the files by SHA-256, the options that decide the answer, and the instance's
 * row; it runs {@link BatchRunner#runInstance} on the worker, exactly what the local run does for that row.
 *
 * @param milp null: no MILP stage ({@code --no-milp})
 */
record VnncompTask(String id, int row, String onnxName, String vnnlibName, String onnxHash, String vnnlibHash, double timeoutSeconds,
                   double timeoutScale, BoundOptions bounds, MilpOptions milp) implements Task<VnncompTask.Answer> {

    /** An {@link Outcome} in serializable parts (the submitter knows the instance). */
    record Answer(String result, double seconds, String method, double[] ceInput, double[] ceOutput, double[] ceOutputFloat32, int ceCase,
                  int ceDisjunct, String error) implements Serializable {}

    static VerifyOptions options(BoundOptions bounds, MilpOptions milp) {
        return VerifyOptions.defaults(Duration.ZERO).withBoundOptions(bounds).withMilp(Optional.ofNullable(milp));
    }

    @Override public Answer run(TaskContext context) {
        Path onnx = context.file(onnxHash, onnxName), vnnlib = context.file(vnnlibHash, vnnlibName);
        String key = "vnncomp " + timeoutScale + " " + bounds + " " + milp;
        BatchRunner runner = context.shared(key, () -> new BatchRunner(options(bounds, milp), timeoutScale, Models::load, Properties::load));
        Outcome o = runner.runInstance(new Instance(row, onnxName, vnnlibName, onnx, vnnlib, timeoutSeconds));
        Counterexample ce = o.counterexample();
        return new Answer(o.result(), o.seconds(), o.method(), ce == null ? null : ce.input(), ce == null ? null : ce.output(),
                ce == null ? null : ce.outputFloat32(), ce == null ? -1 : ce.caseIndex(), ce == null ? -1 : ce.disjunctIndex(), o.error());
    }

    /** The outcome for the submitter's instance {@code in} (its own paths), from the task's result. */
    static Outcome outcome(Instance in, TaskResult<Answer> r) {
        return switch (r) {
            case TaskResult.Done<Answer> d -> {
                Answer a = d.value();
                Counterexample ce = a.ceInput() == null ? null : new Counterexample(a.ceInput(), a.ceOutput(), a.ceOutputFloat32(), a.ceCase(), a.ceDisjunct());
                yield new Outcome(in, a.result(), a.seconds(), a.method(), ce, a.error());
            }
            case TaskResult.Failed<Answer> f -> new Outcome(in, "error", 0, "", null, f.error());
        };
    }
}
