package dev.analytics.pipeline.testing;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Writing test input to Kafka through a real producer. */
public final class KafkaTopics {
  private KafkaTopics() {}

  /** A record value for a given partition. */
  public record Input(int partition, byte[] value) {}

  public static void produce(String bootstrap, String topic, List<Input> inputs) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "all");
    p.put("linger.ms", "5");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (Input in : inputs) {
        producer.send(new ProducerRecord<>(topic, in.partition(), null, in.value()));
      }
      producer.flush();
    }
  }
}
