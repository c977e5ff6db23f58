package dev.verity.lp;

import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Node;
import dev.verity.model.Shape;
import dev.verity.relax.Interval;
import dev.verity.relax.Lines;
import dev.verity.relax.Relaxations;
import dev.verity.relax.ReluRelaxation;
import dev.verity.spec.Objective;
import dev.verity.tensor.ConvGeometry;
import dev.verity.tensor.Tensor;
import dev.verity.tensor.TensorOps;

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
 *
 * <p>Other layers: leaky ReLU y = max(x, ax) by its own triangle (y >= x, y >= ax, chord; Parallelogram: y <= u,
 * y <= x − (1 − a)l); sigmoid and tanh by the bound engine's lines; max-pool by y >= every input of the window and
 * y <= the largest upper bound (y = x_k when input k dominates); transpose, pad and average pooling as the linear
 * maps the layer computes (found by running it on index / unit inputs).
 */
public final class TriangleLp {

    /**
     * The LP relaxations of an unstable neuron (the class comment has their rows). A max-pool window gets no rows beyond
     * {@code y >= x_k} and {@code y <= max_k u_k}. The exact mixed-integer encoding is {@code dev.verity.milp.MilpEncoding}.
     */
    public enum Relaxation implements NeuronEncoding {
        TRIANGLE {
            @Override
            public void unstableLeakyRelu(Rows rows, int y, int x, double l, double u, double a) {
                // y <= s·x + t, the chord from (l, a·l) to (u, u). Rounding s and t may move it below the function by
                // an ulp; t is instead chosen with s·l + t >= a·l and s·u + t >= u exactly (the function is convex,
                // so a line above it at both ends is above it on [l, u]).
                double s = a + (1 - a) * (u / (u - l));
                double t = Math.max(Rounding.addUp(Rounding.mulUp(a, l), -Rounding.mulDown(s, l)), Rounding.addUp(u, -Rounding.mulDown(s, u)));
                rows.row(new int[]{y, x}, new double[]{1, -s}, Sense.LE, t);
            }
        },
        PARALLELOGRAM {
            /** y <= u is y's bound; y − x = max(0, (a − 1)·x) <= (1 − a)·(−l) for x >= l (exact for a = 0). */
            @Override
            public void unstableLeakyRelu(Rows rows, int y, int x, double l, double u, double a) {
                rows.row(new int[]{y, x}, new double[]{1, -1}, Sense.LE, a == 0 ? -l : Rounding.mulUp(Rounding.addUp(1, -a), -l));
            }
        };

        @Override
        public boolean exact() { return false; }

        @Override
        public void maxPool(Rows rows, int y, int[] candidates, double[] candidateLower, double maxUpper) {}
    }

    /** Whether every layer of {@code net} is piecewise linear (what a MILP can encode exactly); otherwise names the first that is not. */
    public static java.util.Optional<String> exactlyEncodable(Network net) {
        for (Node node : net.nodes())
            if (node.layer() instanceof Layer.Sigmoid || node.layer() instanceof Layer.Tanh)
                return java.util.Optional.of(node.layer().getClass().getSimpleName() + " node " + node.name()
                        + ": sigmoid and tanh are not piecewise linear, so no MILP encodes them exactly (paper 004 covers ReLU and max networks)");
        return java.util.Optional.empty();
    }

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
    private final NeuronEncoding encoding;

