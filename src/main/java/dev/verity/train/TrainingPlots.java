package dev.verity.train;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The training curves as one PNG: losses per epoch (left) and accuracies with ε and κ (right), drawn headless by
 * XChart.
 */
public final class TrainingPlots {
    private TrainingPlots() {}

    public static void write(Path file, List<EpochRecord> log, String title) {
        if (log.isEmpty()) return;
        double[] x = log.stream().mapToDouble(EpochRecord::epoch).toArray();
        XYChart losses = new XYChartBuilder().width(700).height(500).title("Loss: " + title).xAxisTitle("epoch").yAxisTitle("mean loss").build();
        losses.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE).setChartBackgroundColor(Color.WHITE);
        losses.addSeries("loss", x, log.stream().mapToDouble(EpochRecord::loss).toArray());
        losses.addSeries("clean CE", x, log.stream().mapToDouble(EpochRecord::cleanLoss).toArray());
        double[] robust = log.stream().mapToDouble(r -> Double.isFinite(r.robustLoss()) ? r.robustLoss() : Double.NaN).toArray();
        if (java.util.Arrays.stream(robust).anyMatch(Double::isFinite)) losses.addSeries("robust CE", x, robust);
        XYChart acc = new XYChartBuilder().width(700).height(500).title("Accuracy (validation at ε_test)").xAxisTitle("epoch").yAxisTitle("fraction").build();
        acc.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE).setChartBackgroundColor(Color.WHITE);
        acc.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        acc.addSeries("train (clean)", x, log.stream().mapToDouble(EpochRecord::trainAccuracy).toArray());
        acc.addSeries("validation (clean)", x, log.stream().mapToDouble(EpochRecord::validationAccuracy).toArray());
        acc.addSeries("certified (" + log.getLast().certifier() + ")", x, log.stream().mapToDouble(EpochRecord::certifiedAccuracy).toArray());
        acc.addSeries("κ", x, log.stream().mapToDouble(EpochRecord::kappa).toArray());
        BufferedImage left = BitmapEncoder.getBufferedImage(losses), right = BitmapEncoder.getBufferedImage(acc);
        BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth(), Math.max(left.getHeight(), right.getHeight()), BufferedImage.TYPE_INT_RGB);
        var g = both.createGraphics();
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.dispose();
        try {
            ImageIO.write(both, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
