package dev.analytics.pipeline.sinks.postgres;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
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

  /** A new connection (auto-commit on). */
  default Connection connect(PostgresSettings settings) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", settings.user());
    if (settings.password() != null) {
      p.setProperty("password", settings.password());
    }
    p.setProperty("options", "-c lock_timeout=" + settings.lockTimeoutMillis());
    return DriverManager.getConnection(settings.url(), p);
  }

  /** The connection of an at-least-once sink (auto-commit: one transaction per batch). */
  default JdbcConnectionProvider connectionProvider(PostgresSettings settings) {
    JdbcConnectionOptions.JdbcConnectionOptionsBuilder options =
        new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
            .withUrl(settings.url())
            .withDriverName("org.postgresql.Driver")
            .withUsername(settings.user())
            .withProperty("options", "-c lock_timeout=" + settings.lockTimeoutMillis());
    if (settings.password() != null) {
      options.withPassword(settings.password());
    }
    return new SimpleJdbcConnectionProvider(options.build());
  }
}