    /**
     * @param intermediate bounds of the nodes feeding ReLUs, by node id ({@code BoundResult.intermediate()});
     *                     a ReLU whose input has none uses interval bounds (sound, looser)
     * @param encoding     how unstable neurons are written: an LP {@link Relaxation}, or the exact MILP encoding
     */
    public TriangleLp(Network net, Interval box, Map<Integer, Interval> intermediate, NeuronEncoding encoding) {
        if (box.size() != net.inputShape().numel())
            throw new IllegalArgumentException("input box has " + box.size() + " dimensions, the network " + net.inputShape().numel());
        for (int i = 0; i < box.size(); i++)
            if (!(box.lower(i) <= box.upper(i)) || Double.isInfinite(box.lower(i)) || Double.isInfinite(box.upper(i)))
                throw new IllegalArgumentException("input box must be finite and non-empty, dimension " + i + ": [" + box.lower(i) + ", " + box.upper(i) + "]");
        this.net = net;
        this.box = box;
        this.intermediate = Map.copyOf(intermediate);
        this.encoding = java.util.Objects.requireNonNull(encoding, "encoding");
    }

    /** Lower bounds of every objective row, each by one GLOP solve (warm-started from the previous row) within {@code limitPerRow}. */
    public Result lower(Objective objective, Duration limitPerRow) {
        try (OrToolsLpSolver solver = new OrToolsLpSolver()) {
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
        return encode(solver, net.output().id());
    }

    /**
     * Encodes node {@code target} and its ancestors — the relaxation of every layer before it, nothing after
     * (what LP-ALL solves per neuron) — into {@code solver}; returns the target's variables (flattened).
     */
    public int[] encode(LpSolver solver, int target) {
        return encodeNodes(solver, target)[target].clone();
    }

    /**
     * As {@link #encode(LpSolver, int)}, returning the variables of every encoded node by node id (null for
     * nodes the target does not depend on): e.g. the input's, to read a counterexample or constrain the region.
     */
    public int[][] encodeNodes(LpSolver solver, int target) {
        if (encoding.exact()) {
            exactlyEncodable(net).ifPresent(why -> { throw new dev.verity.InvalidInputException("MILP: " + why); });
            if (!solver.mixedInteger()) throw new IllegalArgumentException("the exact encoding needs a mixed-integer solver");
        }
        boolean[] needed = ancestors(target);
        Builder b = new Builder();
        int[][] vars = new int[net.nodes().size()][];
        for (Node node : net.nodes()) {
            if (!needed[node.id()]) continue;
            int[] in = node.inputs().isEmpty() ? null : vars[node.inputs().getFirst()];
            Interval preIn = node.inputs().isEmpty() ? null : intermediate.get(node.inputs().getFirst());
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
                case Layer.Transpose t -> permuted(b, node, in);
                case Layer.Pad p -> permuted(b, node, in);
                case Layer.AvgPool2d a -> avgPool(b, node, in);
                case Layer.MaxPool2d m -> maxPool(b, node, in, preIn);
                case Layer.Relu r -> leakyRelu(b, in, preIn, 0);
                case Layer.LeakyRelu r -> leakyRelu(b, in, preIn, r.alpha());
                case Layer.Sigmoid s -> sShaped(b, in, preIn, false);
                case Layer.Tanh t -> sShaped(b, in, preIn, true);
            };
            Interval pre = intermediate.get(node.id());
            if (pre != null) b.restrict(vars[node.id()], pre, node);
        }
        b.emit(solver);
        return vars;
    }

    /** Which nodes the value of {@code target} depends on (itself included). */
    private boolean[] ancestors(int target) {
        boolean[] needed = new boolean[net.nodes().size()];
        needed[target] = true;
        for (int id = target; id >= 0; id--) // ids are topological: inputs come first
            if (needed[id]) for (int in : net.node(id).inputs()) needed[in] = true;
        return needed;
    }

    // ---- structural layers, found by running the layer itself --------------------------------------

