package dev.analytics.pipeline.sinks.kafka;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** JSON fields shared by the window aggregate and alert documents. */
final class JsonFields {
  private JsonFields() {}

  /**
   * The window a record belongs to: event_type, dimensions (sorted by key), granularity,
   * window_start and window_end (ISO-8601 UTC).
   */
  static void window(
      JsonGenerator g,
      String eventType,
      Map<String, String> dimensions,
      String granularity,
      long windowStart,
      long windowEnd)
      throws IOException {
    g.writeStringField("event_type", eventType);
    g.writeObjectFieldStart("dimensions");
    for (Map.Entry<String, String> d : new TreeMap<>(dimensions).entrySet()) {
      g.writeStringField(d.getKey(), d.getValue());
    }
    g.writeEndObject();
    g.writeStringField("granularity", granularity);
    g.writeStringField("window_start", Instant.ofEpochMilli(windowStart).toString());
    g.writeStringField("window_end", Instant.ofEpochMilli(windowEnd).toString());
  }

  /** A number, or null when it is NaN or infinite (JSON has neither). */
  static void number(JsonGenerator g, String name, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumberField(name, v);
    } else {
      g.writeNullField(name);
    }
  }
}
