package dev.verity.bounds;

import dev.verity.lp.LpBounds;
import dev.verity.lp.TriangleLp;
import dev.verity.relax.Interval;
import dev.verity.relax.ReluRelaxation;
import dev.verity.spec.Objective;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The exact-LP presets of the engine ({@link Method#lp()}): which intermediate bounds they use and how the
 * LPs are set up. The LPs themselves ({@link LpBounds}, {@link TriangleLp}) live in {@code dev.verity.lp};
 * this class gives them the engine's cheaper bounds and its interrupt check.
 *
 * <ul>
 *   <li>{@code lp-last}: DeepZ's intermediate bounds (paper 000: LP-LAST uses the greedy solver's), the
 *       objective by the Triangle LP.</li>
 *   <li>{@code lp-last-crown}: the same with CROWN's intermediate bounds.</li>
 *   <li>{@code lp-all} / {@code parallelogram}: for each pre-activation node in order, the cheaper bounds
 *       are IBP ∩ DeepZ ∩ CROWN (each as the engine computes them alone) ∩ CROWN's back-substitution over
 *       the LP-tightened bounds of the nodes before; then the neurons that matter are bounded by the LP over
 *       the Triangle (Parallelogram) relaxation of all layers before the node, intersected with the cheaper
 *       bounds. Starting inside DeepZ's and CROWN's bounds makes the theorem orderings hold exactly:
 *       lp-all's LP is contained in lp-last's and in the Triangle LP over CROWN's bounds, so
 *       lp-all >= lp-last >= deepz and lp-all >= crown (up to the LP's safe-bound slack).</li>
 * </ul>
 * Upper bounds of the objective: by the LP on the negated objective, or, for {@link BoundEngine#boundLower}
 * (a verifier needs tight lower bounds only), by CROWN's back-substitution over the same intermediate
 * bounds (sound, cheaper).
 */
final class LpPresets {
    record Result(Map<Integer, Interval> intermediate, double[] lower, double[] upper) {}

    private final BoundEngine engine;

    LpPresets(BoundEngine engine) {
        this.engine = engine;
    }

    Result bound(Method method, Interval box, List<IntervalTensor> ibp, Objective objective, boolean optimiseUpper) {
        TriangleLp.Relaxation relaxation = method.lp() == Method.Lp.PARALLELOGRAM_ALL ? TriangleLp.Relaxation.PARALLELOGRAM
                : TriangleLp.Relaxation.TRIANGLE;
        LpBounds lp = new LpBounds(engine.network(), box, relaxation, Runtime.getRuntime().availableProcessors(),
                BoundEngine::checkInterrupted, engine.options().lpBackend());
        Map<Integer, Interval> pre = switch (method.lp()) {
            case NONE -> throw new IllegalArgumentException(method + " is not an LP preset");
            case TRIANGLE_LAST -> engine.intermediateBounds(method == Method.LP_LAST ? Method.DEEPZ : Method.CROWN, box, ibp);
            case TRIANGLE_ALL, PARALLELOGRAM_ALL -> layerByLayer(lp, box, ibp);
        };
        double[] lower = lp.lower(pre, objective);
        double[] upper = optimiseUpper ? negate(lp.lower(pre, objective.negate()))
                : negate(engine.backSubstitute(box, pre, ReluRelaxation.ADAPTIVE, objective.negate()));
        return new Result(pre, lower, upper);
    }

    private Map<Integer, Interval> layerByLayer(LpBounds lp, Interval box, List<IntervalTensor> ibp) {
        Map<Integer, Interval> deepz = engine.intermediateBounds(Method.DEEPZ, box, ibp);
        Map<Integer, Interval> crown = engine.intermediateBounds(Method.CROWN, box, ibp);
        List<Integer> nodes = new ArrayList<>(crown.keySet());
        Set<Integer> skip = new HashSet<>();
        for (int id : nodes) if (engine.exactByIntervals(id)) skip.add(id);
        return lp.tighten(nodes, skip, (id, before) -> {
            Interval cheap = counted(counted(ibp.get(id).sample0(), deepz.get(id)), crown.get(id));
            if (skip.contains(id)) return cheap;
            return counted(cheap, engine.backSubstituteNode(box, before, ReluRelaxation.ADAPTIVE, id));
        });
    }

    /** {@link #intersect}, its crossings counted by the engine ({@link BoundEngine#crossingsResolved}). */
    private Interval counted(Interval a, Interval b) {
        engine.countCrossings(a.crossings(b));
        return intersect(a, b);
    }

    /**
     * The intersection of two sound bounds. Computed without outward rounding they can cross by rounding
     * error where the true range is (nearly) a point; there both ends are kept (the hull of the crossing).
     */
    static Interval intersect(Interval a, Interval b) {
        double[] l = new double[a.size()], u = new double[a.size()];
        for (int i = 0; i < l.length; i++) {
            double lo = Math.max(a.lower(i), b.lower(i)), hi = Math.min(a.upper(i), b.upper(i));
            l[i] = Math.min(lo, hi);
            u[i] = Math.max(lo, hi);
        }
        return new Interval(l, u);
    }

    private static double[] negate(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = -v[i];
        return r;
    }
}
