package dev.analytics.pipeline.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Writing test input to Kafka through a real producer. */
public final class KafkaTopics {
  private KafkaTopics() {}

  /** A record value for a given partition, with its record timestamp (null: the producer's now). */
  public record Input(int partition, byte[] value, Long timestamp) {
    public Input(int partition, byte[] value) {
      this(partition, value, null);
    }
  }

  /**
   * Writes the records in order and fails if any send failed. Not idempotent: after a Flink job's
   * transactional producers were fenced on the same in-JVM broker, an idempotent producer has been
   * seen to send every batch with sequence 0 (OutOfOrderSequenceException), silently losing
   * records; one request in flight keeps the order without it.
   */
  public static void produce(String bootstrap, String topic, List<Input> inputs) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "all");
    p.put("linger.ms", "5");
    p.put("enable.idempotence", "false");
    p.put("max.in.flight.requests.per.connection", "1");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>(inputs.size());
      for (Input in : inputs) {
        sent.add(
            producer.send(
                new ProducerRecord<>(topic, in.partition(), in.timestamp(), null, in.value())));
      }
      producer.flush();
      for (Future<RecordMetadata> f : sent) {
        f.get();
      }
    }
  }
}
