package dev.analytics.pipeline.sinks.clickhouse;

import dev.analytics.pipeline.config.KeyStores;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;

/**
 * One attempt at a ClickHouse request over the HTTP interface ({@link java.net.http.HttpClient},
 * HTTP/1.1, basic authentication in a header, never in the URL; https with the configured trust
 * store): queries in the body, inserts as {@code INSERT INTO t (cols) FORMAT RowBinary} in the URL
 * with the rows in the body (gzip-compressed if configured). An error response becomes a {@link
 * ClickHouseException} carrying the HTTP status, the ClickHouse code and the server's message;
 * connection problems are {@link IOException}s. No retries here: see {@link RetryPolicy}.
 *
 * <p>Not thread-safe for {@link #serverVersion()} caching, which is harmless (idempotent).
 */
public final class ClickHouseHttpClient {
  private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

  private final ClickHouseConnection connection;
  private final HttpClient http;
  private final String authorization;
  private String version;

  public ClickHouseHttpClient(ClickHouseConnection connection) {
    this.connection = connection;
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connection.connectTimeout());
    ClickHouseConnection.TrustStore trust = connection.trustStore();
    if (trust != null) {
      // The JDK client verifies the server's host name against its certificate by default.
      builder.sslContext(KeyStores.sslContext(trust.path(), trust.type(), trust.password()));
    }
    this.http = builder.build();
    String user = connection.user() == null ? "default" : connection.user();
    String password = connection.password() == null ? "" : connection.password();
    this.authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  public ClickHouseConnection connection() {
    return connection;
  }

  /** {@code `database`.`table`}. */
  public String qualified(String table) {
    return "`" + connection.database() + "`.`" + table + "`";
  }

  /**
   * Runs a statement and returns the response body (e.g. {@code FORMAT TabSeparated} rows). Names
   * must be qualified ({@link #qualified}): no default database is sent, so that {@code CREATE
   * DATABASE} works before the database exists.
   */
  public String query(String sql) throws IOException, InterruptedException {
    HttpRequest request =
        request(Map.of())
            .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
            .build();
    return send(request, "query '" + abbreviate(sql) + "'");
  }

  /**
   * Inserts RowBinary rows. {@code deduplicationToken} (or null) is sent as {@code
   * insert_deduplication_token}: only to servers that know the setting (22.2 and later). On servers
   * that know {@code async_insert} (21.11 and later; on by default since 26.2) it is sent as 0: an
   * asynchronous insert is acknowledged before it is written and ignores the token ({@code
   * async_insert_deduplicate} is off by default), so a commit would not be a commit.
   */
  public void insert(String table, String columnList, byte[] rows, String deduplicationToken)
      throws IOException, InterruptedException {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("query", "INSERT INTO " + qualified(table) + " " + columnList + " FORMAT RowBinary");
    if (knowsAsyncInsert(serverVersion())) {
      params.put("async_insert", "0");
    }
    if (deduplicationToken != null) {
      params.put("insert_deduplication_token", deduplicationToken);
    }
    HttpRequest.Builder builder = request(params);
    byte[] body = rows;
    if (connection.gzip()) {
      body = gzip(rows);
      builder.header("Content-Encoding", "gzip");
    }
    send(
        builder.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        "insert into " + connection.database() + "." + table);
  }

  /** {@code SELECT version()}, asked once. */
  public String serverVersion() throws IOException, InterruptedException {
    if (version == null) {
      version = query("SELECT version()").trim();
    }
    return version;
  }

  /** Whether the server knows {@code insert_deduplication_token} (ClickHouse 22.2 and later). */
  public boolean supportsDeduplicationToken() throws IOException, InterruptedException {
    return supportsDeduplicationToken(serverVersion());
  }

  static boolean supportsDeduplicationToken(String version) {
    return atLeast(version, 22, 2);
  }

  /** Whether the server knows the {@code async_insert} setting (ClickHouse 21.11 and later). */
  static boolean knowsAsyncInsert(String version) {
    return atLeast(version, 21, 11);
  }

  /** Whether the server knows table TTLs (ClickHouse 19.6 and later). */
  static boolean knowsTtl(String version) {
    return atLeast(version, 19, 6);
  }

  private static boolean atLeast(String version, int major, int minor) {
    Matcher m = VERSION.matcher(version);
    if (!m.find()) {
      return false;
    }
    int a = Integer.parseInt(m.group(1));
    int b = Integer.parseInt(m.group(2));
    return a > major || (a == major && b >= minor);
  }

  private HttpRequest.Builder request(Map<String, String> params) {
    String base = connection.url().endsWith("/") ? connection.url() : connection.url() + "/";
    String query =
        params.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return HttpRequest.newBuilder(URI.create(base + "?" + query))
        .timeout(connection.requestTimeout())
        .header("Authorization", authorization);
  }

  private String send(HttpRequest request, String what) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (response.statusCode() == 200) {
      return response.body();
    }
    String body = response.body() == null ? "" : response.body().strip();
    int code = ClickHouseErrors.parseCode(body);
    boolean transientError = ClickHouseErrors.isTransient(response.statusCode(), code, body);
    throw new ClickHouseException(
        "ClickHouse "
            + what
            + " failed ("
            + (transientError ? "transient" : "permanent")
            + ", HTTP "
            + response.statusCode()
            + "): "
            + abbreviate(body)
            + (ClickHouseErrors.tooManyPartitions(code, body)
                ? " (keep clickhouse.max-partitions-per-insert at or below the server's"
                    + " max_partitions_per_insert_block)"
                : ""),
        response.statusCode(),
        code,
        transientError);
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 4));
    try (GZIPOutputStream zip = new GZIPOutputStream(out, 1 << 16)) {
      zip.write(data);
    }
    return out.toByteArray();
  }

  private static String abbreviate(String s) {
    String oneLine = s.replace('\n', ' ');
    return oneLine.length() <= 1000 ? oneLine : oneLine.substring(0, 1000) + "...";
  }
}
