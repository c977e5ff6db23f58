package dev.verity.eval;

import dev.verity.InvalidInputException;
import dev.verity.bounds.BoundEngine;
import dev.verity.bounds.Method;
import dev.verity.model.Network;
import dev.verity.relax.Interval;
import dev.verity.spec.Objective;
import dev.verity.tensor.Tensor;
import dev.verity.train.DifferentiableBounds;
import dev.verity.train.Model;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * The landscape of a relaxation's bound along one line in weight space (paper 003 Sec. 4.1–4.3, Fig. 3 and 4): the
 * lower bound of {@code c·y} over an input box by a bound preset, as a function of δ when the parameters θ are moved
 * to θ + δ·d. Paper 003 moves the first layer's weights along the gradient of the bound (Sec. 4.3); the direction here
 * may be any direction over all parameters, which is how the paper's one-parameter example of Sec. 4.1 (the bias w)
 * is swept.
 *
 * <p>Besides the sampled curve it finds the curve's jumps. Box and DeepZ are continuous in the weights (003 Theorem 1);
 * hBox jumps where a pre-activation's lower bound crosses 0 and CROWN / CROWN-IBP where {@code −l = u} (003 Sec. 4.1).
 * A grid cannot tell a jump from a steep continuous stretch, so candidates from the grid are confirmed by bisection:
 * see {@link #sweep}.
 *
 * <p>The caller's network is never modified: the sweep works on a copy ({@link Model#snapshot()}) whose parameter
 * tensors it overwrites for each δ.
 */
public final class Landscape {
    private final Network net;
    private final Interval box;
    private final double[] c;

    /**
     * @param net a chain of dense, convolution, ReLU, flatten, reshape and fixed element-wise affine (input
     *            normalisation) layers (what {@link DifferentiableBounds} differentiates); anything else is an {@link InvalidInputException}
     * @param box the input box
     * @param c   the objective: the lower bound of {@code c·y} over the box is what is swept
     */
    public Landscape(Network net, Interval box, double[] c) {
        if (box.size() != net.inputShape().numel())
            throw new IllegalArgumentException("input box has " + box.size() + " dimensions, the network " + net.inputShape().numel());
        if (c.length != net.outputShape().numel())
            throw new IllegalArgumentException("objective over " + c.length + " outputs, the network has " + net.outputShape().numel());
        try {
            new Model(net);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("landscape needs a chain of dense, convolution, ReLU, flatten, reshape and element-wise affine "
                    + "layers (the bounds it differentiates): " + e.getMessage(), e);
        }
        if (DifferentiableBounds.parameters(net).isEmpty()) throw new InvalidInputException("landscape: the network has no dense or convolution layer");
        this.net = net;
        this.box = box;
        this.c = c.clone();
    }

    /**
     * How a sweep samples δ and confirms jumps.
     *
     * @param deltaMax       δ runs over [−deltaMax, deltaMax]
     * @param steps          grid intervals (steps + 1 points; an even number puts δ = 0 on the grid)
     * @param resolution     bisection stops at intervals of width resolution·deltaMax
     * @param maxEvaluations bound evaluations the bisections of one curve may spend (the grid's are not counted)
     */
    public record Settings(double deltaMax, int steps, double resolution, int maxEvaluations) {
        public static final double DEFAULT_RESOLUTION = 1e-9;
        public static final int DEFAULT_MAX_EVALUATIONS = 2000;

        public Settings {
            if (!(deltaMax > 0) || !Double.isFinite(deltaMax)) throw new InvalidInputException("--delta-max must be a number > 0, got " + deltaMax);
            if (steps < 2) throw new InvalidInputException("--steps must be at least 2, got " + steps);
            if (!(resolution > 0 && resolution < 1)) throw new IllegalArgumentException("resolution must be in (0, 1), got " + resolution);
            if (maxEvaluations < 0) throw new InvalidInputException("the bisection budget must be >= 0, got " + maxEvaluations);
        }

        public static Settings of(double deltaMax, int steps) {
            return new Settings(deltaMax, steps, DEFAULT_RESOLUTION, DEFAULT_MAX_EVALUATIONS);
        }

        /** The grid δ_k = deltaMax·(2k − steps)/steps: symmetric, and exactly 0 at k = steps/2 when steps is even. */
        public double[] grid() {
            double[] d = new double[steps + 1];
            for (int k = 0; k <= steps; k++) d[k] = deltaMax * (2.0 * k - steps) / steps;
            return d;
        }
    }

    /**
     * A confirmed discontinuity: the bound goes from {@code left} to {@code right} across an interval of δ of width
     * {@code width} centred at {@code delta} (bisection's last bracket).
     */
    public record Jump(double delta, double width, double left, double right) {
        public double size() { return right - left; }
    }

    /**
     * A direction in parameter space: one tensor per parameter ({@link DifferentiableBounds#parameters} order and
     * shapes), zeros where nothing moves.
     *
     * @param source       what it was derived from, for reports ("gradient of crown", "bias of layer 1")
     * @param gradientNorm the L2 norm of the gradient it was normalised from (NaN for a given direction)
     */
    public record Direction(List<Tensor> tensors, String source, double gradientNorm) {
        public Direction {
            tensors = List.copyOf(tensors);
        }

        public double norm() {
            double s = 0;
            for (Tensor t : tensors) for (double v : t.data()) s += v * v;
            return Math.sqrt(s);
        }
    }

    /**
     * One method's sampled curve.
     *
     * @param deltas      the grid
     * @param values      the bound at each grid point
     * @param slopes      its directional derivative d(bound)/dδ at each grid point (the gradient · direction; one-sided
     *                    at a jump)
     * @param jumps       confirmed jumps, by δ
     * @param candidates  grid intervals whose change exceeded what the local slopes allow (each bisected)
     * @param evaluations bound evaluations spent on the bisections
     * @param exhausted   whether the bisection budget ran out before every candidate was settled
     */
    public record Curve(String name, Method method, Direction direction, double[] deltas, double[] values, double[] slopes, List<Jump> jumps,
                        int candidates, int evaluations, boolean exhausted) {
        public Curve {
            jumps = List.copyOf(jumps);
        }

        /** The bound at δ = 0 (the unmodified network), or NaN when 0 is not a grid point (odd steps). */
        public double atZero() {
            int k = Arrays.binarySearch(deltas, 0.0);
            return k >= 0 ? values[k] : Double.NaN;
        }

        public double min() { return Arrays.stream(values).min().orElse(Double.NaN); }

        public double max() { return Arrays.stream(values).max().orElse(Double.NaN); }
    }

    /** Paper 003's name of a preset: Box for interval propagation, otherwise the preset's CLI name. */
    public static String paperName(Method m) {
        return switch (m) {
            case IBP -> "box";
            case HBOX, HBOX_FORWARD, DEEPZ, CROWN, CROWN_0, CROWN_IBP, ALPHA_CROWN, LP_LAST, LP_ALL, PARALLELOGRAM, LP_LAST_CROWN, LAGRANGIAN, SDP -> m.cliName();
        };
    }

    /** A method name of paper 003 ({@code box} = ibp) or any preset name that {@link DifferentiableBounds} supports. */
    public static Method parseMethod(String name) {
        Method m = name.strip().equalsIgnoreCase("box") ? Method.IBP : Method.parse(name.strip());
        if (!DifferentiableBounds.supports(m))
            throw new InvalidInputException("method '" + name + "' has no landscape here; one of: box (= ibp), hbox, deepz, crown, crown-0, crown-ibp");
        return m;
    }

    /** The L2 (Frobenius) norm of the first layer's weight, the scale against which a sensible δ range is chosen. */
    public double firstLayerWeightNorm() {
        double s = 0;
        for (double v : DifferentiableBounds.parameters(net).getFirst().data()) s += v * v;
        return Math.sqrt(s);
    }

    /**
     * Paper 003 Sec. 4.3's direction: the gradient of {@code method}'s bound with respect to the first layer's weights
     * at the current parameters, scaled to unit L2 norm; the first layer's bias and every other layer stay fixed.
     * Empty when that gradient is zero (the bound does not depend on the first layer there, e.g. every ReLU inactive).
     */
    public Optional<Direction> firstLayerGradient(Method method) {
        DifferentiableBounds.Result r = DifferentiableBounds.lowerBound(net, method, box, c);
        Tensor g = r.gradients().getFirst();
        double norm = 0;
        for (double v : g.data()) norm += v * v;
        norm = Math.sqrt(norm);
        if (!(norm > 0) || !Double.isFinite(norm)) return Optional.empty();
        List<Tensor> d = new ArrayList<>();
        for (Tensor p : r.gradients()) d.add(Tensor.zeros(p.shape()));
        d.set(0, g.scale(1 / norm));
        return Optional.of(new Direction(d, "gradient of " + paperName(method) + " w.r.t. the first layer's weights", norm));
    }

    /**
     * A unit direction along one parameter tensor (e.g. the first layer's bias, index 1, as in paper 003 Sec. 4.1):
     * {@code values} in that tensor, zeros elsewhere.
     */
    public Direction along(int parameter, double[] values, String source) {
        List<Tensor> ps = DifferentiableBounds.parameters(net);
        if (parameter < 0 || parameter >= ps.size()) throw new IllegalArgumentException("parameter " + parameter + " of " + ps.size());
        if (values.length != ps.get(parameter).size()) throw new IllegalArgumentException("parameter " + parameter + " has " + ps.get(parameter).size() + " values");
        List<Tensor> d = new ArrayList<>();
        for (Tensor p : ps) d.add(Tensor.zeros(p.shape()));
        d.set(parameter, new Tensor(values.clone(), ps.get(parameter).shape()));
        return new Direction(d, source, Double.NaN);
    }

    /**
     * Sweeps {@code method}'s bound along {@code direction} over the grid of {@code settings} and finds its jumps.
     *
     * <p>On the grid each point gives the bound and its slope (the gradient · direction, by {@link DifferentiableBounds}).
     * A grid interval [δ_k, δ_k+1] of width h is a <em>candidate</em> when the bound changes there by more than
     * 2·h·S + τ, where S is the largest |slope| at the four grid points around it (what a continuous piece could
     * plausibly do) and τ = 1e-8·(1 + max |bound|) the noise floor. Each candidate is bisected: of the two halves,
     * those still changing by more than 2·(their width)·S + τ stay suspicious; the larger is followed and the other
     * queued, and a bracket with no suspicious half is dropped (a continuous stretch). At width
     * {@code resolution·deltaMax} the bracket is a jump when its gap is still above τ + 4·width·S and at least half the
     * gap of the bracket 2^10 times wider that contained it — a discontinuity keeps its gap as the bracket shrinks,
     * a continuous function loses it in proportion to the width. Jumps smaller than about 1e-6·S·deltaMax cannot be
     * told from slope this way and are not reported.
     */
    public Curve sweep(String name, Method method, Direction direction, Settings settings) {
        if (!DifferentiableBounds.supports(method)) throw new InvalidInputException(method + " has no landscape");
        Line line = new Line(method, direction);
        double[] deltas = settings.grid();
        int n = deltas.length;
        double[] values = new double[n], slopes = new double[n];
        for (int k = 0; k < n; k++) {
            double[] vs = line.valueAndSlope(deltas[k]);
            values[k] = vs[0];
            slopes[k] = vs[1];
        }
        double scale = 0;
        for (double v : values) scale = Math.max(scale, Math.abs(v));
        double tau = 1e-8 * (1 + scale);
        double minWidth = settings.resolution() * settings.deltaMax();

        // Candidates, most surprising first, so that a spent budget leaves the least likely ones unexamined.
        record Candidate(int k, double slopeBound, double ratio) {}
        List<Candidate> candidates = new ArrayList<>();
        for (int k = 0; k + 1 < n; k++) {
            double s = 0;
            for (int j = Math.max(0, k - 1); j <= Math.min(n - 1, k + 2); j++) s = Math.max(s, Math.abs(slopes[j]));
            double h = deltas[k + 1] - deltas[k], change = Math.abs(values[k + 1] - values[k]);
            if (change > 2 * h * s + tau) candidates.add(new Candidate(k, s, change / (2 * h * s + tau)));
        }
        candidates.sort(Comparator.comparingDouble(Candidate::ratio).reversed());

        List<Jump> jumps = new ArrayList<>();
        int evaluations = 0;
        boolean exhausted = false;
        for (Candidate cand : candidates) {
            Deque<Bracket> work = new ArrayDeque<>();
            work.push(new Bracket(deltas[cand.k()], values[cand.k()], deltas[cand.k() + 1], values[cand.k() + 1], new double[0]));
            while (!work.isEmpty()) {
                if (evaluations >= settings.maxEvaluations()) {
                    exhausted = true;
                    break;
                }
                Bracket b = work.pop();
                double a = b.a(), fa = b.fa(), z = b.b(), fz = b.fb();
                double[] gaps = append(b.gaps(), Math.abs(fz - fa));
                boolean settled = false;
                while (z - a > minWidth && evaluations < settings.maxEvaluations()) {
                    double m = 0.5 * (a + z);
                    if (!(m > a && m < z)) break; // the bracket cannot shrink further in double
                    double fm = line.value(m);
                    evaluations++;
                    double w = 0.5 * (z - a), left = Math.abs(fm - fa), right = Math.abs(fz - fm);
                    double threshold = 2 * w * cand.slopeBound() + tau;
                    boolean ls = left > threshold, rs = right > threshold;
                    if (!ls && !rs) {
                        settled = true; // continuous here: the change is what the slope allows
                        break;
                    }
                    if (ls && rs) {
                        if (left >= right) work.push(new Bracket(m, fm, z, fz, gaps));
                        else work.push(new Bracket(a, fa, m, fm, gaps));
                    }
                    if (ls && (!rs || left >= right)) {
                        z = m;
                        fz = fm;
                    } else {
                        a = m;
                        fa = fm;
                    }
                    gaps = append(gaps, Math.abs(fz - fa));
                }
                if (settled) continue;
                if (z - a > minWidth && evaluations >= settings.maxEvaluations()) {
                    exhausted = true;
                    break;
                }
                double gap = Math.abs(fz - fa), width = z - a;
                double wider = gaps[Math.max(0, gaps.length - 1 - 10)]; // the bracket 2^10 times wider (or the widest known)
                if (gap > tau + 4 * width * cand.slopeBound() && gap >= 0.5 * wider) jumps.add(new Jump(0.5 * (a + z), width, fa, fz));
            }
            if (exhausted) break;
        }
        jumps.sort(Comparator.comparingDouble(Jump::delta));
        return new Curve(name, method, direction, deltas, values, slopes, jumps, candidates.size(), evaluations, exhausted);
    }

    /** A bracket [a, b] still to bisect, with the gaps of the brackets that contained it (widest first). */
    private record Bracket(double a, double fa, double b, double fb, double[] gaps) {}

    private static double[] append(double[] a, double v) {
        double[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }

    /**
     * The bound along θ + δ·d, on a private copy of the network whose parameters are rewritten from θ for every δ
     * (never accumulated, so no rounding drifts in).
     */
    private final class Line {
        private final Method method;
        private final Network copy = new Model(net).snapshot();
        private final List<Tensor> params = DifferentiableBounds.parameters(copy);
        private final List<Tensor> base = params.stream().map(Tensor::copy).toList();
        private final List<Tensor> dir;
        private final Objective objective;

        Line(Method method, Direction direction) {
            this.method = method;
            this.dir = direction.tensors();
            if (dir.size() != params.size()) throw new IllegalArgumentException("direction has " + dir.size() + " tensors, the network " + params.size() + " parameters");
            for (int i = 0; i < dir.size(); i++)
                if (!dir.get(i).sameShape(params.get(i))) throw new IllegalArgumentException("direction tensor " + i + " has another shape than its parameter");
            objective = new Objective(new Tensor(c.clone(), 1, c.length), new double[1]);
        }

        private void moveTo(double delta) {
            for (int i = 0; i < params.size(); i++) {
                double[] p = params.get(i).data(), b = base.get(i).data(), d = dir.get(i).data();
                for (int j = 0; j < p.length; j++) p[j] = b[j] + delta * d[j];
            }
        }

        /** The bound and d(bound)/dδ at δ. */
        double[] valueAndSlope(double delta) {
            moveTo(delta);
            DifferentiableBounds.Result r = DifferentiableBounds.lowerBound(copy, method, box, c);
            double slope = 0;
            for (int i = 0; i < dir.size(); i++) {
                double[] g = r.gradients().get(i).data(), d = dir.get(i).data();
                for (int j = 0; j < g.length; j++) slope += g[j] * d[j];
            }
            return new double[] {r.value(), slope};
        }

        /**
         * The bound alone, by the verified bound engine (faster than the differentiable one, and equal to it). A new
         * engine each time: an engine caches per-layer constants derived from the weights, which change here.
         */
        double value(double delta) {
            moveTo(delta);
            return new BoundEngine(copy).bound(method, box, objective).lower()[0];
        }
    }

    // ---- Reports -------------------------------------------------------------------------------------------------

    /** {@code landscape.csv}: a header {@code delta,<name>,...}, then one row per grid point (all curves share the grid). */
    public static void writeCsv(Path file, List<Curve> curves) {
        StringBuilder s = new StringBuilder("delta");
        for (Curve c : curves) s.append(',').append(c.name());
        s.append('\n');
        double[] deltas = curves.getFirst().deltas();
        for (int k = 0; k < deltas.length; k++) {
            s.append(num(deltas[k]));
            for (Curve c : curves) s.append(',').append(num(c.values()[k]));
            s.append('\n');
        }
        write(file, s.toString());
    }

    /** {@code jumps.csv}: one row per confirmed jump, {@code method,delta,width,left,right,size}. */
    public static void writeJumpsCsv(Path file, List<Curve> curves) {
        StringBuilder s = new StringBuilder("method,delta,width,left,right,size\n");
        for (Curve c : curves)
            for (Jump j : c.jumps())
                s.append(String.join(",", c.name(), num(j.delta()), num(j.width()), num(j.left()), num(j.right()), num(j.size()))).append('\n');
        write(file, s.toString());
    }

    private static String num(double v) { return Double.isFinite(v) ? Double.toString(v) : ""; }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new InvalidInputException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b)};

    /**
     * {@code landscape.png}: one line per method against δ, as paper 003 Fig. 4; the legend gives each method's number
     * of jumps, and the confirmed jumps are marked at their left value.
     */
    public static void writePng(Path file, List<Curve> curves, String title) {
        XYChart chart = new XYChartBuilder().width(1000).height(620).title(title).xAxisTitle("δ (shift along the direction)")
                .yAxisTitle("lower bound").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0.###");
        for (int i = 0; i < curves.size(); i++) {
            Curve c = curves.get(i);
            Color color = COLORS[i % COLORS.length];
            String label = String.format(Locale.ROOT, "%s (%d jump%s)", c.name(), c.jumps().size(), c.jumps().size() == 1 ? "" : "s");
            XYSeries s = chart.addSeries(label, c.deltas(), c.values());
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(color);
            s.setLineWidth(1.5f);
            if (!c.jumps().isEmpty()) {
                XYSeries j = chart.addSeries(c.name() + " jumps", c.jumps().stream().mapToDouble(Jump::delta).toArray(),
                        c.jumps().stream().mapToDouble(Jump::left).toArray());
                j.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                j.setMarker(SeriesMarkers.CIRCLE);
                j.setMarkerColor(color);
                j.setShowInLegend(false);
            }
        }
        try {
            ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
