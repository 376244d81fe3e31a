package dev.analytics.pipeline.sinks;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.ingest.KafkaClientProperties;
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
   * @param idSuffix distinguishes the transactional ids of the sinks of one job
   */
  public static <T> KafkaSink<T> exactlyOnce(
      JobConfig config, KafkaRecordSerializationSchema<T> serializer, String idSuffix) {
    return KafkaSink.<T>builder()
        .setBootstrapServers(config.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
        .setKafkaProducerConfig(KafkaClientProperties.from(config))
        .setProperty(
            "transaction.timeout.ms",
            String.valueOf(config.get(JobOptions.KAFKA_TRANSACTION_TIMEOUT).toMillis()))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(
            config.get(JobOptions.KAFKA_TRANSACTIONAL_ID_PREFIX) + "-" + idSuffix)
        .setRecordSerializer(serializer)
        .build();
  }
}
