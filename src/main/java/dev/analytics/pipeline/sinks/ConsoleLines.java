package dev.analytics.pipeline.sinks;

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

  /** One line per closed window: bounds, key, counts. */
  public static String window(WindowAggregate a) {
    return String.format(
        Locale.ROOT,
        "window %s +%s  %-28s %s est=%9.1f kept=%7d rate=%.3f%s",
        TIME.format(Instant.ofEpochMilli(a.windowStart)),
        a.granularity,
        a.eventType,
        a.dimensions.isEmpty() ? "" : a.dimensions.toString(),
        a.estimatedCount,
        a.keptCount,
        a.sampleRate,
        a.version > 0 ? " v" + a.version : "");
  }
}
