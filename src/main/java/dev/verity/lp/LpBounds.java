package dev.verity.lp;

import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Exact LP bounds over a network's relaxation ({@link TriangleLp}), solved in parallel: the objective rows
 * of LP-LAST, and LP-ALL's layer-by-layer intermediate bounds (paper 000 Sec. 5.1, step A: every neuron
 * of a pre-activation layer by the LP over the relaxation of all layers before it).
 *
 * <p>Every number it returns is a {@link SafeBound} (never a solver's reported optimum), so it is sound
 * given sound intermediate bounds. The bound engine calls it with bounds it computed itself; this class
 * knows nothing of the engine (the {@code lp} package depends on {@code bounds}' value types only).
 *
 * <h2>Cost</h2>
 * One LP per neuron side. The LP of a layer is encoded once per thread and re-solved per objective: GLOP
 * keeps the optimal basis of the previous solve, and a new objective leaves it primal feasible, so each
 * further solve is a warm-started primal simplex. The neurons of a layer are shared among {@code threads}
 * workers, each with its own {@link OrToolsLpSolver} and model copy (the native solver is not thread-safe).
 * Linear layers feeding the target (a dense layer over a vector) are folded into the objective
 * ({@code W_j·h + b_j} over the layer's input h): the target's own rows never enter the LP.
 */
public final class LpBounds {
    /** Per-LP time limit of GLOP: far above what a warm-started solve of a verification LP takes; an LP cut short still gives a (looser) safe bound. */
    public static final Duration LIMIT_PER_LP = Duration.ofSeconds(20);

    /** What one layer's LPs cost (diagnostics, e.g. for benchmarks). */
    public record LayerStats(int node, int neurons, int lps, int threads, long encodeNanos, long solveNanos, long wallNanos, long iterations) {}

    private final Network net;
    private final Interval box;
    private final NeuronEncoding encoding;
    private final SolverBackend backend;
    private final Duration limitPerSolve;
    private final String solverParameters;
    private final int threads;
    private final Runnable checkpoint;
    private final List<LayerStats> stats = new ArrayList<>();

    /**
     * @param threads    workers per layer (1: the calling thread alone)
     * @param checkpoint called between LPs; throws (e.g. {@link CancellationException}) to abandon the computation
     */
    public LpBounds(Network net, Interval box, NeuronEncoding encoding, int threads, Runnable checkpoint) {
        this(net, box, encoding, threads, checkpoint, LpBackend.GLOP);
    }

    public LpBounds(Network net, Interval box, NeuronEncoding encoding, int threads, Runnable checkpoint, LpBackend backend) {
        this(net, box, encoding, threads, checkpoint, backend, LIMIT_PER_LP);
    }

    /**
     * With any backend. A mixed-integer one (with the exact encoding, {@code dev.verity.milp.MilpEncoding}) gives its branch-and-bound
     * bound within {@code limitPerSolve} per neuron side — MIPVerify's per-neuron MILP tightening (paper 004 Sec. 4.2);
     * that bound is valid within the solver's tolerances, not rigorously like the LP's {@link SafeBound}.
     */
    public LpBounds(Network net, Interval box, NeuronEncoding encoding, int threads, Runnable checkpoint, SolverBackend backend,
                    Duration limitPerSolve) {
        this(net, box, encoding, threads, checkpoint, backend, limitPerSolve, "");
    }

    /**
     * With solver-specific parameters for every solve (e.g. SCIP's {@code limits/primal = 0}: stop as soon as a point
     * shows the neuron's sign cannot be fixed — the bound is then only what the solver had, intersected by the caller).
     */
    public LpBounds(Network net, Interval box, NeuronEncoding encoding, int threads, Runnable checkpoint, SolverBackend backend,
                    Duration limitPerSolve, String solverParameters) {
        this.solverParameters = solverParameters;
        if (encoding.exact() != backend.mixedInteger())
            throw new IllegalArgumentException("the exact encoding goes with a mixed-integer solver, relaxations with an LP solver ("
                    + encoding + " with " + backend.cliName() + ")");
        this.backend = backend;
        this.limitPerSolve = limitPerSolve;
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.net = net;
        this.box = box;
        this.encoding = encoding;
        this.threads = threads;
        this.checkpoint = checkpoint;
    }

    /** The LPs solved so far, one entry per layer (and one per objective), in order. */
    public List<LayerStats> stats() { return List.copyOf(stats); }

    /** Whether every nonlinear reader of {@code id} is a (leaky) ReLU: then only its unstable neurons' bounds matter. */
    public static boolean onlyReluReaders(Network net, int id) {
        return net.consumers(id).stream().map(c -> net.node(c).layer())
                .filter(l -> l instanceof Layer.Relu || l instanceof Layer.LeakyRelu || l instanceof Layer.Sigmoid
                        || l instanceof Layer.Tanh || l instanceof Layer.MaxPool2d)
                .allMatch(l -> l instanceof Layer.Relu || l instanceof Layer.LeakyRelu);
    }

    /**
     * LP-ALL's intermediate bounds: for each pre-activation node of {@code cheap} in its (topological)
     * order, {@code cheapest.apply(id)} gives its cheaper bounds given the LP-tightened bounds of the nodes
     * before it (the caller's back-substitution and interval bounds, intersected); then the neurons that
     * matter get LPs over the relaxation of all layers before the node, and the result is the intersection
     * of both. A node read only by (leaky) ReLUs needs LPs only for neurons unstable under the cheaper bounds
     * (a stable neuron's relaxation is exact whatever its bounds); other nodes need all. Nodes in
     * {@code skip} (where the cheaper bounds are exact) keep the cheaper bounds.
     *
     * @param cheapest given the bounds so far (an unmodifiable view, in order), the cheaper bounds of a node
     */
    public Map<Integer, Interval> tighten(List<Integer> nodes, Set<Integer> skip, CheapBounds cheapest) {
        Map<Integer, Interval> pre = new LinkedHashMap<>();
        for (int id : nodes) {
            checkpoint.run();
            Interval cheap = cheapest.of(id, java.util.Collections.unmodifiableMap(pre));
            if (skip.contains(id)) {
                pre.put(id, cheap);
                continue;
            }
            boolean relusOnly = onlyReluReaders(net, id);
            int n = cheap.size();
            int[] neurons = java.util.stream.IntStream.range(0, n)
                    .filter(j -> !relusOnly || (cheap.lower(j) < 0 && cheap.upper(j) > 0)).toArray();
            if (neurons.length == 0) {
                pre.put(id, cheap);
                continue;
            }
            double[] lower = cheap.lower().clone(), upper = cheap.upper().clone();
            double[] lp = neuronBounds(id, neurons, pre);
            for (int k = 0; k < neurons.length; k++) {
                int j = neurons[k];
                lower[j] = Math.max(lower[j], lp[2 * k]);
                upper[j] = Math.min(upper[j], lp[2 * k + 1]);
                // Both sound, so they overlap on exact arithmetic; a solver-tolerance crossing is resolved to the cheaper bound.
                if (!(lower[j] <= upper[j])) {
                    lower[j] = cheap.lower(j);
                    upper[j] = cheap.upper(j);
                }
            }
            pre.put(id, new Interval(lower, upper));
        }
        return pre;
    }

    /** The cheaper bounds of a node given the bounds already found for the nodes before it. */
    @FunctionalInterface
    public interface CheapBounds {
        Interval of(int id, Map<Integer, Interval> before);
    }

    /** Safe lower bounds of every objective row, by the LP over the whole network's relaxation with bounds {@code pre}. */
    public double[] lower(Map<Integer, Interval> pre, Objective objective) {
        TriangleLp lp = new TriangleLp(net, box, pre, encoding);
        int m = objective.rows(), outputs = objective.outputs();
        double[] c = objective.c().data(), d = objective.d();
        return solve(net.output().id(), m, solver -> lp.encode(solver), (i, vars) -> new Row(vars, Arrays.copyOfRange(c, i * outputs, (i + 1) * outputs), d[i]));
    }

    /**
     * Lower and upper bound of each listed neuron of node {@code id}: {@code [lo_0, hi_0, lo_1, hi_1, ...]}.
     * A dense node over a vector is not encoded: its neuron j is {@code W_j·h + b_j} over its input h.
     */
    public double[] neuronBounds(int id, int[] neurons, Map<Integer, Interval> pre) {
        TriangleLp lp = new TriangleLp(net, box, pre, encoding);
        Node node = net.node(id);
        int tasks = 2 * neurons.length;
        double[] r;
        if (node.layer() instanceof Layer.Dense dense && node.shape().rank() == 1) {
            int in = dense.in();
            double[] w = dense.weight().data(), b = dense.bias().data();
            r = solve(id, tasks, solver -> lp.encode(solver, node.inputs().getFirst()), (t, vars) -> {
                int j = neurons[t / 2];
                double sign = t % 2 == 0 ? 1 : -1;
                double[] coefs = new double[in];
                for (int i = 0; i < in; i++) coefs[i] = sign * w[j * in + i];
                return new Row(vars, coefs, sign * b[j]);
            });
        } else {
            r = solve(id, tasks, solver -> lp.encode(solver, id),
                    (t, vars) -> new Row(new int[]{vars[neurons[t / 2]]}, new double[]{t % 2 == 0 ? 1 : -1}, 0));
        }
        // Odd tasks minimised −x_j: their bound is −(upper bound).
        for (int t = 1; t < tasks; t += 2) r[t] = -r[t];
        return r;
    }

    /** One objective {@code coefs·x[vars] + constant}, minimised. */
    private record Row(int[] vars, double[] coefs, double constant) {}

    @FunctionalInterface
    private interface Objectives {
        Row row(int task, int[] vars);
    }

    /**
     * Minimises {@code tasks} objectives over one encoded model, shared among up to {@code threads} workers
     * (each encodes its own copy), and returns their safe lower bounds in task order.
     */
    private double[] solve(int node, int tasks, java.util.function.Function<LpSolver, int[]> encoder, Objectives objectives) {
        long start = System.nanoTime();
        int workers = Math.min(threads, tasks);
        double[] result = new double[tasks];
        AtomicInteger next = new AtomicInteger();
        long[] encode = new long[workers], solve = new long[workers], iterations = new long[workers];
        IntFunction<Void> work = w -> {
            long t0 = System.nanoTime();
            try (OrToolsLpSolver solver = new OrToolsLpSolver(backend)) {
                if (!solverParameters.isEmpty() && !solver.setSolverParameters(solverParameters))
                    throw new IllegalArgumentException(backend.cliName() + " rejected the parameters '" + solverParameters + "'");
                int[] vars = encoder.apply(solver);
                encode[w] = System.nanoTime() - t0;
                for (int t; (t = next.getAndIncrement()) < tasks; ) {
                    checkpoint.run();
                    Row row = objectives.row(t, vars);
                    solver.setObjective(row.vars(), row.coefs(), row.constant(), true);
                    LpSolution s = solver.solve(limitPerSolve);
                    result[t] = backend.mixedInteger() ? s.bestBound() : SafeBound.of(solver.model(), s);
                    solve[w] += s.nanos();
                    iterations[w] += s.iterations();
                }
            }
            return null;
        };
        if (workers == 1) {
            work.apply(0);
        } else {
            runParallel(workers, work);
        }
        stats.add(new LayerStats(node, tasks / (node == net.output().id() ? 1 : 2), tasks, workers,
                Arrays.stream(encode).sum(), Arrays.stream(solve).sum(), System.nanoTime() - start, Arrays.stream(iterations).sum()));
        return result;
    }

    /**
     * Runs the workers on daemon threads and waits for them. When the caller is interrupted (a verifier past its
     * deadline) the workers are interrupted too — each checks between LPs — and the caller sees a
     * {@link CancellationException}; a worker's failure is rethrown after all have stopped.
     */
    private void runParallel(int workers, IntFunction<Void> work) {
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> Thread.ofPlatform().daemon().name("verity-lp").unstarted(r));
        Runnable callerCheck = checkpoint;
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int id = w;
                // A worker checks its own interrupt flag (set by shutdownNow) as well as the caller's checkpoint.
                futures.add(pool.submit(() -> {
                    if (Thread.currentThread().isInterrupted()) throw new CancellationException("LP worker interrupted");
                    return work.apply(id);
                }));
            }
            RuntimeException failure = null;
            for (Future<Void> f : futures) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    pool.shutdownNow();
                    Thread.currentThread().interrupt();
                    callerCheck.run();
                    throw new CancellationException("LP bounds interrupted");
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    if (failure == null) failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
            if (failure != null) throw failure;
        } finally {
            pool.shutdownNow();
        }
    }
}