    /**
     * Transpose and Pad move values without arithmetic: run the layer once on the input indices 1..n (exact
     * doubles) with padding value 0, and read where each output comes from. Padded cells become variables
     * fixed at the padding value.
     */
    private int[] permuted(Builder b, Node node, int[] in) {
        Layer layer = node.layer() instanceof Layer.Pad p ? new Layer.Pad(p.pads(), 0) : node.layer();
        double[] index = new double[in.length];
        for (int j = 0; j < index.length; j++) index[j] = j + 1;
        double[] src = runLayer(layer, node, new Tensor(index, net.node(node.inputs().getFirst()).shape().withBatch(1))).data();
        int[] v = new int[src.length];
        double padValue = node.layer() instanceof Layer.Pad p ? p.value() : Double.NaN;
        for (int o = 0; o < v.length; o++) v[o] = src[o] == 0 ? b.variable(padValue, padValue) : in[(int) src[o] - 1];
        return v;
    }

    /**
     * Average pooling is linear: its coefficients are the layer's responses to the unit inputs (1/k as the
     * forward pass computes it, within an ulp of the exact 1/k — the same arithmetic every other method uses).
     */
    private int[] avgPool(Builder b, Node node, int[] in) {
        Responses r = responses(node, in.length);
        int[] v = new int[r.inputs().length];
        for (int o = 0; o < v.length; o++) {
            int[] x = new int[r.inputs()[o].length];
            for (int k = 0; k < x.length; k++) x[k] = in[r.inputs()[o][k]];
            v[o] = b.linear(x, r.coefs()[o], 0);
        }
        return v;
    }

    /**
     * Max pooling y = max of the window: y >= x_k for every input k of the window (exact), and y <= max_k u_k;
     * when one input's lower bound is at least every other's upper bound, y = that input exactly (DeepPoly's
     * case, paper 000 eq. 5). Bounds of the inputs: the given ones intersected with the variables' own.
     */
    private int[] maxPool(Builder b, Node node, int[] in, Interval pre) {
        int[][] windows = responses(node, in.length).inputs();
        int[] v = new int[windows.length];
        for (int o = 0; o < v.length; o++) {
            double maxLower = Double.NEGATIVE_INFINITY, maxUpper = Double.NEGATIVE_INFINITY;
            int best = -1;
            for (int k : windows[o]) {
                double l = lowerOf(b, in, pre, k), u = upperOf(b, in, pre, k);
                if (l > maxLower) { maxLower = l; best = k; }
                maxUpper = Math.max(maxUpper, u);
            }
            boolean dominates = true;
            for (int k : windows[o]) if (k != best && upperOf(b, in, pre, k) > maxLower) dominates = false;
            if (dominates) {
                v[o] = in[best];
                continue;
            }
            int y = b.variable(maxLower, maxUpper);
            for (int k : windows[o]) b.row(new int[]{y, in[k]}, new double[]{1, -1}, Sense.GE, 0);
            // The inputs that can be the maximum: those whose upper bound exceeds the largest lower bound (and that one).
            List<Integer> candidates = new ArrayList<>();
            for (int k : windows[o]) if (upperOf(b, in, pre, k) > maxLower || k == best) candidates.add(k);
            int[] cand = new int[candidates.size()];
            double[] candLower = new double[cand.length];
            for (int t = 0; t < cand.length; t++) {
                cand[t] = in[candidates.get(t)];
                candLower[t] = lowerOf(b, in, pre, candidates.get(t));
            }
            encoding.maxPool(b, y, cand, candLower, maxUpper);
            v[o] = y;
        }
        return v;
    }

    private static double lowerOf(Builder b, int[] in, Interval pre, int k) { return pre != null ? Math.max(pre.lower(k), b.lower(in[k])) : b.lower(in[k]); }
    private static double upperOf(Builder b, int[] in, Interval pre, int k) { return pre != null ? Math.min(pre.upper(k), b.upper(in[k])) : b.upper(in[k]); }

    /** Per output of a pooling node: the inputs with a non-zero response to a unit input, and those responses. */
    private record Responses(int[][] inputs, double[][] coefs) {}

