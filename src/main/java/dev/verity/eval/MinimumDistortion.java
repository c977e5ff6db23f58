package dev.verity.eval;

import dev.verity.attack.Counterexamples;
import dev.verity.attack.Pgd;
import dev.verity.attack.PgdOptions;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.BoundResult;
import dev.verity.bounds.Method;
import dev.verity.lp.LpSolution;
import dev.verity.lp.LpStatus;
import dev.verity.lp.OrToolsLpSolver;
import dev.verity.lp.Sense;
import dev.verity.lp.TriangleLp;
import dev.verity.milp.MilpOptions;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.Objective;
import dev.verity.spec.VnnlibProperty;
import dev.verity.verify.CaseBounds;
import dev.verity.verify.RobustnessProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoublePredicate;

/**
 * The minimum adversarial L∞ distortion of one input (paper 000 Sec. 6.2 and Table 2; paper 004): the smallest ε
 * such that some x' with ‖x' − x‖∞ <= ε (inside the data domain) is classified other than the label.
 * <ul>
 *   <li>certified lower bounds: the largest ε an incomplete method verifies, by bisection (000 Fig. 3 — a method
 *       that verifies ε verifies every smaller ε when its bounds shrink with the box, since the boxes are nested: a
 *       theorem for ibp, hbox, crown-0, lp-all, parallelogram, observed but not proven for the presets with adaptive
 *       slopes, see {@link RadiusEvaluation}; the result is a verified ε in every case);</li>
 *   <li>an upper bound: the smallest ε at which PGD finds a counterexample the forward passes confirm, by bisection;</li>
 *   <li>the exact value: per other class j a MILP with ε as a variable (004), min ε subject to
 *       {@code x0 − ε <= x' <= x0 + ε}, x' in the domain, {@code y_j(x') >= y_label(x')}, over the box of radius
 *       {@code upper} (the answer is at most that), its big-M from the bound engine's bounds on that box; classes the
 *       bound engine already excludes on that box are skipped; the minimum over j.</li>
 * </ul>
 * Bisection stops when the bracket is narrower than {@code tolerance}; the lower bound returned is the largest ε
 * verified, the upper the smallest attacked, so both are what they claim whatever the tolerance.
 */
public final class MinimumDistortion {

    /**
     * What the MILPs established: the minimum distortion lies in [lower, upper]; with {@code optimal} (every class's
     * MILP solved) the two meet (up to the solver's gap tolerance) and upper is the exact value.
     *
     * @param upper the best distortion found (a point of the MILP; at most the PGD bound it started from)
     * @param lower the solvers' proven lower bound
     */
    public record Exact(double upper, double lower, boolean optimal, long nodes, long nanos) {
        /** The exact minimum distortion, NaN unless proven. */
        public double exact() { return optimal ? upper : Double.NaN; }
    }

    private final Network net;
    private final BoundEngine engine;
    private final double[] domain;
    private final double tolerance;

    /** @param domain {lo, hi} of every input coordinate (images: {0, 1}); @param tolerance bisection width */
    public MinimumDistortion(Network net, BoundEngine engine, double[] domain, double tolerance) {
        if (!(tolerance > 0)) throw new IllegalArgumentException("tolerance must be > 0, got " + tolerance);
        this.net = net;
        this.engine = engine;
        this.domain = domain.clone();
        this.tolerance = tolerance;
    }

    private VnnlibProperty property(double[] x, int label, double eps) {
        return RobustnessProperty.of(x, eps, label, net.outputShape().numel(), domain);
    }

    /**
     * The largest ε in [0, hi] that {@code method} certifies (bisection; 0 if it certifies nothing above 0). The SDP
     * preset warm-starts each ε from the multipliers of the one before ({@link #withWarmStarts}).
     */
    public double certifiedLower(double[] x, int label, Method method, double hi) {
        MinimumDistortion search = withWarmStarts();
        return largestCertified(eps -> search.verifies(x, label, method, eps), hi, tolerance);
    }

    /** The same search over an engine view that carries the SDP's multipliers from one call to the next (one image's bisection). */
    public MinimumDistortion withWarmStarts() {
        return new MinimumDistortion(net, engine.withWarmStarts(), domain, tolerance);
    }

    /**
     * The bisection behind {@link #certifiedLower}, for any certificate {@code certifies(ε)}: the largest ε in [0, hi]
     * it accepts, to within {@code tolerance}. The result is always 0 or an ε that {@code certifies} accepted, so it is a
     * certified radius whatever happens; it is the <em>largest</em> one when acceptance is monotone (accepting ε implies
     * accepting every smaller ε), which nested boxes give for a method whose bounds shrink with the box (see
     * {@code RadiusEvaluation} for which presets that is a theorem for). It evaluates the certificate at most
     * {@code 1 + ceil(log2(hi / tolerance))} times, at {@code hi} first.
     */
    public static double largestCertified(DoublePredicate certifies, double hi, double tolerance) {
        double lo = 0;
        if (certifies.test(hi)) return hi;
        while (hi - lo > tolerance) {
            double mid = 0.5 * (lo + hi);
            if (certifies.test(mid)) lo = mid; else hi = mid;
        }
        return lo;
    }

    /** Whether {@code method}'s certificate holds on the L∞ ball of radius {@code eps} around x (clipped to the domain). */
    public boolean verifies(double[] x, int label, Method method, double eps) {
        var c = property(x, label, eps).cases().getFirst();
        return CaseBounds.compute(engine, method, c.input(), c.unsafe(), false).verified();
    }

