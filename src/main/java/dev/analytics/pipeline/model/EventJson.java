package dev.analytics.pipeline.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/** Writes an event back as schema-v1 JSON (timestamps as ISO-8601 UTC). */
public final class EventJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private EventJson() {}

  public static byte[] write(AnalyticsEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("event_id", e.eventId);
      g.writeStringField("event_type", e.eventType);
      g.writeStringField("timestamp", Instant.ofEpochMilli(e.timestamp).toString());
      if (e.hasValue) {
        g.writeNumberField("value", e.value);
      }
      writeOptional(g, "category", e.category);
      if (e.priority != null) {
        g.writeStringField("priority", e.priority.label());
      }
      writeOptional(g, "user_id", e.userId);
      writeOptional(g, "tenant_id", e.tenantId);
      if (!e.dimensions.isEmpty()) {
        g.writeObjectFieldStart("dimensions");
        for (Map.Entry<String, String> d : e.dimensions.entrySet()) {
          g.writeStringField(d.getKey(), d.getValue());
        }
        g.writeEndObject();
      }
      if (e.properties != null) {
        g.writeFieldName("properties");
        g.writeRawValue(e.properties);
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toByteArray();
  }

  private static void writeOptional(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }
}
