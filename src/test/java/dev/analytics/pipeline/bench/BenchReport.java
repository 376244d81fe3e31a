package dev.analytics.pipeline.bench;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/** The table, {@code report.md} and the PNG charts of a benchmark run. */
final class BenchReport {
  private BenchReport() {}

  /** A value with thousands separators and as many decimals as its size deserves. */
  static String format(double value) {
    if (Double.isNaN(value)) {
      return "-";
    }
    double abs = Math.abs(value);
    if (abs >= 100 || value == Math.rint(value) && abs < 1e15) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (abs >= 10) {
      return String.format(Locale.ROOT, "%,.1f", value);
    }
    if (abs >= 0.1) {
      return String.format(Locale.ROOT, "%.2f", value);
    }
    return String.format(Locale.ROOT, "%.4f", value);
  }

  /** One measurement on one console line. */
  static String line(Measurement m) {
    return String.format(
        Locale.ROOT, "%-60s %16s %-9s %s", m.name(), format(m.value()), m.unit(), m.note());
  }

  /** The console table: section, measurement, value, unit, note. */
  static String table(List<Measurement> rows) {
    int section = "section".length();
    int name = "measurement".length();
    int value = "value".length();
    int unit = "unit".length();
    for (Measurement m : rows) {
      section = Math.max(section, m.section().length());
      name = Math.max(name, m.name().length());
      value = Math.max(value, format(m.value()).length());
      unit = Math.max(unit, m.unit().length());
    }
    String f = "%-" + section + "s  %-" + name + "s  %" + value + "s  %-" + unit + "s  %s%n";
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, f, "section", "measurement", "value", "unit", "note"));
    out.append("-".repeat(section + name + value + unit + 8 + 20)).append('\n');
    for (Measurement m : rows) {
      out.append(
          String.format(
              Locale.ROOT, f, m.section(), m.name(), format(m.value()), m.unit(), m.note()));
    }
    return out.toString();
  }

  /** The markdown table (pipes in cells escaped). */
  static String markdownTable(List<Measurement> rows) {
    StringBuilder out = new StringBuilder();
    out.append("| section | measurement | value | unit | note |\n");
    out.append("| --- | --- | ---: | --- | --- |\n");
    for (Measurement m : rows) {
      out.append("| ")
          .append(cell(m.section()))
          .append(" | ")
          .append(cell(m.name()))
          .append(" | ")
          .append(format(m.value()))
          .append(" | ")
          .append(cell(m.unit()))
          .append(" | ")
          .append(cell(m.note()))
          .append(" |\n");
    }
    return out.toString();
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  /** Writes report.md and the charts into {@code dir}. */
  static void write(
      Path dir,
      List<BenchSection> sections,
      List<Measurement> rows,
      Machine before,
      Machine after,
      boolean quick,
      double minutes)
      throws IOException {
    List<String> charts = new ArrayList<>();
    if (barChart(dir.resolve("throughput.png"), rows, "events/s", "Throughput (log scale)")) {
      charts.add("throughput.png");
    }
    if (barChart(dir.resolve("rows.png"), rows, "rows/s", "Rows written per second (log scale)")) {
      charts.add("rows.png");
    }
    if (latencyChart(dir.resolve("latency.png"), rows)) {
      charts.add("latency.png");
    }
    StringBuilder md = new StringBuilder();
    md.append("# Benchmark report").append(quick ? " (quick run: not the published figures)" : "");
    md.append("\n\nCommand: `jobs/bench.sh").append(quick ? " --quick" : "").append("`, ");
    md.append(String.format(Locale.ROOT, "%.1f minutes, ", minutes)).append(before.date());
    md.append(".\n\n## Machine\n\n| | |\n| --- | --- |\n");
    md.append("| CPU | ").append(before.cpu()).append(" |\n");
    md.append("| cores | ").append(before.cores()).append(" |\n");
    md.append("| memory | ").append(before.memory()).append(" |\n");
    md.append("| JVM | ").append(before.jvm()).append(" |\n");
    md.append("| OS | ").append(before.os()).append(" |\n");
    md.append("| load average (1, 5, 15 min) before | ")
        .append(before.loadAverage())
        .append(" |\n");
    md.append("| load average (1, 5, 15 min) after | ").append(after.loadAverage()).append(" |\n");
    md.append("| git commit | ").append(before.commit()).append(" |\n");
    md.append("| date | ").append(before.date()).append(" |\n");
    md.append("\n## Results\n\n").append(markdownTable(rows));
    md.append("\n## What each section measures\n");
    for (BenchSection s : sections) {
      md.append("\n### ").append(s.title()).append("\n\n");
      if (s instanceof DescribedSection d) {
        md.append(d.whatItMeasures().strip()).append("\n");
      }
    }
    if (!charts.isEmpty()) {
      md.append("\n## Charts\n\n");
      for (String c : charts) {
        md.append("![").append(c).append("](").append(c).append(")\n\n");
      }
    }
    Files.writeString(dir.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);
  }

  /** Horizontal bars of every positive measurement in {@code unit}, log scale; false if none. */
  private static boolean barChart(Path file, List<Measurement> rows, String unit, String title)
      throws IOException {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    int n = 0;
    for (Measurement m : rows) {
      if (unit.equals(m.unit()) && m.value() > 0) {
        data.addValue(m.value(), unit, label(m.section() + ": " + m.name()));
        n++;
      }
    }
    if (n == 0) {
      return false;
    }
    JFreeChart chart =
        ChartFactory.createBarChart(
            title, null, unit, data, PlotOrientation.HORIZONTAL, false, false, false);
    CategoryPlot plot = style(chart);
    LogAxis axis = new LogAxis(unit + " (log scale)");
    axis.setBase(10);
    axis.setSmallestValue(1);
    axis.setUpperMargin(0.15);
    axis.setTickUnit(new NumberTickUnit(1.0)); // one tick per power of ten
    axis.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.###"));
    plot.setRangeAxis(axis);
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setSeriesPaint(0, new Color(0x3B, 0x75, 0xAF));
    renderer.setDefaultItemLabelGenerator(
        new StandardCategoryItemLabelGenerator("{2}", new java.text.DecimalFormat("#,##0")));
    renderer.setDefaultItemLabelsVisible(true);
    renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 1300, 120 + 34 * n);
    return true;
  }

  /** p50 and p99 bars of the latency rows (unit ms, name ending in ": p50" / ": p99"). */
  private static boolean latencyChart(Path file, List<Measurement> rows) throws IOException {
    Map<String, Map<String, Double>> bySubject = new LinkedHashMap<>();
    for (Measurement m : rows) {
      int colon = m.name().lastIndexOf(": ");
      if (!"ms".equals(m.unit()) || colon < 0) {
        continue;
      }
      String stat = m.name().substring(colon + 2);
      if (stat.equals("p50") || stat.equals("p99")) {
        bySubject
            .computeIfAbsent(label(m.name().substring(0, colon)), k -> new LinkedHashMap<>())
            .put(stat, m.value());
      }
    }
    if (bySubject.isEmpty()) {
      return false;
    }
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Map.Entry<String, Map<String, Double>> e : bySubject.entrySet()) {
      for (Map.Entry<String, Double> s : e.getValue().entrySet()) {
        data.addValue(s.getValue() / 1000.0, s.getKey(), e.getKey());
      }
    }
    JFreeChart chart =
        ChartFactory.createBarChart(
            "Latency from event time to visible in ClickHouse",
            null,
            "seconds",
            data,
            PlotOrientation.HORIZONTAL,
            true,
            false,
            false);
    CategoryPlot plot = style(chart);
    plot.getRangeAxis().setUpperMargin(0.12);
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setSeriesPaint(0, new Color(0x3B, 0x75, 0xAF));
    renderer.setSeriesPaint(1, new Color(0xE0, 0x7B, 0x39));
    renderer.setDefaultItemLabelGenerator(
        new StandardCategoryItemLabelGenerator("{2} s", new java.text.DecimalFormat("0.00")));
    renderer.setDefaultItemLabelsVisible(true);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 1100, 160 + 70 * bySubject.size());
    return true;
  }

  private static CategoryPlot style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    CategoryAxis axis = plot.getDomainAxis();
    axis.setMaximumCategoryLabelWidthRatio(0.55f);
    axis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setItemMargin(0.05);
    return plot;
  }

  private static String label(String s) {
    return s.length() <= 90 ? s : s.substring(0, 87) + "...";
  }
}
