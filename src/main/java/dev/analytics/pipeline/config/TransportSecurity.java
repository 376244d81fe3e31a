package dev.analytics.pipeline.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Which configured connections go without TLS: ClickHouse over {@code http://}, PostgreSQL without
 * an {@code sslmode} that insists on TLS (the driver's default, {@code prefer}, falls back to plain
 * text without a word, which an attacker on the path can force), Kafka over PLAINTEXT or
 * SASL_PLAINTEXT. With {@code security.require-tls} each is refused at start-up; without, the job
 * warns about those that matter: a password in clear (ClickHouse basic authentication over http,
 * Kafka SASL PLAIN over SASL_PLAINTEXT) or PostgreSQL traffic that leaves this host unencrypted.
 * Connections to a loopback host never leave the machine and are not warned about.
 */
public final class TransportSecurity {
  private TransportSecurity() {}

  /** A connection without TLS: the key that configures it, why, and whether a warning is due. */
  public record Plaintext(ConfigOption<?> option, String problem, boolean warn) {}

  /** The connections without TLS of every stage, in the order of the stages. */
  static List<Plaintext> find(ReadableConfig conf) {
    List<Plaintext> found = new ArrayList<>();
    for (StageOptions stage : JobConfig.STAGES) {
      found.addAll(stage.plaintext(conf));
    }
    return found;
  }

  public static String host(String url) {
    try {
      String host = new URI(url).getHost();
      return host == null ? "" : host;
    } catch (java.net.URISyntaxException e) {
      return "";
    }
  }

  public static boolean loopback(List<String> hosts) {
    for (String h : hosts) {
      String host = h.toLowerCase(Locale.ROOT);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      boolean isLoopback =
          host.isEmpty()
              || host.equals("localhost")
              || host.endsWith(".localhost")
              || host.startsWith("127.")
              || host.equals("::1");
      if (!isLoopback) {
        return false;
      }
    }
    return true;
  }

  static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