    /** The smallest ε in [0, hi] at which PGD finds a confirmed counterexample (bisection); +inf if none at hi. */
    public double attackUpper(double[] x, int label, PgdOptions pgd, double hi) {
        return smallestRefuted(eps -> attacked(x, label, pgd, eps), hi, tolerance);
    }

    /**
     * The bisection behind {@link #attackUpper}, for any refutation {@code refutes(ε)}: the smallest ε in [0, hi] it
     * succeeds at, to within {@code tolerance} (+inf when it fails at hi). The result is always an ε where it succeeded.
     */
    public static double smallestRefuted(DoublePredicate refutes, double hi, double tolerance) {
        if (!refutes.test(hi)) return Double.POSITIVE_INFINITY;
        double lo = 0;
        while (hi - lo > tolerance) {
            double mid = 0.5 * (lo + hi);
            if (refutes.test(mid)) hi = mid; else lo = mid;
        }
        return hi;
    }

    /** Whether PGD finds a counterexample in the ball of radius {@code eps} that the double and float32 passes confirm. */
    public boolean attacked(double[] x, int label, PgdOptions pgd, double eps) {
        VnnlibProperty p = property(x, label, eps);
        return Pgd.attack(net, p, pgd).counterexample().flatMap(c -> Counterexamples.confirm(net, p, c.input())).isPresent();
    }

    /** The exact minimum distortion by MILP (paper 004) within {@code upper}, every class's MILP limited by {@code deadline}. */
    public Exact exact(double[] x, int label, double upper, MilpOptions options, Instant deadline) {
        long start = System.nanoTime();
        int outputs = net.outputShape().numel();
        VnnlibProperty p = property(x, label, upper);
        var region = p.cases().getFirst();
        Interval box = new Interval(region.input().lower(), region.input().upper());
        List<LinearConstraint> rows = new ArrayList<>();
        for (var d : region.unsafe()) rows.addAll(d.rows());
        BoundResult bounds = engine.bound(Method.CROWN, box, Objective.of(rows, outputs));
        double best = upper, bestBound = Double.POSITIVE_INFINITY;
        boolean optimal = true;
        long nodes = 0;
        for (int r = 0; r < rows.size(); r++) {
            if (bounds.lower()[r] > 0) continue; // class j cannot win anywhere in the box of radius upper
            try (OrToolsLpSolver solver = new OrToolsLpSolver(options.backend())) {
                if (!options.parameters().isEmpty()) solver.setSolverParameters(options.parameters());
                int[][] vars = new TriangleLp(net, box, bounds.intermediate(), dev.verity.milp.MilpEncoding.BIG_M).encodeNodes(solver, net.output().id());
                int[] in = vars[net.input().id()], out = vars[net.output().id()];
                int e = solver.addVariable("eps", 0, best); // a class can only improve on the best so far
                for (int i = 0; i < in.length; i++) {
                    solver.addConstraint(null, new int[]{in[i], e}, new double[]{1, -1}, Sense.LE, x[i]);
                    solver.addConstraint(null, new int[]{in[i], e}, new double[]{1, 1}, Sense.GE, x[i]);
                }
                LinearConstraint row = rows.get(r); // y_label − y_j <= 0: class j at least as high
                int[] v = out.clone();
                double[] a = row.c();
                solver.addConstraint(null, v, a, Sense.LE, -row.d());
                solver.setObjective(new int[]{e}, new double[]{1}, 0, true);
                LpSolution s = solver.solve(remaining(deadline));
                nodes += s.nodes();
                if (s.status() == LpStatus.INFEASIBLE) continue; // no better than the best so far for this class
                if (s.status() != LpStatus.OPTIMAL) optimal = false;
                bestBound = Math.min(bestBound, s.bestBound());
                if (s.hasSolution()) {
                    double[] primal = s.primal(), point = new double[in.length];
                    for (int i = 0; i < in.length; i++) point[i] = primal[in[i]];
                    double reached = recheck(x, point, row);
                    if (reached < best) best = reached;
                    else if (!(reached >= 0)) optimal = false; // the solver's point fails the forward pass: its value is not an upper bound
                }
            }
        }
        bestBound = Math.max(0, Math.min(bestBound, best));
        return new Exact(best, bestBound, optimal, nodes, System.nanoTime() - start);
    }

    /**
     * The distortion that a MILP point demonstrates, re-checked by a concrete forward pass: its L∞ distance from x if
     * the network's output there has the row's class at least as high as the label's up to the solver's tolerance
     * ({@link #BOUNDARY}: the optimum lies on the decision boundary, where a tie is the exact answer), NaN if not —
     * then the point's objective value is not taken as an upper bound.
     */
    private double recheck(double[] x, double[] point, LinearConstraint row) {
        double dist = 0;
        for (int i = 0; i < x.length; i++) dist = Math.max(dist, Math.abs(point[i] - x[i]));
        double[] y = dev.verity.model.Forward.evaluate(net, new dev.verity.tensor.Tensor(point.clone(), net.inputShape().dims())).data();
        double v = row.d(), scale = Math.abs(row.d());
        for (int k = 0; k < y.length; k++) {
            v += row.c()[k] * y[k];
            scale += Math.abs(row.c()[k] * y[k]);
        }
        return v <= BOUNDARY * Math.max(1, scale) ? dist : Double.NaN;
    }

    /** How far past the decision boundary (relative to the output's scale) a MILP point may be and still count: the solver's feasibility tolerance. */
    static final double BOUNDARY = 1e-6;

    private static Duration remaining(Instant deadline) {
        Duration d = Duration.between(Instant.now(), deadline);
        return d.isNegative() ? Duration.ofMillis(1) : d;
    }
}
