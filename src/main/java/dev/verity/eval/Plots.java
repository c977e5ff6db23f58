package dev.verity.eval;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The PNG figures of an evaluation, drawn with XChart into an image in memory (no window, so it works headless):
 * {@code cr-curve.png}, certified accuracy against ε per method (paper 003 Fig. 2, with CR-AUC in the legend), and
 * {@code time.png}, the mean time per image of each method against ε.
 */
public final class Plots {
    private Plots() {}

    private static final int WIDTH = 900, HEIGHT = 600;

    /** One colour and marker per method, the same in both figures (distinct markers keep equal curves visible). */
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0xbcbd22), new Color(0x7f7f7f)};
    private static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE, SeriesMarkers.TRIANGLE_UP,
            SeriesMarkers.TRIANGLE_DOWN};

    private static void style(XYSeries series, Summary s, EvalMethod m) {
        int k = s.methods().indexOf(m);
        series.setLineColor(COLORS[k % COLORS.length]);
        series.setMarkerColor(COLORS[k % COLORS.length]);
        series.setMarker(MARKERS[k % MARKERS.length]);
    }

    public static void write(Path dir, Summary s) {
        try {
            ImageIO.write(BitmapEncoder.getBufferedImage(crCurve(s)), "png", dir.resolve("cr-curve.png").toFile());
            ImageIO.write(BitmapEncoder.getBufferedImage(times(s)), "png", dir.resolve("time.png").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plots into " + dir, e);
        }
    }

    /**
     * {@code cr-curve-exact.png}: the step curves of {@code verity eval --radius} (paper 003 Fig. 2 as real curves: every
     * image's radius found by bisection), one line per certifying method with its exact CR-AUC in the legend, and an
     * attack's not-refuted curve dashed.
     */
    public static void writeExact(Path dir, RadiusSummary r) {
        try {
            ImageIO.write(BitmapEncoder.getBufferedImage(exactCurves(r)), "png", dir.resolve("cr-curve-exact.png").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plots into " + dir, e);
        }
    }

    static XYChart exactCurves(RadiusSummary r) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Certified accuracy vs ε, radii by bisection (" + r.images().size() + " images)")
                .xAxisTitle("ε (L∞, pixel range [0, 1])").yAxisTitle("certified accuracy (%)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0).setXAxisMin(0.0).setXAxisMax(r.epsMax());
        chart.getStyler().setXAxisDecimalPattern("0.####");
        for (int k = 0; k < r.methods().size(); k++) {
            EvalMethod m = r.methods().get(k);
            ExactCrCurve c = r.curve(m.name());
            // A step curve as a polyline: each constant piece drawn from its start to its end, joined by vertical drops.
            List<ExactCrCurve.Step> steps = c.steps();
            double[] x = new double[1 + 2 * steps.size()], y = new double[x.length];
            x[0] = 0;
            y[0] = c.cleanPercent();
            for (int i = 0; i < steps.size(); i++) {
                x[1 + 2 * i] = steps.get(i).from();
                x[2 + 2 * i] = steps.get(i).to();
                y[1 + 2 * i] = y[2 + 2 * i] = steps.get(i).percent();
            }
            XYSeries series;
            if (m.certifies()) {
                series = chart.addSeries(String.format(Locale.ROOT, "%s (CR-AUC %.3f)", m.name(), c.auc()), x, y);
                series.setLineColor(COLORS[k % COLORS.length]);
            } else {
                series = chart.addSeries(m.name() + " (not refuted: upper bound)", x, y);
                series.setLineStyle(SeriesLines.DASH_DASH);
                series.setLineColor(Color.GRAY);
            }
            series.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /**
     * One line per certifying method from (0, clean accuracy); the attack's curve (images not refuted, an upper bound
     * on the true robust accuracy) dashed, for reference: the truth lies between it and the highest certified line.
     */
    static XYChart crCurve(Summary s) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Certified accuracy vs ε (" + s.images() + " images)")
                .xAxisTitle("ε (L∞, pixel range [0, 1])").yAxisTitle("certified accuracy (%)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0).setXAxisMin(0.0);
        chart.getStyler().setXAxisDecimalPattern("0.####");
        for (EvalMethod m : s.certifying()) {
            CrCurve c = s.crCurve(m.name());
            style(chart.addSeries(String.format(Locale.ROOT, "%s (CR-AUC %.3f)", m.name(), c.auc()), c.eps(), c.percent()), s, m);
        }
        EvalMethod attack = s.attack();
        if (attack != null) {
            CrCurve c = s.attackCurve(attack.name());
            XYSeries series = chart.addSeries(attack.name() + " (not refuted: upper bound)", c.eps(), c.percent());
            series.setLineStyle(SeriesLines.DASH_DASH);
            series.setMarker(SeriesMarkers.NONE);
            series.setLineColor(Color.GRAY);
        }
        return chart;
    }

    /**
     * Mean time per image against ε, one line per method (a method is drawn only at the radii where it ran on some
     * image); a log axis when the times span more than two decades, as bound methods and attacks usually do.
     */
    static XYChart times(Summary s) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Mean time per image (" + s.images() + " images)")
                .xAxisTitle("ε (L∞, pixel range [0, 1])").yAxisTitle("seconds per image").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0.####");
        List<Summary.EpsRow> rows = s.rows().stream().sorted(java.util.Comparator.comparingDouble(Summary.EpsRow::eps)).toList();
        double min = Double.POSITIVE_INFINITY, max = 0;
        record Line(EvalMethod method, String name, double[] x, double[] y) {}
        List<Line> lines = new ArrayList<>();
        for (EvalMethod m : s.methods()) {
            List<double[]> pts = new ArrayList<>();
            for (Summary.EpsRow r : rows) {
                double t = r.stats(m.name()).meanSeconds();
                // No point where the method never ran (every image misclassified or refuted first) or took no measurable time.
                if (t > 0) {
                    pts.add(new double[] {r.eps(), t});
                    min = Math.min(min, t);
                    max = Math.max(max, t);
                }
            }
            if (!pts.isEmpty())
                lines.add(new Line(m, m.name(), pts.stream().mapToDouble(p -> p[0]).toArray(), pts.stream().mapToDouble(p -> p[1]).toArray()));
        }
        chart.getStyler().setYAxisLogarithmic(max > 0 && max / min > 100);
        for (Line l : lines) style(chart.addSeries(l.name(), l.x(), l.y()), s, l.method());
        if (lines.isEmpty()) chart.addSeries("(no method ran)", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        return chart;
    }
}
