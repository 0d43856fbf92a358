package io.weir.perf.accuracy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots of a run: error vs bytes per series (one line per function, one point per parameter) and error by
 * sub-window kind, each as a pair of panels (mean, max). Log axes; an exact answer (0 %) is drawn at a floor.
 */
public final class AccuracyPlots {
    /** Where 0 % lands on a log axis. */
    static final double FLOOR_PERCENT = 1e-5;
    private static final int WIDTH = 820;
    private static final int HEIGHT = 600;
    /** Strong, distinct colours (the default palette has pale yellow and pink that vanish on white). */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0x7f7f7f), new Color(0xbcbd22),
        new Color(0x393b79), new Color(0x637939), new Color(0x843c39)};

    private final AccuracyReport report;

    public AccuracyPlots(AccuracyReport report) {
        this.report = report;
    }

    /** Writes {@code accuracy-<family>-error-vs-bytes.png} and {@code accuracy-<family>-by-subwindow.png}; returns the files. */
    public List<Path> write(Path dir, String family, String headlineLabel, int window) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        if (report.factoryLabels(family).size() > 1 && bytesIncrease(family, window)) {
            Path p = dir.resolve("accuracy-" + family + "-error-vs-bytes.png");
            sideBySide(p, errorVsBytes(family, window, true), errorVsBytes(family, window, false));
            out.add(p);
        }
        Path p = dir.resolve("accuracy-" + family + "-by-subwindow.png");
        sideBySide(p, bySubWindow(family, headlineLabel, window, true), bySubWindow(family, headlineLabel, window, false));
        out.add(p);
        return out;
    }

    /**
     * True when the family's parameter points, in sweep order, grow in bytes by >= 10 % each: a line over bytes
     * then reads as a trade-off. Points that trade one parameter for another at the same bytes (the quantile
     * family's buckets vs counters) are left to the table.
     */
    private boolean bytesIncrease(String family, int window) {
        long previous = 0;
        for (String label : report.factoryLabels(family)) {
            long bytes = report.cells().stream().filter(report.point(family, label, window)).findFirst().orElseThrow().bytesPerSeries();
            if (previous > 0 && bytes < previous * 1.1) {
                return false;
            }
            previous = bytes;
        }
        return true;
    }

    private XYChart errorVsBytes(String family, int window, boolean mean) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
            .title(family + ", window " + AccuracyReport.samples(window) + ", all distributions: " + (mean ? "mean over sub-window kinds" : "max over all queries"))
            .xAxisTitle("bytes per series").yAxisTitle((mean ? "mean" : "max") + " relative error (%)").build();
        style(chart.getStyler());
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        List<String> labels = report.factoryLabels(family);
        double[] bytes = new double[labels.size()];
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = 0;
        for (Measure m : report.measures(family)) {
            double[] y = new double[labels.size()];
            for (int i = 0; i < labels.size(); i++) {
                Predicate<AccuracyRun.Cell> f = report.point(family, labels.get(i), window).and(c -> c.measure().equals(m));
                bytes[i] = report.cells().stream().filter(f).findFirst().orElseThrow().bytesPerSeries();
                y[i] = floor(mean ? report.meanOverKinds(f) : report.pooled(f).maxRelative());
                yMin = Math.min(yMin, y[i]);
                yMax = Math.max(yMax, y[i]);
            }
            chart.addSeries(m.label(), bytes.clone(), y);
        }
        if (family.equals("aggregate")) {
            double lo = bytes[0] * 0.9;
            double hi = bytes[bytes.length - 1] * 1.1;
            goalLine(chart, mean ? "goal 0.1% avg/sum/count/sum2" : "goal 1% avg/sum/count/sum2", lo, hi, mean ? 0.1 : 1.0);
            if (mean) {
                goalLine(chart, "goal 0.5% stddev/stdvar/min/max", lo, hi, 0.5);
            }
            if (window == AccuracyReport.GOAL_WINDOW) {
                XYSeries s = chart.addSeries("goal 16 KB/series", new double[] {AccuracyReport.AGGREGATE_BYTES_GOAL, AccuracyReport.AGGREGATE_BYTES_GOAL},
                    new double[] {Math.min(yMin, 0.1) / 2, Math.max(yMax, 1) * 2});
                s.setMarker(SeriesMarkers.NONE);
                s.setLineStyle(SeriesLines.DOT_DOT);
                s.setLineColor(Color.GRAY);
            }
        }
        return chart;
    }

    private static void goalLine(XYChart chart, String name, double lo, double hi, double y) {
        XYSeries s = chart.addSeries(name, new double[] {lo, hi}, new double[] {y, y});
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(SeriesLines.DASH_DASH);
        s.setLineColor(y >= 0.5 ? Color.DARK_GRAY : Color.BLACK);
    }

    private CategoryChart bySubWindow(String family, String label, int window, boolean mean) {
        AccuracyRun.Cell sample = report.cells().stream().filter(report.point(family, label, window)).findFirst().orElseThrow();
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
            .title(family + " " + sample.parameters() + ", window " + AccuracyReport.samples(window) + ", all distributions: " + (mean ? "mean" : "max"))
            .xAxisTitle("sub-window (an exact 0 % is drawn at " + FLOOR_PERCENT + " %)").yAxisTitle((mean ? "mean" : "max") + " relative error (%)").build();
        style(chart.getStyler());
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        chart.getStyler().setOverlapped(true);
        List<String> kinds = new ArrayList<>();
        for (SubWindowKind k : SubWindowKind.values()) {
            kinds.add(k.label());
        }
        for (Measure m : report.measures(family)) {
            List<Double> y = new ArrayList<>();
            for (SubWindowKind k : SubWindowKind.values()) {
                ErrorStats s = report.pooled(report.point(family, label, window).and(c -> c.measure().equals(m) && c.kind() == k));
                y.add(floor(mean ? s.meanRelative() : s.maxRelative()));
            }
            chart.addSeries(m.label(), kinds, y);
        }
        return chart;
    }

    private static void style(AxesChartStyler s) {
        s.setYAxisLogarithmic(true);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setSeriesColors(PALETTE);
        s.setMarkerSize(7);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(220, 220, 220));
        s.setLegendBackgroundColor(new Color(255, 255, 255, 200));
        s.setChartTitleFont(s.getChartTitleFont().deriveFont(13f));
        s.setLegendFont(s.getLegendFont().deriveFont(11f));
    }

    private static double floor(double percent) {
        return percent != percent || percent < FLOOR_PERCENT ? FLOOR_PERCENT : percent;
    }

    private static void sideBySide(Path file, org.knowm.xchart.internal.chartpart.Chart<?, ?> left,
                                   org.knowm.xchart.internal.chartpart.Chart<?, ?> right) throws IOException {
        BufferedImage a = BitmapEncoder.getBufferedImage(left);
        BufferedImage b = BitmapEncoder.getBufferedImage(right);
        BufferedImage out = new BufferedImage(a.getWidth() + b.getWidth(), Math.max(a.getHeight(), b.getHeight()), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.drawImage(a, 0, 0, null);
        g.drawImage(b, a.getWidth(), 0, null);
        g.dispose();
        ImageIO.write(out, "png", file.toFile());
    }
}
