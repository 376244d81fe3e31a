package dev.analytics.pipeline.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The records of the control topics. A change asked for (key: the configuration key):
 *
 * <pre>{"value": "0.02", "effective_from": "2026-12-02T10:00:00Z"}</pre>
 *
 * ({@code effective_from} optional; a null record value or {@code "value": null} undoes the key's
 * change). An applied change, on the audit topic, carries the same two fields (so that audit
 * records can be written back as requests, for a replay) and its stamping:
 *
 * <pre>{"seq": 3, "key": "sampling.rates.cache_hit", "value": "0.02",
 *  "effective_from": "2026-12-02T10:00:00Z", "effective_from_ms": 1796205600000,
 *  "watermark_ms": 1796205592000, "requested_at_ms": ..., "source_partition": 0, "source_offset": 7}
 * </pre>
 *
 * A refused one: key, value, {@code reason}, the watermark and the source offset.
 */
public final class ControlJson {
  private ControlJson() {}

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A control record as read; never fails: an unreadable one carries its problem. */
  public static ControlRequest request(
      byte[] key, byte[] value, int partition, long offset, long timestamp) {
    ControlRequest r = new ControlRequest();
    r.partition = partition;
    r.offset = offset;
    r.requestedAt = timestamp;
    r.key = key == null ? null : new String(key, StandardCharsets.UTF_8).strip();
    if (value == null) {
      return r; // a tombstone: undo the key's change
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(value);
    } catch (IOException e) {
      r.problem =
          "the value is not JSON ({\"value\": \"...\", \"effective_from\": \"ISO instant\"}): "
              + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                  ? j.getOriginalMessage()
                  : e.getMessage());
      return r;
    }
    if (node == null || !node.isObject() || !node.has("value")) {
      r.problem = "the value needs a field 'value' ({\"value\": \"...\"}, null to undo the change)";
      return r;
    }
    JsonNode v = node.get("value");
    if (v.isContainerNode()) {
      r.problem =
          "'value' must be a string in the syntax of arguments (lists a;b, maps k1:v1,k2:v2)";
      return r;
    }
    r.value = v.isNull() ? null : v.asText();
    JsonNode from = node.get("effective_from");
    if (from != null && !from.isNull()) {
      try {
        r.effectiveFrom = Instant.parse(from.asText()).toEpochMilli();
      } catch (DateTimeParseException e) {
        r.problem =
            "effective_from '"
                + from.asText()
                + "' is not an ISO-8601 instant such as 2026-12-02T10:00:00Z";
      }
    }
    return r;
  }

  /** The record value of a change asked for. */
  public static byte[] requestValue(String value, Instant effectiveFrom) {
    return write(
        g -> {
          g.writeStringField("value", value);
          if (effectiveFrom != null) {
            g.writeStringField("effective_from", effectiveFrom.toString());
          }
        });
  }

  public static byte[] applied(ControlChange c) {
    return write(
        g -> {
          g.writeNumberField("seq", c.seq);
          g.writeStringField("key", c.key);
          g.writeStringField("value", c.value);
          g.writeStringField("effective_from", instant(c.effectiveFrom));
          g.writeNumberField("effective_from_ms", c.effectiveFrom);
          g.writeNumberField("watermark_ms", c.watermark);
          g.writeNumberField("requested_at_ms", c.requestedAt);
          g.writeNumberField("source_partition", c.partition);
          g.writeNumberField("source_offset", c.offset);
        });
  }

  public static byte[] refused(ControlRefusal r) {
    return write(
        g -> {
          g.writeStringField("key", r.key);
          g.writeStringField("value", r.value);
          if (r.effectiveFrom != null) {
            g.writeStringField("effective_from", instant(r.effectiveFrom));
          }
          g.writeStringField("reason", r.reason);
          g.writeNumberField("watermark_ms", r.watermark);
          g.writeNumberField("requested_at_ms", r.requestedAt);
          g.writeNumberField("source_partition", r.partition);
          g.writeNumberField("source_offset", r.offset);
        });
  }

  /** An applied change read back from the audit topic. */
  public static ControlChange readApplied(byte[] value) {
    try {
      JsonNode n = MAPPER.readTree(value);
      ControlChange c = new ControlChange();
      c.seq = n.get("seq").asLong();
      c.key = n.get("key").asText();
      c.value = n.get("value").isNull() ? null : n.get("value").asText();
      c.effectiveFrom = n.get("effective_from_ms").asLong();
      c.watermark = n.get("watermark_ms").asLong();
      c.requestedAt = n.get("requested_at_ms").asLong();
      c.partition = n.get("source_partition").asInt();
      c.offset = n.get("source_offset").asLong();
      return c;
    } catch (IOException | NullPointerException e) {
      throw new IllegalArgumentException(
          "not an applied control change: " + new String(value, StandardCharsets.UTF_8), e);
    }
  }

  /** A refused change read back from the refusal topic. */
  public static ControlRefusal readRefused(byte[] value) {
    try {
      JsonNode n = MAPPER.readTree(value);
      ControlRefusal r = new ControlRefusal();
      r.key = n.get("key").isNull() ? null : n.get("key").asText();
      r.value = n.get("value").isNull() ? null : n.get("value").asText();
      r.reason = n.get("reason").asText();
      r.watermark = n.get("watermark_ms").asLong();
      r.requestedAt = n.get("requested_at_ms").asLong();
      r.partition = n.get("source_partition").asInt();
      r.offset = n.get("source_offset").asLong();
      return r;
    } catch (IOException | NullPointerException e) {
      throw new IllegalArgumentException(
          "not a refused control change: " + new String(value, StandardCharsets.UTF_8), e);
    }
  }

  /** An event time as ISO-8601; the ends of time as "start" and "end". */
  static String instant(long eventTime) {
    if (eventTime == Long.MIN_VALUE) {
      return null; // from the start: no effective_from, as asked for
    }
    if (eventTime == Long.MAX_VALUE) {
      return "+292278994-08-17T07:12:55.807Z";
    }
    return Instant.ofEpochMilli(eventTime).toString();
  }

  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] write(Fields fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
