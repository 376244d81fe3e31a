package dev.analytics.pipeline.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
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
final class TransportSecurity {
  private TransportSecurity() {}

  /** A connection without TLS: the key that configures it, why, and whether a warning is due. */
  record Plaintext(ConfigOption<?> option, String problem, boolean warn) {}

  private static final Set<String> TLS_SSLMODES = Set.of("require", "verify-ca", "verify-full");

  static List<Plaintext> find(ReadableConfig conf) {
    List<Plaintext> found = new ArrayList<>();
    String clickhouse = conf.get(JobOptions.CLICKHOUSE_URL);
    if (!clickhouse.isBlank() && clickhouse.toLowerCase(Locale.ROOT).startsWith("http://")) {
      boolean password = !isEmpty(conf.get(JobOptions.CLICKHOUSE_PASSWORD));
      found.add(
          new Plaintext(
              JobOptions.CLICKHOUSE_URL,
              password
                  ? "is http://: the password of clickhouse.user goes in clear (HTTP basic"
                      + " authentication); use https://"
                  : "is http://: rows go unencrypted; use https://",
              password && !loopback(List.of(host(clickhouse)))));
    }
    String postgres = conf.get(JobOptions.POSTGRES_URL);
    if (!postgres.isEmpty()) {
      String mode = sslmode(postgres);
      if (!TLS_SSLMODES.contains(mode)) {
        found.add(
            new Plaintext(
                JobOptions.POSTGRES_URL,
                "has sslmode="
                    + mode
                    + (mode.equals("prefer") ? " (the driver's default)" : "")
                    + ": the connection may go without TLS; add sslmode=verify-full (or require)",
                !loopback(postgresHosts(postgres))));
      }
    }
    JobOptions.SecurityProtocol protocol = conf.get(JobOptions.KAFKA_SECURITY_PROTOCOL);
    String servers = conf.getOptional(JobOptions.KAFKA_BOOTSTRAP_SERVERS).orElse("");
    if (!servers.isEmpty()
        && (protocol == JobOptions.SecurityProtocol.PLAINTEXT
            || protocol == JobOptions.SecurityProtocol.SASL_PLAINTEXT)) {
      boolean clearPassword =
          protocol == JobOptions.SecurityProtocol.SASL_PLAINTEXT
              && conf.get(JobOptions.KAFKA_SASL_MECHANISM).equalsIgnoreCase("PLAIN");
      List<String> hosts = new ArrayList<>();
      for (String server : servers.split(",")) {
        String s = server.trim();
        int colon = s.lastIndexOf(':');
        hosts.add(colon < 0 ? s : s.substring(0, colon));
      }
      found.add(
          new Plaintext(
              JobOptions.KAFKA_SECURITY_PROTOCOL,
              "is "
                  + protocol
                  + (clearPassword
                      ? ": the SASL PLAIN password goes in clear; use SASL_SSL"
                      : ": records go unencrypted; use SSL or SASL_SSL"),
              clearPassword && !loopback(hosts)));
    }
    return found;
  }

  /** The sslmode of a PostgreSQL JDBC URL as the driver takes it. */
  static String sslmode(String url) {
    int q = url.indexOf('?');
    String mode = null;
    boolean ssl = false;
    if (q >= 0) {
      for (String param : url.substring(q + 1).split("&")) {
        int eq = param.indexOf('=');
        String name = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
        String value = eq < 0 ? "" : param.substring(eq + 1).toLowerCase(Locale.ROOT);
        if (name.equals("sslmode")) {
          mode = value;
        } else if (name.equals("ssl") && !value.equals("false")) {
          ssl = true;
        }
      }
    }
    // pgjdbc: ssl=true without sslmode is verify-full; neither is prefer.
    return mode != null ? mode : ssl ? "verify-full" : "prefer";
  }

  private static List<String> postgresHosts(String url) {
    int authority = url.indexOf("//");
    if (authority < 0) {
      return List.of("localhost"); // jdbc:postgresql:database
    }
    int end = url.indexOf('/', authority + 2);
    int q = url.indexOf('?', authority + 2);
    if (end < 0 || (q >= 0 && q < end)) {
      end = q;
    }
    List<String> hosts = new ArrayList<>();
    for (String hp : url.substring(authority + 2, end < 0 ? url.length() : end).split(",")) {
      String h = hp.startsWith("[") ? hp.substring(1, Math.max(1, hp.indexOf(']'))) : hp;
      int colon = h.indexOf(':');
      hosts.add(hp.startsWith("[") || colon < 0 ? h : h.substring(0, colon));
    }
    return hosts;
  }

  private static String host(String url) {
    try {
      String host = new URI(url).getHost();
      return host == null ? "" : host;
    } catch (java.net.URISyntaxException e) {
      return "";
    }
  }

  private static boolean loopback(List<String> hosts) {
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

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
