package dev.analytics.pipeline.sinks.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.analytics.pipeline.model.DeadLetter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A dead letter as a Kafka record: key {@code topic/partition/offset} of the source record, value a
 * JSON object:
 *
 * <pre>{"reason":"wrong_type","field":"value","detail":"expected a number, got string",
 *  "source_topic":"analytics-events","source_partition":0,"source_offset":42,
 *  "received_at":1700000000000,"raw_size":87,"raw_truncated":false,"raw_base64":"eyJldm..."}</pre>
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
  private static final JsonFactory FACTORY = new JsonFactory();
  private final String topic;

  public DeadLetterSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetter d, KafkaSinkContext context, Long timestamp) {
    byte[] key = (d.topic + "/" + d.partition + "/" + d.offset).getBytes(StandardCharsets.UTF_8);
    return new ProducerRecord<>(topic, key, toJson(d));
  }

  public static byte[] toJson(DeadLetter d) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + d.raw.length * 4 / 3);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("reason", d.reason.code());
      if (d.field != null) {
        g.writeStringField("field", d.field);
      }
      g.writeStringField("detail", d.detail);
      g.writeStringField("source_topic", d.topic);
      g.writeNumberField("source_partition", d.partition);
      g.writeNumberField("source_offset", d.offset);
      g.writeNumberField("received_at", d.receivedAt);
      g.writeNumberField("raw_size", d.rawSize);
      g.writeBooleanField("raw_truncated", d.truncated());
      g.writeStringField("raw_base64", Base64.getEncoder().encodeToString(d.raw));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
