package dev.verity.milp;

import dev.verity.lp.LpBackend;
import dev.verity.lp.LpBounds;
import dev.verity.lp.TriangleLp;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.relax.Interval;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Paper 004 Sec. 4.2, progressive bounds tightening: the big-M constants of the MILP are the bounds of the
 * pre-activation neurons, and tight ones matter more than anything else (004 Table 1), but the tightest — a MILP
 * per neuron — are expensive. So, layer by layer: start from the bound engine's bounds; a neuron they make stable
 * is done (its ReLU is linear, no bound refinement can change the encoding); for the others an LP over the Triangle
 * relaxation of the layers before (with the bounds refined so far); for those still unstable a MILP with a time
 * limit per neuron side — its best bound, whatever the solver reached. Every refinement is intersected with the
 * bounds before it, so a cut-short solve never loosens anything. Only nodes read solely by (leaky) ReLUs are
 * refined (elsewhere every neuron's bounds matter and the engine's are kept); nodes with no nonlinearity before
 * them are exact already (a linear function of the box, which back-substitution bounds exactly).
 *
 * <p>The LP bounds are rigorous (safe bounds from the duals); the MILP bounds are valid up to the MILP solver's
 * tolerances (docs/verification.md).
 */
public final class ProgressiveTightening {

    /**
     * How one pre-activation node's neurons were settled.
     *
     * @param unstableBefore unstable under the bound engine's bounds (the rest were stable already)
     * @param fixedByLp      made stable by their LP
     * @param fixedByMilp    made stable by their MILP
     * @param unstable       still unstable (their bounds may still have been tightened)
     * @param milpSkipped    left unrefined by their last step (the MILP, or the LP in lp mode) because the deadline came first
     * @param crossings      refined bounds that crossed the ones before (solver tolerance): the ones before were kept
     */
    public record LayerReport(int node, String name, int neurons, int unstableBefore, int fixedByLp, int fixedByMilp, int unstable,
                              int milpSkipped, long lpNanos, long milpNanos, int crossings) {}

