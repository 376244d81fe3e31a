package dev.analytics.pipeline.sinks.postgres;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;

/**
 * Where the sinks get their connections, all with {@code lock_timeout} set: plain connections for
 * the exactly-once sink's writers and committers, a connector provider for the at-least-once sinks.
 * {@link #DEFAULT} connects to the configured server; tests wrap it to inject failures into the
 * real connections.
 */
public interface PostgresConnections extends Serializable {
  /** The configured server. */
  PostgresConnections DEFAULT = new PostgresConnections() {};

  /** A new connection (auto-commit on), bounded in time by the configured timeouts. */
  default Connection connect(PostgresSettings settings) throws SQLException {
    return open(settings);
  }

  /** The connection of an at-least-once sink (auto-commit: one transaction per batch). */
  default JdbcConnectionProvider connectionProvider(PostgresSettings settings) {
    JdbcConnectionOptions.JdbcConnectionOptionsBuilder options =
        new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
            .withUrl(settings.url())
            .withDriverName("org.postgresql.Driver")
            .withUsername(settings.user());
    settings
        .connectionProperties()
        .forEach(
            (k, v) -> {
              if (!k.equals("user") && !k.equals("password")) {
                options.withProperty((String) k, (String) v);
              }
            });
    if (settings.password() != null) {
      options.withPassword(settings.password());
    }
    return new SimpleJdbcConnectionProvider(options.build());
  }

  /**
   * Opens a connection with {@link PostgresSettings#connectionProperties()}; a server that does not
   * answer in time is an error that says so and names the setting.
   */
  static Connection open(PostgresSettings settings) throws SQLException {
    try {
      return DriverManager.getConnection(settings.url(), settings.connectionProperties());
    } catch (SQLException e) {
      if (timedOut(e)) {
        throw new SQLException(
            "PostgreSQL at "
                + settings.redactedUrl()
                + " did not answer within postgres.connect-timeout ("
                + settings.connectTimeoutSeconds()
                + " s): "
                + e.getMessage(),
            e.getSQLState(),
            e);
      }
      throw e;
    }
  }

  /** Whether a socket timeout (connect, login or read) is among the causes. */
  static boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(java.util.Locale.ROOT);
      if (t instanceof java.net.SocketTimeoutException
          || m.contains("timeout")
          || m.contains("timed out")) {
        return true;
      }
    }
    return false;
  }
}
