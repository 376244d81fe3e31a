package dev.analytics.pipeline.sinks;

import dev.analytics.pipeline.model.Alert;
import dev.analytics.pipeline.model.PrivacyEstimate;
import dev.analytics.pipeline.model.WindowAggregate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Compact console lines for the local run. */
public final class ConsoleLines {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private ConsoleLines() {}

  /** The header of the window table. */
  public static final String WINDOW_HEADER =
      String.format(
          Locale.ROOT,
          "   %-19s %-4s %-52s %9s %7s %5s %9s %9s %9s %9s %9s",
          "window (UTC)",
          "size",
          "event type [dimensions]",
          "est.count",
          "kept",
          "rate",
          "mean",
          "p50",
          "p95",
          "p99",
          "max");

  /** One row per closed window: bounds, key, counts and, for measured types, value statistics. */
  public static String window(WindowAggregate a) {
    String key = a.eventType + (a.dimensions.isEmpty() ? "" : " " + a.dimensions);
    String values =
        a.valueCount == 0
            ? ""
            : String.format(
                Locale.ROOT,
                " %9s %9s %9s %9s %9s",
                num(a.mean),
                num(a.p50),
                num(a.p95),
                num(a.p99),
                num(a.max));
    return String.format(
        Locale.ROOT,
        "%s %-4s %-52s %9.0f %7d %5.3f%s%s",
        TIME.format(Instant.ofEpochMilli(a.windowStart)),
        a.granularity,
        key.length() > 52 ? key.substring(0, 51) + "~" : key,
        a.estimatedCount,
        a.keptCount,
        a.sampleRate,
        values,
        a.version > 0 ? "  v" + a.version : "");
  }

  /** One line per alert, marked so that it stands out between the window rows. */
  public static String alert(Alert a) {
    String key = a.eventType + (a.dimensions.isEmpty() ? "" : " " + a.dimensions);
    return String.format(
        Locale.ROOT,
        "ALERT %-8s %s %s %s=%s baseline %s confidence %.2f%s  %s",
        a.pattern.toUpperCase(Locale.ROOT),
        TIME.format(Instant.ofEpochMilli(a.windowStart)),
        key,
        a.metric,
        num(a.value),
        num(a.baseline),
        a.confidence,
        a.version > 0 ? " v" + a.version : "",
        a.message == null ? "" : a.message);
  }

  /** One line per privacy-corrected count. */
  public static String privacy(PrivacyEstimate p) {
    return String.format(
        Locale.ROOT,
        "privacy %s %-10s %-28s observed %8.0f corrected %9.1f +- %.1f%s",
        TIME.format(Instant.ofEpochMilli(p.windowStart)),
        p.group,
        p.eventType,
        p.observed,
        p.estimate,
        p.stddev,
        p.version > 0 ? "  v" + p.version : "");
  }

  private static String num(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    double abs = Math.abs(v);
    return abs != 0 && (abs >= 1e6 || abs < 1e-2)
        ? String.format(Locale.ROOT, "%.2e", v)
        : String.format(Locale.ROOT, "%.2f", v);
  }
}
