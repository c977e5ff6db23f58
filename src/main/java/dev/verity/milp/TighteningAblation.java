package dev.verity.milp;

import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.relax.Interval;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Paper 004 Table 1: the ablation of the MILP verifier — the time to find the big-M bounds ("input bounds"), the
 * time of the main MILP and the branch-and-bound nodes it explores, with each ingredient removed in turn. Verity's
 * variants: the control (CROWN bounds on G(x), progressive tightening), no progressive tightening (a MILP for every
 * unstable neuron), bounds found over the whole data domain instead of G(x) (then the main MILP over G(x) with
 * them), and no tight formulation (interval bounds over the domain, untightened: the loose big-M of a naive encoding).
 */
public final class TighteningAblation {

    public enum Variant {
        CONTROL("control (progressive tightening)"),
        NO_PROGRESSIVE("no progressive tightening (MILP per unstable neuron)"),
        NO_REGION("bounds over the data domain, not G(x)"),
        NO_TIGHT("no tight formulation (interval bounds over the domain)");

        private final String label;

        Variant(String label) { this.label = label; }

        public String label() { return label; }
    }

    /** One (property, variant) run: the bounds time, the main MILP's time and nodes, and its answer. */
    public record Run(Variant variant, double boundsSeconds, double mainSeconds, long nodes, String answer, int unstable) {}

    private TighteningAblation() {}

    /**
     * Runs {@code variant} on case 0 of {@code property} (a robustness property: all disjuncts, one MILP each).
     *
     * @param domain the data domain (e.g. [0, 1] per pixel) for the variants that ignore G(x)
     */
    public static Run run(BoundEngine engine, VnnlibProperty property, Interval domain, Variant variant, MilpOptions options, Duration mainLimit) {
        Case c = property.cases().getFirst();
        Interval region = new Interval(c.input().lower(), c.input().upper());
        List<LinearConstraint> rows = new ArrayList<>();
        for (Disjunct d : c.unsafe()) rows.addAll(d.rows());
        Objective objective = Objective.of(rows, engine.network().outputShape().numel());
        long t0 = System.nanoTime();
        Interval boundsBox = variant == Variant.CONTROL || variant == Variant.NO_PROGRESSIVE ? region : domain;
        Method initial = variant == Variant.NO_TIGHT ? Method.IBP : Method.CROWN;
        BoundResult start = engine.bound(initial, boundsBox, objective);
        Map<Integer, Interval> bounds = start.intermediate();
        if (variant != Variant.NO_TIGHT) {
            // Over the whole domain nearly every neuron is unstable: MILPs for all of them would take hours, so that
            // variant tightens by LPs only (its point is the looser region, not the solver).
            MilpOptions.Tightening mode = switch (variant) {
                case NO_PROGRESSIVE -> MilpOptions.Tightening.MILP_ALL;
                case NO_REGION -> MilpOptions.Tightening.LP_ONLY;
                case CONTROL, NO_TIGHT -> MilpOptions.Tightening.PROGRESSIVE;
            };
            bounds = new ProgressiveTightening(engine.network(), boundsBox, options.withTightening(mode), () -> {})
                    .tighten(bounds, false, Instant.MAX).bounds();
        }
        int unstable = bounds.values().stream().mapToInt(Interval::unstableCount).sum();
        long t1 = System.nanoTime();
        List<Integer> all = IntStream.range(0, c.unsafe().size()).boxed().toList();
        List<MilpVerifier.Decision> ds = new MilpVerifier(engine.network(), options)
                .decideAll(property, 0, all, bounds, Instant.now().plus(mainLimit));
        long nodes = 0;
        String answer = "verified";
        for (MilpVerifier.Decision d : ds) {
            if (d == null) continue;
            nodes += d.nodes();
            switch (d.outcome()) {
                case COUNTEREXAMPLE -> answer = "falsified";
                case UNDECIDED -> { if (!answer.equals("falsified")) answer = "timeout"; }
                case EXCLUDED -> { }
            }
        }
        return new Run(variant, (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9, nodes, answer, unstable);
    }
}