    /** Runs the pooling layer on the unit vectors, in chunks that keep the batch near 32 MB. */
    private Responses responses(Node node, int n) {
        Shape inShape = net.node(node.inputs().getFirst()).shape();
        int m = node.shape().numel(), chunk = Math.max(1, Math.min(n, (1 << 22) / Math.max(1, m + n)));
        List<List<Integer>> terms = new ArrayList<>(m);
        List<List<Double>> coefs = new ArrayList<>(m);
        for (int o = 0; o < m; o++) { terms.add(new ArrayList<>()); coefs.add(new ArrayList<>()); }
        for (int s = 0; s < n; s += chunk) {
            int k = Math.min(chunk, n - s);
            double[] unit = new double[k * n];
            for (int j = 0; j < k; j++) unit[j * n + s + j] = 1;
            double[] out = runLayer(node.layer(), node, new Tensor(unit, inShape.withBatch(k))).data();
            for (int j = 0; j < k; j++)
                for (int o = 0; o < m; o++) {
                    double a = out[j * m + o];
                    if (a != 0) { terms.get(o).add(s + j); coefs.get(o).add(a); }
                }
        }
        int[][] inputs = new int[m][];
        double[][] c = new double[m][];
        for (int o = 0; o < m; o++) {
            inputs[o] = terms.get(o).stream().mapToInt(Integer::intValue).toArray();
            c[o] = coefs.get(o).stream().mapToDouble(Double::doubleValue).toArray();
        }
        return new Responses(inputs, c);
    }

    /** The forward pass of one layer alone, on a batch. */
    private Tensor runLayer(Layer layer, Node node, Tensor batch) {
        return Forward.run(singleLayer(layer, net.node(node.inputs().getFirst()).shape()), TensorOps.INSTANCE, batch);
    }

