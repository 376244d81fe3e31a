package dev.analytics.pipeline.sinks.kafka;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaClientProperties;
import dev.analytics.pipeline.ingest.KafkaOptions;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/**
 * Exactly-once Kafka sinks: records are written in Kafka transactions committed when the checkpoint
 * that holds them completes; consumers read them with {@code isolation.level=read_committed}.
 * {@code kafka.transaction-timeout} must outlast the checkpoint interval plus the longest restart,
 * or the broker aborts the transaction and the records are lost.
 */
public final class KafkaSinks {
  private KafkaSinks() {}

  /**
   * Batching for records that only become visible when their checkpoint commits anyway: 256 KiB
   * batches lingering up to 50 ms instead of the client's 16 KiB and 5 ms. Dead letters arrive in
   * bursts when a producer upstream breaks (10% of a 500,000 events/s stream in the benchmark), and
   * small batches then cost the brokers a request per 20 or so records. {@code kafka.properties}
   * overrides both.
   */
  static Properties producerProperties(JobConfig config) {
    Properties props = new Properties();
    props.setProperty("batch.size", String.valueOf(256 * 1024));
    props.setProperty("linger.ms", "50");
    props.putAll(KafkaClientProperties.from(config));
    return props;
  }

  /**
   * @param idSuffix distinguishes the transactional ids of the sinks of one job
   */
  public static <T> KafkaSink<T> exactlyOnce(
      JobConfig config, KafkaRecordSerializationSchema<T> serializer, String idSuffix) {
    return KafkaSink.<T>builder()
        .setBootstrapServers(config.get(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS))
        .setKafkaProducerConfig(producerProperties(config))
        .setProperty(
            "transaction.timeout.ms",
            String.valueOf(config.get(KafkaOptions.KAFKA_TRANSACTION_TIMEOUT).toMillis()))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(KafkaOptions.transactionalIdPrefix(config) + "-" + idSuffix)
        .setRecordSerializer(serializer)
        .build();
  }
}
