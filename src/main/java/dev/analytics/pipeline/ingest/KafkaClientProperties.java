package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.ingest.KafkaOptions.SecurityProtocol;
import java.util.Locale;
import java.util.Properties;
import org.apache.flink.configuration.ConfigOption;

/**
 * Kafka client properties shared by the source and every Kafka sink: the {@code kafka.properties}
 * extras, then the security settings of the typed options (security protocol, TLS trust and key
 * stores with their passwords, endpoint identification, SASL JAAS configuration). The result holds
 * secrets: hand it to Kafka clients only (which mask password-typed properties in their logs),
 * never log it.
 */
public final class KafkaClientProperties {
  private KafkaClientProperties() {}

  public static Properties from(JobConfig config) {
    Properties props = new Properties();
    props.putAll(config.get(KafkaOptions.KAFKA_PROPERTIES));
    SecurityProtocol protocol = config.get(KafkaOptions.KAFKA_SECURITY_PROTOCOL);
    props.setProperty("security.protocol", protocol.name());
    if (protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL) {
      setIfPresent(
          props, "ssl.truststore.location", config, KafkaOptions.KAFKA_SSL_TRUSTSTORE_LOCATION);
      if (props.containsKey("ssl.truststore.location")) {
        props.setProperty(
            "ssl.truststore.type", config.get(KafkaOptions.KAFKA_SSL_TRUSTSTORE_TYPE).name());
        setIfPresent(
            props, "ssl.truststore.password", config, KafkaOptions.KAFKA_SSL_TRUSTSTORE_PASSWORD);
      }
      setIfPresent(
          props, "ssl.keystore.location", config, KafkaOptions.KAFKA_SSL_KEYSTORE_LOCATION);
      if (props.containsKey("ssl.keystore.location")) {
        props.setProperty(
            "ssl.keystore.type", config.get(KafkaOptions.KAFKA_SSL_KEYSTORE_TYPE).name());
        setIfPresent(
            props, "ssl.keystore.password", config, KafkaOptions.KAFKA_SSL_KEYSTORE_PASSWORD);
        setIfPresent(props, "ssl.key.password", config, KafkaOptions.KAFKA_SSL_KEY_PASSWORD);
      }
      props.setProperty(
          "ssl.endpoint.identification.algorithm",
          config.get(KafkaOptions.KAFKA_SSL_ENDPOINT_IDENTIFICATION) ? "https" : "");
    }
    if (protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL) {
      String mechanism = config.get(KafkaOptions.KAFKA_SASL_MECHANISM).toUpperCase(Locale.ROOT);
      String module =
          mechanism.startsWith("SCRAM")
              ? "org.apache.kafka.common.security.scram.ScramLoginModule"
              : "org.apache.kafka.common.security.plain.PlainLoginModule";
      props.setProperty("sasl.mechanism", mechanism);
      props.setProperty(
          "sasl.jaas.config",
          module
              + " required username=\""
              + escape(config.get(KafkaOptions.KAFKA_SASL_USERNAME))
              + "\" password=\""
              + escape(config.get(KafkaOptions.KAFKA_SASL_PASSWORD))
              + "\";");
    }
    return props;
  }

  private static void setIfPresent(
      Properties props, String name, JobConfig config, ConfigOption<String> option) {
    String value = config.get(option);
    if (value != null) {
      props.setProperty(name, value);
    }
  }

  private static String escape(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
