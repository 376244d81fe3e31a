package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.config.JobOptions.SecurityProtocol;
import java.util.Properties;

/** Kafka client properties shared by the source and the Kafka sinks: security and extras. */
public final class KafkaClientProperties {
  private KafkaClientProperties() {}

  public static Properties from(JobConfig config) {
    Properties props = new Properties();
    props.putAll(config.get(JobOptions.KAFKA_PROPERTIES));
    SecurityProtocol protocol = config.get(JobOptions.KAFKA_SECURITY_PROTOCOL);
    props.setProperty("security.protocol", protocol.name());
    if (protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL) {
      String mechanism = config.get(JobOptions.KAFKA_SASL_MECHANISM);
      String module =
          mechanism.startsWith("SCRAM")
              ? "org.apache.kafka.common.security.scram.ScramLoginModule"
              : "org.apache.kafka.common.security.plain.PlainLoginModule";
      props.setProperty("sasl.mechanism", mechanism);
      props.setProperty(
          "sasl.jaas.config",
          module
              + " required username=\""
              + escape(config.get(JobOptions.KAFKA_SASL_USERNAME))
              + "\" password=\""
              + escape(config.get(JobOptions.KAFKA_SASL_PASSWORD))
              + "\";");
    }
    return props;
  }

  private static String escape(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
