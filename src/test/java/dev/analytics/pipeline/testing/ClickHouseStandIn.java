package dev.analytics.pipeline.testing;

import com.sun.net.httpserver.HttpServer;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseConnection;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseHttpClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP endpoint that answers like a ClickHouse server of a given version, for what a real server
 * of that version cannot be run here (a current one: the 26.7 engine has no HTTP server): it
 * answers {@code SELECT version()}, the {@code system.columns} query with the given columns and
 * {@code SELECT engine_full} with a table that has the deduplication window, and records the CREATE
 * TABLE statements and the query strings of every other request (the inserts).
 */
public final class ClickHouseStandIn implements AutoCloseable {
  private final HttpServer http;
  private final List<String> creates = new ArrayList<>();
  private final List<String> otherQueries = new ArrayList<>();

  /**
   * @param described the table's columns as {@code system.columns} gives them: "name\ttype" lines
   */
  public ClickHouseStandIn(String version, String described) throws Exception {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        exchange -> {
          String sql = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String answer = "";
          if (sql.startsWith("SELECT version()")) {
            answer = version + "\n";
          } else if (sql.startsWith("SELECT name, type FROM system.columns")) {
            answer = described + "\n";
          } else if (sql.startsWith("SELECT engine_full")) {
            answer =
                "ReplacingMergeTree(version) ORDER BY (a) SETTINGS index_granularity = 8192,"
                    + " non_replicated_deduplication_window = 1000\n";
          } else if (sql.startsWith("CREATE TABLE")) {
            synchronized (creates) {
              creates.add(sql);
            }
          } else {
            synchronized (otherQueries) {
              otherQueries.add(exchange.getRequestURI().getRawQuery());
            }
          }
          byte[] out = answer.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, out.length == 0 ? -1 : out.length);
          exchange.getResponseBody().write(out);
          exchange.close();
        });
    http.start();
  }

  /** The sink's own client of this endpoint (database default, user default, no password). */
  public ClickHouseHttpClient client() {
    return new ClickHouseHttpClient(
        new ClickHouseConnection(
            "http://127.0.0.1:" + http.getAddress().getPort(),
            "default",
            "default",
            null,
            false,
            Duration.ofSeconds(5),
            Duration.ofSeconds(5)));
  }

  /** The CREATE TABLE statements received. */
  public List<String> creates() {
    synchronized (creates) {
      return List.copyOf(creates);
    }
  }

  /** The raw query strings of the requests it did not answer as a query above (the inserts). */
  public List<String> otherQueries() {
    synchronized (otherQueries) {
      return List.copyOf(otherQueries);
    }
  }

  public void stop() {
    http.stop(0);
  }

  @Override
  public void close() {
    stop();
  }
}
