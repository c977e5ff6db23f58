package dev.verity.milp;

import dev.verity.attack.Counterexample;
import dev.verity.attack.Counterexamples;
import dev.verity.lp.LpSolution;
import dev.verity.lp.LpStatus;
import dev.verity.lp.OrToolsLpSolver;
import dev.verity.lp.Sense;
import dev.verity.lp.TriangleLp;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The complete check of paper 004: is an unsafe disjunct {@code c_r·y + d_r <= 0 (all r)} reachable from a case's
 * input box? The network is encoded exactly ({@link MilpEncoding}: a binary per unstable ReLU, big-M
 * constants from the given sound bounds) with one more variable {@code t >= c_r·y + d_r} for every row and
 * {@code t <= 0}: the disjunct is reachable iff this MILP is feasible (004 Sec. 3, the feasibility form). The objective
 * min t steers the search towards violating points, and SCIP stops at the first feasible one (as MIPVerify does),
 * so a decided answer costs no proof of optimality.
 *
 * <p>Infeasible means excluded — a proof up to the solver's tolerances (SCIP: 1e-6 feasibility and integrality).
 * A feasible point is only a candidate: it becomes a counterexample when {@link Counterexamples#confirm} accepts it
 * (inside the box exactly, unsafe in the double and float32 forward passes). A candidate that fails the re-check
 * (a point within tolerance of the boundary, or a binary at 1e-7) triggers a second solve to optimality, whose
 * minimiser is the most violating point; if that one fails too, the answer is undecided.
 */
public final class MilpVerifier {

    public enum Outcome { EXCLUDED, COUNTEREXAMPLE, UNDECIDED }

    /**
     * @param bestBound the solver's lower bound on min t (+inf when infeasible; −inf when it has none)
     * @param detail    what happened, for logs
     */
    public record Decision(Outcome outcome, Optional<Counterexample> counterexample, double bestBound, long nodes, long nanos, String detail) {}

    private final Network net;
    private final MilpOptions options;

    public MilpVerifier(Network net, MilpOptions options) {
        TriangleLp.exactlyEncodable(net).ifPresent(why -> { throw new dev.verity.InvalidInputException("MILP: " + why); });
        this.net = net;
        this.options = options;
    }

    /**
     * Decides disjunct {@code disjunctIndex} of case {@code caseIndex} of {@code property}, given sound bounds of the
     * pre-activation nodes over that case's box, within {@code deadline}. {@code cancel} may interrupt the solve
     * from another thread.
     */
    public Decision decide(VnnlibProperty property, int caseIndex, int disjunctIndex, Map<Integer, Interval> bounds, Instant deadline,
                           Cancel cancel) {
        long start = System.nanoTime();
        Case k = property.cases().get(caseIndex);
        Disjunct d = k.unsafe().get(disjunctIndex);
        Box box = k.input();
        if (d.rows().isEmpty()) { // every output is unsafe: any input of the box is a counterexample
            Optional<Counterexample> c = Counterexamples.confirm(net, property, caseIndex, box.lower());
            return new Decision(c.isPresent() ? Outcome.COUNTEREXAMPLE : Outcome.UNDECIDED, c, Double.NEGATIVE_INFINITY, 0,
                    System.nanoTime() - start, "disjunct without rows");
        }
        try (OrToolsLpSolver solver = new OrToolsLpSolver(options.backend())) {
            if (!cancel.register(solver)) return new Decision(Outcome.UNDECIDED, Optional.empty(), Double.NEGATIVE_INFINITY, 0, 0, "cancelled");
            try {
                int[] in = encode(solver, box, d, bounds, 0);
                String first = options.backend().solutionLimit(1);
                if (!first.isEmpty()) solver.setSolverParameters(first);
                LpSolution s = solver.solve(remaining(deadline));
                long nodes = s.nodes();
                if (s.status() == LpStatus.INFEASIBLE)
                    return new Decision(Outcome.EXCLUDED, Optional.empty(), Double.POSITIVE_INFINITY, nodes, System.nanoTime() - start, "infeasible");
                if (!s.hasSolution())
                    return new Decision(Outcome.UNDECIDED, Optional.empty(), s.bestBound(), nodes, System.nanoTime() - start,
                            cancel.cancelled() ? "cancelled" : "no answer within the time limit (" + s.status() + ")");
                Optional<Counterexample> c = Counterexamples.confirm(net, property, caseIndex, clamp(s.primal(), in, box));
                if (c.isPresent())
                    return new Decision(Outcome.COUNTEREXAMPLE, c, s.bestBound(), nodes, System.nanoTime() - start, "feasible point confirmed");
                // The first point sits within tolerance of the boundary: ask for the most violating one.
                if (!first.isEmpty()) solver.setSolverParameters(options.backend().solutionLimit(-1));
                LpSolution opt = solver.solve(remaining(deadline));
                nodes += opt.nodes();
                // The solver first called the problem feasible, now infeasible: the optimum lies within its tolerances
                // of the boundary, where neither answer can be trusted. Never a proof (issue 17's evidence policy).
                if (opt.status() == LpStatus.INFEASIBLE)
                    return new Decision(Outcome.UNDECIDED, Optional.empty(), Double.NEGATIVE_INFINITY, nodes, System.nanoTime() - start,
                            "infeasible after a first point the re-check rejected: the solver contradicts itself within its tolerances");
                if (opt.hasSolution()) {
                    c = Counterexamples.confirm(net, property, caseIndex, clamp(opt.primal(), in, box));
                    if (c.isPresent())
                        return new Decision(Outcome.COUNTEREXAMPLE, c, opt.bestBound(), nodes, System.nanoTime() - start, "optimal point confirmed");
                }
                return new Decision(Outcome.UNDECIDED, Optional.empty(), opt.bestBound(), nodes, System.nanoTime() - start,
                        "the MILP's points fail the forward-pass re-check (min t = " + opt.objective() + ", within solver tolerance of 0)");
            } finally {
                cancel.unregister(solver);
            }
        }
    }

    /**
     * Decides the listed disjuncts of one case, {@link MilpOptions#threads()} at a time (one solver each; SCIP is
     * single-threaded), easiest first as the caller orders them. Once one is falsified the others are cancelled
     * (their decisions say so). Returns the decisions in the order given.
     */
    public java.util.List<Decision> decideAll(VnnlibProperty property, int caseIndex, java.util.List<Integer> disjuncts,
                                              Map<Integer, Interval> bounds, Instant deadline) {
        Cancel cancel = new Cancel();
        Decision[] out = new Decision[disjuncts.size()];
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < out.length; ) {
                Decision d = decide(property, caseIndex, disjuncts.get(i), bounds, deadline, cancel);
                out[i] = d;
                if (d.outcome() == Outcome.COUNTEREXAMPLE) cancel.cancel();
            }
        };
        int workers = Math.min(options.threads(), out.length);
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        RuntimeException[] failure = new RuntimeException[1];
        for (int w = 1; w < workers; w++)
            threads.add(Thread.ofPlatform().daemon().name("verity-milp").start(() -> {
                try {
                    worker.run();
                } catch (RuntimeException e) {
                    synchronized (failure) { if (failure[0] == null) failure[0] = e; }
                    cancel.cancel();
                }
            }));
        try {
            worker.run();
        } catch (RuntimeException e) {
            cancel.cancel();
            throw e;
        } finally {
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    cancel.cancel();
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (failure[0] != null) throw failure[0];
        return java.util.Arrays.asList(out);
    }

    /**
     * Encodes the network over {@code box} exactly, adds {@code t >= c_r·y + d_r} for every row of {@code d} with
     * {@code t <= tMax}, sets min t and the user's parameters; returns the input variables (t is the last variable).
     */
    private int[] encode(OrToolsLpSolver solver, Box box, Disjunct d, Map<Integer, Interval> bounds, double tMax) {
        TriangleLp encoding = new TriangleLp(net, new Interval(box.lower(), box.upper()), bounds, MilpEncoding.BIG_M);
        int[][] vars = encoding.encodeNodes(solver, net.output().id());
        int[] in = vars[net.input().id()], out = vars[net.output().id()];
        int t = solver.addVariable("t", Double.NEGATIVE_INFINITY, tMax);
        for (LinearConstraint r : d.rows()) {
            // t − c·y >= d, i.e. t >= c·y + d
            int[] v = new int[out.length + 1];
            double[] a = new double[out.length + 1];
            v[0] = t;
            a[0] = 1;
            for (int j = 0; j < out.length; j++) {
                v[j + 1] = out[j];
                a[j + 1] = -r.coefficient(j);
            }
            solver.addConstraint(null, v, a, Sense.GE, r.d());
        }
        solver.setObjective(new int[]{t}, new double[]{1}, 0, true);
        if (!options.parameters().isEmpty() && !solver.setSolverParameters(options.parameters()))
            throw new dev.verity.InvalidInputException(options.backend().cliName() + " rejected the parameters '" + options.parameters() + "'");
        return in;
    }

    /**
     * The exact minimum over the box of a disjunct's largest row, {@code min_x max_r (c_r·y(x) + d_r)}, by solving the
     * MILP to optimality within {@code deadline}.
     *
     * @param value   the best point's objective as the solver reports it (NaN without a point)
     * @param bound   the solver's lower bound on the minimum (equal to value, up to tolerance, when optimal)
     * @param point   the best input found (null without one), inside the box
     * @param optimal whether the solver proved optimality
     */
    public record Minimum(double value, double bound, double[] point, boolean optimal, long nodes, long nanos) {}

    public Minimum minimum(Box box, Disjunct d, Map<Integer, Interval> bounds, Instant deadline) {
        if (d.rows().isEmpty()) throw new IllegalArgumentException("a disjunct without rows has no minimum");
        long start = System.nanoTime();
        try (OrToolsLpSolver solver = new OrToolsLpSolver(options.backend())) {
            int[] in = encode(solver, box, d, bounds, Double.POSITIVE_INFINITY);
            LpSolution s = solver.solve(remaining(deadline));
            if (s.status() == LpStatus.INFEASIBLE)
                throw new IllegalStateException("the MILP over a non-empty box is infeasible: the given bounds are not sound for it");
            double[] x = s.hasSolution() ? clamp(s.primal(), in, box) : null;
            return new Minimum(s.hasSolution() ? s.objective() : Double.NaN, s.bestBound(), x, s.status() == LpStatus.OPTIMAL, s.nodes(),
                    System.nanoTime() - start);
        }
    }

    /** The input variables' values, moved into the box (solvers may overstep a bound by their tolerance). */
    static double[] clamp(double[] primal, int[] in, Box box) {
        double[] x = new double[in.length], lo = box.lower(), hi = box.upper();
        for (int i = 0; i < x.length; i++) x[i] = Math.min(hi[i], Math.max(lo[i], primal[in[i]]));
        return x;
    }

    static Duration remaining(Instant deadline) {
        Duration d = Duration.between(Instant.now(), deadline);
        return d.isNegative() ? Duration.ofMillis(1) : d;
    }

    /** Lets another thread stop the solves of a group (e.g. once one disjunct is falsified, the others are moot). */
    public static final class Cancel {
        private final java.util.Set<OrToolsLpSolver> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private volatile boolean cancelled;

        /** Registers a solver; false when already cancelled (then it must not start). */
        synchronized boolean register(OrToolsLpSolver s) {
            if (cancelled) return false;
            running.add(s);
            return true;
        }

        synchronized void unregister(OrToolsLpSolver s) { running.remove(s); }

        /** Interrupts every running solve and keeps new ones from starting. */
        public synchronized void cancel() {
            cancelled = true;
            for (OrToolsLpSolver s : running) s.interrupt();
        }

        public boolean cancelled() { return cancelled; }
    }
}