    /** The refined bounds (every node of the initial map) and what each step did. */
    public record Result(Map<Integer, Interval> bounds, List<LayerReport> layers, long nanos) {
        public Result {
            bounds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(bounds));
            layers = List.copyOf(layers);
        }
        public int unstableBefore() { return layers.stream().mapToInt(LayerReport::unstableBefore).sum(); }
        public int fixedByLp() { return layers.stream().mapToInt(LayerReport::fixedByLp).sum(); }
        public int fixedByMilp() { return layers.stream().mapToInt(LayerReport::fixedByMilp).sum(); }
        public int unstable() { return layers.stream().mapToInt(LayerReport::unstable).sum(); }
        public long lpNanos() { return layers.stream().mapToLong(LayerReport::lpNanos).sum(); }
        public long milpNanos() { return layers.stream().mapToLong(LayerReport::milpNanos).sum(); }
        public int crossings() { return layers.stream().mapToInt(LayerReport::crossings).sum(); }
    }

    private final Network net;
    private final Interval box;
    private final MilpOptions options;
    private final Runnable checkpoint;

    /** Neurons per solver in one call of the LP step: large enough that building the encoding is a small part of it. */
    static final int LP_CHUNK = 32;

    /** @param checkpoint called between solves; throws to abandon the computation (e.g. at a verifier's deadline) */
    public ProgressiveTightening(Network net, Interval box, MilpOptions options, Runnable checkpoint) {
        TriangleLp.exactlyEncodable(net).ifPresent(why -> { throw new dev.verity.InvalidInputException("MILP: " + why); });
        this.net = net;
        this.box = box;
        this.options = options;
        this.checkpoint = checkpoint;
    }

    /**
     * Whether {@link #tighten} could change anything in {@code bounds}: a mode other than none and an unstable neuron in a
     * layer it refines (one after a nonlinear layer; the first layer's bounds over a box are exact already). When not,
     * a caller gives the MILP all its time instead of keeping some for a tightening that cannot help. {@code lpDone} as for
     * {@link #tighten}: LP-only tightening of LP bounds changes nothing.
     */
    public boolean hasWork(Map<Integer, Interval> bounds, boolean lpDone) {
        MilpOptions.Tightening mode = options.tightening();
        if (mode == MilpOptions.Tightening.NONE || (mode == MilpOptions.Tightening.LP_ONLY && lpDone)) return false;
        for (var e : bounds.entrySet()) if (refines(e.getKey()) && e.getValue().unstableCount() > 0) return true;
        return false;
    }

    /**
     * Refines {@code initial} (sound bounds of pre-activation nodes by node id, e.g. a bound engine's intermediate
     * bounds) per {@link MilpOptions#tightening()}. LPs and MILPs stop being started at {@code deadline} (the neurons left
     * keep the bounds they have); {@code lpDone}: the initial bounds are LP bounds already (lp-all), so the LP step is skipped.
     */
    public Result tighten(Map<Integer, Interval> initial, boolean lpDone, Instant deadline) {
        long start = System.nanoTime();
        MilpOptions.Tightening mode = options.tightening();
        boolean lp = !lpDone && (mode == MilpOptions.Tightening.LP_ONLY || mode == MilpOptions.Tightening.PROGRESSIVE);
        boolean milp = mode == MilpOptions.Tightening.PROGRESSIVE || mode == MilpOptions.Tightening.MILP_ALL;
        Map<Integer, Interval> current = new TreeMap<>(initial); // node ids are topological
        List<LayerReport> reports = new ArrayList<>();
        LpBounds lps = new LpBounds(net, box, TriangleLp.Relaxation.TRIANGLE, options.threads(), checkpoint, LpBackend.GLOP);
        // Progressive mode asks each neuron's MILP only whether its sign can be fixed (004: refine a bound only where that
        // can change the formulation): the solve stops at the first point on the other side of 0, which for a neuron
        // that really is unstable the heuristics find within milliseconds. MILP_ALL (the ablation) solves each bound out.
        String stop = mode == MilpOptions.Tightening.PROGRESSIVE ? options.backend().stopWhenDecided(0) : "";
        LpBounds milps = new LpBounds(net, box, MilpEncoding.BIG_M, options.threads(), checkpoint, options.backend(), options.neuronBudget(),
                stop);
        for (int id : new ArrayList<>(current.keySet())) {
            if (!refines(id)) continue;
            Interval b = current.get(id);
            int[] unstable = unstable(b, allNeurons(b.size()));
            int before = unstable.length;
            long t0 = System.nanoTime();
            int skipped = 0;
            int[] crossings = {0};
            if (lp && unstable.length > 0) {
                // LP_CHUNK neurons per solver and call (the encoding is built once per call), so that a layer whose LPs do
                // not fit in the time stops between chunks; its other neurons keep their bounds (sound, looser).
                skipped = refineInChunks(id, unstable, LP_CHUNK * options.threads(), lps, current, deadline, crossings);
            }
            int[] afterLp = unstable(current.get(id), unstable);
            long t1 = System.nanoTime();
            int[] left = afterLp;
            if (milp && afterLp.length > 0) {
                // One neuron per solver and call, so that the deadline stops the refinement between MILPs.
                skipped = Math.max(skipped, refineInChunks(id, afterLp, options.threads(), milps, current, deadline, crossings));
                left = unstable(current.get(id), afterLp);
            }
            long t2 = System.nanoTime();
            reports.add(new LayerReport(id, net.node(id).name(), b.size(), before, before - afterLp.length, afterLp.length - left.length,
                    left.length, skipped, t1 - t0, t2 - t1, crossings[0]));
        }
        return new Result(current, reports, System.nanoTime() - start);
    }

    /**
     * Refines node {@code id}'s bounds in {@code current} for {@code neurons}, {@code chunk} at a time with {@code solver},
     * starting no chunk past {@code deadline}; returns how many neurons were left unrefined. Adds the refinements that
     * crossed the bounds before to {@code crossings[0]}.
     */
    private int refineInChunks(int id, int[] neurons, int chunk, LpBounds solver, Map<Integer, Interval> current, Instant deadline,
                               int[] crossings) {
        for (int s = 0; s < neurons.length; s += chunk) {
            if (Instant.now().isAfter(deadline)) return neurons.length - s;
            int[] part = java.util.Arrays.copyOfRange(neurons, s, Math.min(neurons.length, s + chunk));
            current.put(id, refine(current.get(id), part, solver.neuronBounds(id, part, earlier(current, id)), crossings));
        }
        return 0;
    }

    /** Whether tightening refines node {@code id}: read only by (leaky) ReLUs, and after a nonlinear layer. */
    private boolean refines(int id) {
        return LpBounds.onlyReluReaders(net, id) && hasNonlinearAncestor(id);
    }

    /** The bounds of the nodes before {@code id} (what the encoding of id's ancestors uses). */
    private static Map<Integer, Interval> earlier(Map<Integer, Interval> current, int id) {
        Map<Integer, Interval> m = new LinkedHashMap<>();
        current.forEach((k, v) -> { if (k < id) m.put(k, v); });
        return m;
    }

    /**
     * Intersects bounds [lo_0, hi_0, lo_1, ...] of the listed neurons into {@code b}; a tolerance-level crossing keeps the
     * old bounds and is counted in {@code crossings[0]}.
     */
    private static Interval refine(Interval b, int[] neurons, double[] bounds, int[] crossings) {
        double[] lo = b.lower().clone(), hi = b.upper().clone();
        for (int k = 0; k < neurons.length; k++) {
            int j = neurons[k];
            double l = Math.max(lo[j], bounds[2 * k]), u = Math.min(hi[j], bounds[2 * k + 1]);
            if (l <= u) {
                lo[j] = l;
                hi[j] = u;
            } else if (!Double.isNaN(l) && !Double.isNaN(u)) { // (a solve without a bound is no disagreement)
                crossings[0]++;
            }
        }
        return new Interval(lo, hi);
    }

    private static int[] allNeurons(int n) { return java.util.stream.IntStream.range(0, n).toArray(); }

    private static int[] unstable(Interval b, int[] among) {
        return java.util.Arrays.stream(among).filter(j -> b.lower(j) < 0 && b.upper(j) > 0).toArray();
    }

    /** Whether a nonlinear layer (an activation or max-pool) lies before node {@code id}. */
    private boolean hasNonlinearAncestor(int id) {
        boolean[] seen = new boolean[net.nodes().size()];
        java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>(net.node(id).inputs());
        while (!todo.isEmpty()) {
            int k = todo.pop();
            if (seen[k]) continue;
            seen[k] = true;
            Node n = net.node(k);
            if (n.layer().isNonlinear()) return true;
            todo.addAll(n.inputs());
        }
        return false;
    }
}
