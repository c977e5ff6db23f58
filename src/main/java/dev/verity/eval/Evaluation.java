package dev.verity.eval;

import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundEngine;
import dev.verity.data.Dataset;
import dev.verity.model.Forward;
import dev.verity.model.Network;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An evaluation of a classifier on a dataset: for every selected image its clean prediction, then for every ε and
 * every method whether robustness is certified or refuted (paper 000 Sec. 6.1, Table 1).
 *
 * <p>It computes only what the results file lacks: a result is identified by (image, ε, method), so a resumed run
 * computes nothing twice, and a run resumed after Ctrl-C gives the same results as one that was never stopped. Images
 * are spread over {@link EvalSettings#jobs()} worker threads, each taking one (image, ε) at a time.
 */
public final class Evaluation {
    /** Told after each (image, ε) is done, from the worker threads (calls are serialised). */
    @FunctionalInterface
    public interface Listener {
        void progress(long done, long total);
    }

    private static final int CLEAN_BATCH = 256;

    private final Network net;
    private final Dataset data;
    private final int[] indices;
    private final EvalSettings settings;
    private final BoundEngine engine;

    /**
     * @param net     the network with any preprocessing already in front (its input is the image in [0, 1])
     * @param indices the dataset indices to evaluate
     * @throws InvalidInputException when the images do not fit the network, an index or a label is out of range, or a
     *                               method does not apply to the network
     */
    public Evaluation(Network net, Dataset data, int[] indices, EvalSettings settings) {
        this.net = net;
        this.data = data;
        this.indices = indices.clone();
        this.settings = settings;
        checkImages(net, data, this.indices);
        this.engine = new BoundEngine(net, settings.bounds());
        checkMethods(engine, settings.methods());
    }

    /** The images fit the network, every index is in the dataset and every label is a class of the network. */
    static void checkImages(Network net, Dataset data, int[] indices) {
        int features = net.inputShape().numel(), classes = net.outputShape().numel();
        if (data.sampleShape().numel() != features)
            throw new InvalidInputException("dataset " + data.name() + " has images of shape " + data.sampleShape() + " (" + data.sampleShape().numel()
                    + " values); the model's input " + net.inputShape() + " needs " + features);
        for (int i : indices) {
            if (i < 0 || i >= data.size())
                throw new InvalidInputException("image index " + i + " is out of range: dataset " + data.name() + " has " + data.size() + " images (0.."
                        + (data.size() - 1) + ")");
            if (data.label(i) < 0 || data.label(i) >= classes)
                throw new InvalidInputException("image " + i + " has label " + data.label(i) + ", but the model has " + classes + " outputs");
        }
    }

    /** Every bound preset among {@code methods} applies to the engine's network. */
    static void checkMethods(BoundEngine engine, List<EvalMethod> methods) {
        for (EvalMethod m : methods) {
            if (m instanceof EvalMethod.Bound b && !engine.supports(b.preset()))
                throw new InvalidInputException("method " + m.name() + " does not apply to this network (see docs/methods.md)");
        }
    }

    /** One image at one radius: the work unit of a worker. */
    private record Unit(int image, double eps, List<EvalMethod> todo, boolean attackRefuted) {}

    /**
     * The (image, ε) pairs whose results {@code existing} lacks, image-major; the clean predictions it lacks are computed
     * and appended to {@code out} first.
     */
    private List<Unit> units(List<ResultLine> existing, ResultsFile out) {
        Map<Integer, ResultLine.Clean> clean = new HashMap<>();
        Set<ResultLine.Key> done = new HashSet<>();
        for (ResultLine line : existing) {
            switch (line) {
                case ResultLine.Clean c -> clean.put(c.image(), c);
                case ResultLine.Outcome o -> done.add(o.key());
                case ResultLine.Radius r -> { } // radii are RadiusEvaluation's
            }
        }
        checkSameData(data, indices, clean);
        for (ResultLine.Clean c : predict(net, data, indices, clean)) {
            out.append(c);
            clean.put(c.image(), c);
        }
        String attack = settings.methods().stream().filter(m -> m instanceof EvalMethod.Attack).map(EvalMethod::name).findFirst().orElse(null);
        Set<ResultLine.Key> refuted = new HashSet<>();
        for (ResultLine line : existing)
            if (line instanceof ResultLine.Outcome o && o.status() == Status.REFUTED && o.method().equals(attack)) refuted.add(o.key());
        // Image-major order: a run stopped early has its first images at every ε, which is already a usable table.
        List<Unit> units = new ArrayList<>();
        for (int i : distinct(indices)) {
            if (!clean.get(i).correct()) continue;
            for (double eps : settings.eps()) {
                List<EvalMethod> todo = settings.methods().stream().filter(m -> !done.contains(new ResultLine.Key(i, eps, m.name()))).toList();
                if (!todo.isEmpty()) units.add(new Unit(i, eps, todo, attack != null && refuted.contains(new ResultLine.Key(i, eps, attack))));
            }
        }
        return units;
    }

    /**
     * Computes every clean prediction and every (image, ε, method) result that {@code existing} lacks, appending each
     * to {@code out} as soon as it is known.
     *
     * @return the number of (image, ε) pairs that were computed (0 when everything was already there)
     */
    public int run(List<ResultLine> existing, ResultsFile out, Listener listener) {
        Queue<Unit> units = new ConcurrentLinkedQueue<>(units(existing, out));
        int total = units.size();
        if (total == 0) return 0;
        AtomicLong finished = new AtomicLong();
        Object progressLock = new Object();
        int workers = Math.min(settings.jobs(), total);
        ExecutorService pool = Executors.newFixedThreadPool(workers, Thread.ofPlatform().daemon().name("verity-eval-", 0).factory());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> {
                    ImageRunner runner = new ImageRunner(net, engine, settings);
                    for (Unit u; (u = units.poll()) != null; ) {
                        runner.run(u.image(), u.eps(), data.pixels(u.image()), data.label(u.image()), u.todo(), u.attackRefuted(), out::append);
                        long d = finished.incrementAndGet();
                        synchronized (progressLock) {
                            listener.progress(d, total);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) join(f);
        } finally {
            pool.shutdownNow(); // after a failure: stop the other workers (what they finished is in the file)
        }
        return total;
    }

    /**
     * As {@link #run}, with the (image, ε) pairs run as tasks of {@code runner} (a cluster's: {@code eval --cluster}): the
     * model file goes to the members once by SHA-256, with the normalisation in front of it, and each task returns its
     * outcomes, appended to {@code out} as it ends; a task that failed there gives an error result for each of its methods.
     * The members build the network as {@code normalization.prependTo(model, sample shape)}, as this evaluation's was built.
     */
    public int runOn(dev.verity.cluster.TaskRunner runner, java.nio.file.Path model, Normalization normalization, List<ResultLine> existing,
                     ResultsFile out, Listener listener) {
        List<Unit> units = units(existing, out);
        if (units.isEmpty()) return 0;
        String hash = runner.publish(model);
        List<EvalTask> tasks = new ArrayList<>();
        for (Unit u : units)
            tasks.add(new EvalTask("image-" + u.image() + "-eps-" + u.eps(), hash, model.getFileName().toString(), normalization,
                    data.sampleShape().dims(), u.image(), data.label(u.image()), data.pixels(u.image()), u.eps(), u.todo(), u.attackRefuted(), settings));
        long[] finished = {0};
        runner.runAll(tasks, (t, r) -> {
            switch (r) {
                case dev.verity.cluster.TaskResult.Done<java.util.ArrayList<ResultLine.Outcome>> d -> d.value().forEach(out::append);
                case dev.verity.cluster.TaskResult.Failed<java.util.ArrayList<ResultLine.Outcome>> f -> {
                    // A task that failed on the cluster (e.g. it took down two members) is an error result per method, as a
                    // method that fails locally is; the rest of the run goes on.
                    EvalTask e = (EvalTask) t;
                    for (EvalMethod m : e.todo())
                        out.append(new ResultLine.Outcome(e.image(), e.eps(), m.name(), Status.ERROR, true, 0, Double.NaN, null, "cluster: " + f.error()));
                }
            }
            listener.progress(++finished[0], tasks.size());
        });
        return units.size();
    }

    /**
     * The clean predictions (batched double forward passes) of the selected images that {@code known} lacks (shared with
     * {@link RadiusEvaluation}, so both phases of {@code verity eval --radius} agree on which images are misclassified).
     */
    static List<ResultLine.Clean> predict(Network net, Dataset data, int[] indices, Map<Integer, ResultLine.Clean> known) {
        int[] missing = Arrays.stream(distinct(indices)).filter(i -> !known.containsKey(i)).toArray();
        int features = net.inputShape().numel(), classes = net.outputShape().numel();
        List<ResultLine.Clean> out = new ArrayList<>();
        for (int start = 0; start < missing.length; start += CLEAN_BATCH) {
            int b = Math.min(CLEAN_BATCH, missing.length - start);
            double[] batch = new double[b * features];
            for (int k = 0; k < b; k++) System.arraycopy(data.pixels(missing[start + k]), 0, batch, k * features, features);
            Tensor y = Forward.run(net, TensorOps.INSTANCE, new Tensor(batch, net.inputShape().withBatch(b)));
            int[] predicted = y.reshape(b, classes).argmax(1);
            for (int k = 0; k < b; k++) {
                int i = missing[start + k];
                out.add(new ResultLine.Clean(i, data.label(i), predicted[k]));
            }
        }
        return out;
    }

    /** A results file whose labels differ from the dataset's was made with other data: refuse to mix the two. */
    static void checkSameData(Dataset data, int[] indices, Map<Integer, ResultLine.Clean> clean) {
        for (int i : indices) {
            ResultLine.Clean c = clean.get(i);
            if (c != null && c.label() != data.label(i))
                throw new InvalidInputException("the results file says image " + i + " has label " + c.label() + ", the dataset says " + data.label(i)
                        + ": it was made with other data; use another --out folder");
        }
    }

    static int[] distinct(int[] a) { return Arrays.stream(a).distinct().toArray(); }

    static void join(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the evaluation", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }
}