    private static Network singleLayer(Layer layer, Shape in) {
        var b = Network.builder(in);
        b.add(layer);
        return b.build();
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
     * (Leaky) ReLU y = max(x, a·x), 0 <= a <= 1 (a = 0: ReLU). The relaxation uses the given intermediate
     * bounds {@code pre} of the input (the LP as defined: the same bounds CROWN or the greedy solver would
     * use), not their intersection with the interval bounds the variables get: those are implied by the LP,
     * so they cannot change its optimum, but relaxing with them would. Without given bounds the variables'
     * interval bounds are used.
     */
    private int[] leakyRelu(Builder b, int[] in, Interval pre, double a) {
        int[] v = new int[in.length];
        for (int j = 0; j < in.length; j++) {
            int x = in[j];
            double l = pre != null ? pre.lower(j) : b.lower(x), u = pre != null ? pre.upper(j) : b.upper(x);
            // The MILP is exact whatever its bounds: the tightest sound ones give the smallest big-M.
            if (encoding.exact()) {
                l = Math.max(l, b.lower(x));
                u = Math.min(u, b.upper(x));
            }
            if (l >= 0) {
                v[j] = x; // stable active: y = x exactly
            } else if (u <= 0) {
                v[j] = a == 0 ? b.variable(0, 0) : b.linear(new int[]{x}, new double[]{a}, 0); // stable inactive: y = a·x exactly
            } else {
                // max(u, a·l) = u since u > 0 >= a·l; y >= a·l is implied by y >= a·x and x >= l.
                int y = b.variable(a == 0 ? 0 : Rounding.mulDown(a, l), u);
                v[j] = y;
                b.row(new int[]{y, x}, new double[]{1, -1}, Sense.GE, 0); // y >= x
                if (a != 0) b.row(new int[]{y, x}, new double[]{1, -a}, Sense.GE, 0); // y >= a·x (for a = 0: y's bound)
                encoding.unstableLeakyRelu(b, y, x, l, u, a);
            }
        }
        return v;
    }

    /**
     * Sigmoid and tanh by the bound engine's own lines (DeepPoly's tangent/chord pair, intercepts already
     * moved outwards for the ~1 ulp error of exp and tanh): lowerSlope·x + lowerIntercept <= y <=
     * upperSlope·x + upperIntercept on [l, u], and y within the lines' range over [l, u] (implied).
     */
    private int[] sShaped(Builder b, int[] in, Interval pre, boolean tanh) {
        if (encoding.exact()) throw new IllegalStateException("sigmoid/tanh in an exact encoding"); // refused in encodeNodes
        double[] lo = new double[in.length], hi = new double[in.length];
        for (int j = 0; j < in.length; j++) {
            lo[j] = pre != null ? pre.lower(j) : b.lower(in[j]);
            hi[j] = pre != null ? pre.upper(j) : b.upper(in[j]);
        }
        Interval bounds = new Interval(lo, hi);
        Lines lines = tanh ? Relaxations.tanh(bounds, ReluRelaxation.ADAPTIVE) : Relaxations.sigmoid(bounds, ReluRelaxation.ADAPTIVE);
        int[] v = new int[in.length];
        for (int j = 0; j < in.length; j++) {
            double ls = lines.lowerSlope()[j], li = lines.lowerIntercept()[j], us = lines.upperSlope()[j], ui = lines.upperIntercept()[j];
            double yLo = Math.min(Rounding.addDown(Rounding.mulDown(ls, lo[j]), li), Rounding.addDown(Rounding.mulDown(ls, hi[j]), li));
            double yHi = Math.max(Rounding.addUp(Rounding.mulUp(us, lo[j]), ui), Rounding.addUp(Rounding.mulUp(us, hi[j]), ui));
            int y = b.variable(yLo, Math.max(yLo, yHi));
            v[j] = y;
            if (ls != 0) b.row(new int[]{y, in[j]}, new double[]{1, -ls}, Sense.GE, li);
            if (us != 0) b.row(new int[]{y, in[j]}, new double[]{1, -us}, Sense.LE, ui);
        }
        return v;
    }

    /** Collects variables and rows so that bounds can still be tightened before the solver sees them. */
    private static final class Builder implements NeuronEncoding.Rows {
        private double[] lo = new double[64], hi = new double[64];
        private boolean[] integer = new boolean[64];
        private int n;
        private final List<LpModel.Row> rows = new ArrayList<>();

        int variable(double l, double u) {
            if (n == lo.length) {
                lo = Arrays.copyOf(lo, 2 * n);
                hi = Arrays.copyOf(hi, 2 * n);
                integer = Arrays.copyOf(integer, 2 * n);
            }
            lo[n] = l;
            hi[n] = u;
            return n++;
        }

        /** A 0/1 variable (the exact encoding's). */
        @Override
        public int binary() {
            int d = variable(0, 1);
            integer[d] = true;
            return d;
        }

        double lower(int v) { return lo[v]; }
        double upper(int v) { return hi[v]; }

        @Override
        public void row(int[] vars, double[] coefs, Sense sense, double rhs) {
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
                // Bounds computed without outward rounding (back-substitution) may miss the outward-rounded interval
                // bounds by rounding error where the true range is (nearly) a point: keep the variable's own bounds.
                if (!(l <= u) && pre.lower(j) <= pre.upper(j) && l - u <= 1e-9 * (1 + Math.abs(l) + Math.abs(u))) continue;
                if (!(l <= u))
                    throw new IllegalArgumentException("intermediate bounds of node " + node.name() + " element " + j + " [" + pre.lower(j) + ", "
                            + pre.upper(j) + "] miss the interval bounds [" + lo[v] + ", " + hi[v] + "]: they cannot both be sound");
                lo[v] = l;
                hi[v] = u;
            }
        }

        void emit(LpSolver solver) {
            for (int j = 0; j < n; j++) {
                if (integer[j]) solver.addIntegerVariable(null, lo[j], hi[j]);
                else solver.addVariable(null, lo[j], hi[j]);
            }
            for (LpModel.Row r : rows) solver.addConstraint(null, r.vars(), r.coefs(), r.sense(), r.rhs());
        }
    }
}
