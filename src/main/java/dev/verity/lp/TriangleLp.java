package dev.verity.lp;

import dev.verity.bounds.Interval;
import dev.verity.bounds.Objective;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.tensor.ConvGeometry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The LP relaxation of a ReLU network over an input box with fixed intermediate bounds — paper 000's
 * problem (C) with the tightest single-neuron relaxation, the Triangle (its LP-LAST when the intermediate
 * bounds come from the greedy solver, LP-ALL when they come from LPs themselves) — and its sound lower
 * bounds. One variable per neuron of every node; linear layers as equalities with the network's own
 * (exact double) weights; a stable ReLU exactly (y = x, or y = 0); an unstable one (l < 0 < u) by
 * <ul>
 *   <li>{@link Relaxation#TRIANGLE}: y >= 0, y >= x, y <= u(x − l)/(u − l) — the convex hull of the ReLU
 *       on [l, u], so no linear relaxation of single neurons (CROWN's lines included) is tighter;</li>
 *   <li>{@link Relaxation#PARALLELOGRAM} (paper 003 App. K.1): y >= 0, y >= x, y <= u, y <= x − l.</li>
 * </ul>
 * Every variable gets finite bounds (the safe bound needs them): the box for the input, and
 * outward-rounded interval arithmetic over the LP's own variable bounds elsewhere (implied by the LP, so
 * they do not change its optimum), intersected with the given intermediate bounds of pre-activation
 * nodes (the l <= z <= u of problem (C)). The chord is
 * rounded outwards too, so the LP contains every point the network can reach; {@link SafeBound} then
 * bounds the exact LP. The result is sound given sound intermediate bounds.
 */
public final class TriangleLp {

    public enum Relaxation { TRIANGLE, PARALLELOGRAM }

    /**
     * One objective row's result.
     *
     * @param bound    the safe lower bound (what Verity may use)
     * @param reported the solver's reported optimum (diagnostic only; NaN without a solution)
     */
    public record RowBound(double bound, double reported, LpStatus status, long iterations, long nanos) {}

    /** All rows: {@code lower[i] <= c_i·y + d_i} for every input in the box. */
    public record Result(double[] lower, List<RowBound> rows, int variables, int constraints, long encodeNanos, long nanos) {
        public Result {
            lower = lower.clone();
            rows = List.copyOf(rows);
        }
        @Override public double[] lower() { return lower.clone(); }
        public double minLower() { return Arrays.stream(lower).min().orElse(Double.POSITIVE_INFINITY); }
    }

    private final Network net;
    private final Interval box;
    private final Map<Integer, Interval> intermediate;
    private final Relaxation relaxation;

    /**
     * @param intermediate bounds of the nodes feeding ReLUs, by node id ({@code BoundResult.intermediate()});
     *                     a ReLU whose input has none uses interval bounds (sound, looser)
     */
    public TriangleLp(Network net, Interval box, Map<Integer, Interval> intermediate, Relaxation relaxation) {
        if (box.size() != net.inputShape().numel())
            throw new IllegalArgumentException("input box has " + box.size() + " dimensions, the network " + net.inputShape().numel());
        for (int i = 0; i < box.size(); i++)
            if (!(box.lower(i) <= box.upper(i)) || Double.isInfinite(box.lower(i)) || Double.isInfinite(box.upper(i)))
                throw new IllegalArgumentException("input box must be finite and non-empty, dimension " + i + ": [" + box.lower(i) + ", " + box.upper(i) + "]");
        this.net = net;
        this.box = box;
        this.intermediate = Map.copyOf(intermediate);
        this.relaxation = relaxation;
    }

    /** Lower bounds of every objective row, each by one GLOP solve (warm-started from the previous row) within {@code limitPerRow}. */
    public Result lower(Objective objective, Duration limitPerRow) {
        try (GlopSolver solver = new GlopSolver()) {
            return lower(solver, objective, limitPerRow);
        }
    }

    /** As {@link #lower(Objective, Duration)} on a given, empty solver. */
    public Result lower(LpSolver solver, Objective objective, Duration limitPerRow) {
        if (objective.outputs() != net.outputShape().numel())
            throw new IllegalArgumentException("objective over " + objective.outputs() + " outputs, the network has " + net.outputShape().numel());
        if (solver.model().variables() != 0) throw new IllegalArgumentException("TriangleLp needs an empty solver");
        long start = System.nanoTime();
        int[] out = encode(solver);
        long encode = System.nanoTime() - start;
        int m = objective.rows(), n = out.length;
        double[] c = objective.c().data(), d = objective.d(), lower = new double[m];
        List<RowBound> rows = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            solver.setObjective(out, Arrays.copyOfRange(c, i * n, (i + 1) * n), d[i], true);
            LpSolution s = solver.solve(limitPerRow);
            lower[i] = SafeBound.of(solver.model(), s);
            rows.add(new RowBound(lower[i], s.objective(), s.status(), s.iterations(), s.nanos()));
        }
        return new Result(lower, rows, solver.model().variables(), solver.model().constraints(), encode, System.nanoTime() - start);
    }

    /** Encodes the network into {@code solver}; returns the variables of the output's elements (flattened). */
    public int[] encode(LpSolver solver) {
        Builder b = new Builder();
        int[][] vars = new int[net.nodes().size()][];
        for (Node node : net.nodes()) {
            int[] in = node.inputs().isEmpty() ? null : vars[node.inputs().getFirst()];
            vars[node.id()] = switch (node.layer()) {
                case Layer.Input i -> {
                    int[] v = new int[box.size()];
                    for (int j = 0; j < v.length; j++) v[j] = b.variable(box.lower(j), box.upper(j));
                    yield v;
                }
                case Layer.Dense dense -> dense(b, dense, in);
                case Layer.Conv2d conv -> conv(b, conv, in, net.node(node.inputs().getFirst()).shape().dims(), node.shape().dims());
                case Layer.Affine a -> {
                    double[] scale = a.scale().data(), shift = a.shift().data();
                    int[] v = new int[in.length];
                    for (int j = 0; j < v.length; j++) v[j] = b.linear(new int[]{in[j]}, new double[]{scale[j]}, shift[j]);
                    yield v;
                }
                case Layer.Add a -> {
                    int[] other = vars[node.inputs().get(1)];
                    int[] v = new int[in.length];
                    for (int j = 0; j < v.length; j++) v[j] = b.linear(new int[]{in[j], other[j]}, new double[]{1, 1}, 0);
                    yield v;
                }
                // Row-major reshapes keep the flattened order: the same variables.
                case Layer.Flatten f -> in;
                case Layer.Reshape r -> in;
                case Layer.Relu r -> relu(b, in, intermediate.get(node.inputs().getFirst()));
                default -> throw new UnsupportedOperationException("TriangleLp cannot encode layer " + node.layer().describe()
                        + " (node " + node.name() + "); supported: Dense, Conv2d, Affine, Add, Flatten, Reshape, Relu");
            };
            Interval pre = intermediate.get(node.id());
            if (pre != null) b.restrict(vars[node.id()], pre, node);
        }
        b.emit(solver);
        return vars[net.output().id()].clone();
    }

    private static int[] dense(Builder b, Layer.Dense dense, int[] in) {
        int nIn = dense.in(), nOut = dense.out(), outer = in.length / nIn;
        double[] w = dense.weight().data(), bias = dense.bias().data();
        int[] v = new int[outer * nOut];
        for (int o = 0; o < outer; o++) {
            int[] x = Arrays.copyOfRange(in, o * nIn, (o + 1) * nIn);
            for (int k = 0; k < nOut; k++) v[o * nOut + k] = b.linear(x, Arrays.copyOfRange(w, k * nIn, (k + 1) * nIn), bias[k]);
        }
        return v;
    }

    /** A convolution as its exact linear map, one row per output element (fine for the small nets LPs are for). */
    private static int[] conv(Builder b, Layer.Conv2d conv, int[] in, int[] inShape, int[] outShape) {
        ConvGeometry g = conv.geometry();
        int[] ws = conv.weight().shape();
        int outC = ws[0], cg = ws[1], kh = ws[2], kw = ws[3], perGroup = outC / g.groups();
        int inH = inShape[1], inW = inShape[2], oh = outShape[1], ow = outShape[2];
        double[] w = conv.weight().data(), bias = conv.bias().data();
        int[] v = new int[outC * oh * ow];
        int[] terms = new int[cg * kh * kw];
        double[] coefs = new double[terms.length];
        for (int o = 0; o < outC; o++) {
            int c0 = (o / perGroup) * cg;
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int t = 0;
                    for (int c = 0; c < cg; c++) {
                        for (int i = 0; i < kh; i++) {
                            int iy = y * g.strideH() - g.padTop() + i * g.dilationH();
                            if (iy < 0 || iy >= inH) continue;
                            for (int j = 0; j < kw; j++) {
                                int ix = x * g.strideW() - g.padLeft() + j * g.dilationW();
                                if (ix < 0 || ix >= inW) continue;
                                terms[t] = in[((c0 + c) * inH + iy) * inW + ix];
                                coefs[t++] = w[((o * cg + c) * kh + i) * kw + j];
                            }
                        }
                    }
                    v[(o * oh + y) * ow + x] = b.linear(Arrays.copyOf(terms, t), Arrays.copyOf(coefs, t), bias[o]);
                }
            }
        }
        return v;
    }

    /**
     * The relaxation uses the given intermediate bounds {@code pre} of the input (the LP as defined: the
     * same bounds CROWN or the greedy solver would use), not their intersection with the interval bounds
     * the variables get: those are implied by the LP, so they cannot change its optimum, but relaxing with
     * them would. Without given bounds the variables' interval bounds are used.
     */
    private int[] relu(Builder b, int[] in, Interval pre) {
        int[] v = new int[in.length];
        for (int j = 0; j < in.length; j++) {
            int x = in[j];
            double l = pre != null ? pre.lower(j) : b.lower(x), u = pre != null ? pre.upper(j) : b.upper(x);
            if (l >= 0) {
                v[j] = x; // stable active: y = x exactly
            } else if (u <= 0) {
                v[j] = b.variable(0, 0); // stable inactive: y = 0 exactly
            } else {
                int y = b.variable(0, u);
                v[j] = y;
                b.row(new int[]{y, x}, new double[]{1, -1}, Sense.GE, 0); // y >= x
                switch (relaxation) {
                    case TRIANGLE -> {
                        // y <= s·x + t with s = u/(u − l). Rounding s and t may move the chord below the ReLU by an
                        // ulp; t is instead the smallest double with s·l + t >= 0 and s·u + t >= u exactly (the
                        // ReLU is convex, so a line above it at both ends is above it on [l, u]).
                        double s = u / (u - l);
                        double t = Math.max(Rounding.mulUp(s, -l), Rounding.addUp(u, -Rounding.mulDown(s, u)));
                        b.row(new int[]{y, x}, new double[]{1, -s}, Sense.LE, t);
                    }
                    // y <= u is y's bound; y <= x − l (−l is exact).
                    case PARALLELOGRAM -> b.row(new int[]{y, x}, new double[]{1, -1}, Sense.LE, -l);
                }
            }
        }
        return v;
    }

    /** Collects variables and rows so that bounds can still be tightened before the solver sees them. */
    private static final class Builder {
        private double[] lo = new double[64], hi = new double[64];
        private int n;
        private final List<LpModel.Row> rows = new ArrayList<>();

        int variable(double l, double u) {
            if (n == lo.length) {
                lo = Arrays.copyOf(lo, 2 * n);
                hi = Arrays.copyOf(hi, 2 * n);
            }
            lo[n] = l;
            hi[n] = u;
            return n++;
        }

        double lower(int v) { return lo[v]; }
        double upper(int v) { return hi[v]; }

        void row(int[] vars, double[] coefs, Sense sense, double rhs) {
            rows.add(new LpModel.Row(null, vars, coefs, sense, rhs));
        }

        /**
         * A new variable z = Σ a_k x_k + c, as the equality z − Σ a_k x_k = c, bounded by outward-rounded
         * interval arithmetic over the x bounds (implied by the equality, so the LP's optimum is unchanged).
         * Zero coefficients are dropped (they would only add matrix entries).
         */
        int linear(int[] vars, double[] coefs, double c) {
            double l = c, u = c;
            int nz = 0;
            for (double a : coefs) if (a != 0) nz++;
            int[] rv = new int[nz + 1];
            double[] rc = new double[nz + 1];
            int k = 1;
            for (int t = 0; t < vars.length; t++) {
                double a = coefs[t];
                if (a == 0) continue;
                l = Rounding.addDown(l, Rounding.productMinDown(a, a, lo[vars[t]], hi[vars[t]]));
                u = Rounding.addUp(u, -Rounding.productMinDown(-a, -a, lo[vars[t]], hi[vars[t]]));
                rv[k] = vars[t];
                rc[k++] = -a;
            }
            int z = variable(l, u);
            rv[0] = z;
            rc[0] = 1;
            row(rv, rc, Sense.EQ, c);
            return z;
        }

        /** Intersects the bounds of a node's variables with its given intermediate bounds. */
        void restrict(int[] vars, Interval pre, Node node) {
            if (pre.size() != vars.length)
                throw new IllegalArgumentException("intermediate bounds of node " + node.name() + " have " + pre.size() + " elements, the node " + vars.length);
            for (int j = 0; j < vars.length; j++) {
                int v = vars[j];
                double l = Math.max(lo[v], pre.lower(j)), u = Math.min(hi[v], pre.upper(j));
                if (!(l <= u))
                    throw new IllegalArgumentException("intermediate bounds of node " + node.name() + " element " + j + " [" + pre.lower(j) + ", "
                            + pre.upper(j) + "] miss the interval bounds [" + lo[v] + ", " + hi[v] + "]: they cannot both be sound");
                lo[v] = l;
                hi[v] = u;
            }
        }

        void emit(LpSolver solver) {
            for (int j = 0; j < n; j++) solver.addVariable(null, lo[j], hi[j]);
            for (LpModel.Row r : rows) solver.addConstraint(null, r.vars(), r.coefs(), r.sense(), r.rhs());
        }
    }
}
