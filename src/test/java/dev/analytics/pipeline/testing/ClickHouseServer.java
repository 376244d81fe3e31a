package dev.analytics.pipeline.testing;

import dev.analytics.pipeline.sinks.clickhouse.ClickHouseConnection;
import dev.analytics.pipeline.sinks.clickhouse.ClickHouseHttpClient;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private ClickHouse server for tests: the installed binary (Debian's {@code clickhouse-server}
 * package) started on free ports of 127.0.0.1 with a temporary data directory and a minimal
 * configuration, stopped with SIGTERM. It can be stopped and started again on the same ports and
 * data (an outage). A missing binary fails the test with how to install it; tests never install.
 *
 * <p>{@link #startWithTls} also opens an https port with a given certificate and adds a user with a
 * password; the passwordless {@code default} user on the http port stays for the test's own
 * queries.
 */
public final class ClickHouseServer implements AutoCloseable {
  private static final List<List<String>> COMMANDS =
      List.of(
          List.of("clickhouse-server"),
          List.of("/usr/sbin/clickhouse-server"),
          List.of("/usr/bin/clickhouse-server"),
          List.of("/usr/bin/clickhouse", "server"));

  private final List<String> command;
  private final Path dir;
  private final int httpPort;
  private final int tcpPort;
  private final Tls tls;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private Process process;

  /**
   * While stopped: the server's ports, held by this JVM. On a machine shared with other test runs a
   * freed port can be handed to another process (the free ports are picked by binding port 0),
   * which would then answer in the stopped server's place, or keep the restart from binding it.
   * Held, each port takes a connection and closes it at once, unanswered, as a server going down
   * does, and stays free for the restart.
   */
  private final List<ServerSocket> reserved = new ArrayList<>();

  /** The https port, its PEM certificate and key, and the user with a password. */
  private record Tls(int port, TlsFiles files, String user, String password) {}

  private ClickHouseServer(List<String> command, Path dir, int httpPort, int tcpPort, Tls tls) {
    this.command = command;
    this.dir = dir;
    this.httpPort = httpPort;
    this.tcpPort = tcpPort;
    this.tls = tls;
  }

  /** Starts a private server; returns once it answers {@code SELECT 1}. */
  public static ClickHouseServer start() throws Exception {
    return start(null);
  }

  /**
   * Starts a private server that also serves https on {@link #httpsUrl()} with the certificate and
   * key of {@code files} and knows {@code user} identified by {@code password}.
   */
  public static ClickHouseServer startWithTls(TlsFiles files, String user, String password)
      throws Exception {
    return start(new Tls(freePort(), files, user, password));
  }

  private static ClickHouseServer start(Tls tls) throws Exception {
    List<String> command = findBinary();
    Path dir = Files.createTempDirectory("clickhouse-test");
    ClickHouseServer server = new ClickHouseServer(command, dir, freePort(), freePort(), tls);
    server.writeConfig();
    server.startProcess();
    return server;
  }

  /** {@code https://127.0.0.1:<port>} (started with TLS only). */
  public String httpsUrl() {
    if (tls == null) {
      throw new IllegalStateException("started without TLS");
    }
    return "https://127.0.0.1:" + tls.port();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** Stops the server (SIGTERM) and waits until it has exited. */
  public void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    process = null;
    reservePorts();
  }

  private void reservePorts() {
    int[] ports = tls != null ? new int[] {tls.port(), tcpPort} : new int[] {httpPort, tcpPort};
    for (int port : ports) {
      try {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        reserved.add(socket);
        Thread closer =
            new Thread(
                () -> {
                  while (!socket.isClosed()) {
                    try {
                      socket.accept().close();
                    } catch (IOException e) {
                      // closed for the restart
                    }
                  }
                },
                "ClickHouse port " + port + " held while stopped");
        closer.setDaemon(true);
        closer.start();
      } catch (IOException e) {
        // Taken already: nothing to hold; the restart reports the conflict.
      }
    }
  }

  private void releasePorts() {
    for (ServerSocket socket : reserved) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // nothing held
      }
    }
    reserved.clear();
  }

  /** Whether the server process runs (not {@link #stop stopped}). */
  public boolean isRunning() {
    return process != null;
  }

  /** Starts the stopped server again, same ports and data; returns once it answers. */
  public void restart() throws Exception {
    if (process != null) {
      throw new IllegalStateException("running");
    }
    releasePorts();
    startProcess();
  }

  /**
   * The sink's own HTTP client for {@code database} of this server: user default without a
   * password, no compression, 5 s to connect, 30 s per request.
   */
  public ClickHouseHttpClient client(String database) {
    return new ClickHouseHttpClient(
        new ClickHouseConnection(
            url(), database, "default", "", false, Duration.ofSeconds(5), Duration.ofSeconds(30)));
  }

  /** Runs a statement and returns the body; fails on an error response. */
  public String query(String sql) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url() + "/"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (response.statusCode() != 200) {
      throw new IOException(
          "ClickHouse query failed (HTTP " + response.statusCode() + "): " + response.body());
    }
    return response.body();
  }

  /** Rows of a query as TabSeparated lines ({@code FORMAT TabSeparated} is appended). */
  public List<String> rows(String sql) throws IOException, InterruptedException {
    String body = query(sql + " FORMAT TabSeparated");
    return body.isEmpty() ? List.of() : List.of(body.split("\n"));
  }

  /** Runs the statements of a .sql file (separated by ';' at line ends; comment lines dropped). */
  public void runFile(Path file, String database) throws IOException, InterruptedException {
    StringBuilder statement = new StringBuilder();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.stripLeading().startsWith("--")) {
        continue;
      }
      statement.append(line).append('\n');
      if (line.strip().endsWith(";")) {
        String sql = statement.toString().strip();
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            url()
                                + "/?database="
                                + URLEncoder.encode(database, StandardCharsets.UTF_8)))
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            sql.substring(0, sql.length() - 1), StandardCharsets.UTF_8))
                    .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
          throw new IOException(file + ": " + response.body());
        }
        statement.setLength(0);
      }
    }
  }

  @Override
  public void close() throws Exception {
    stop();
    releasePorts();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  private void startProcess() throws Exception {
    List<String> cmd = new ArrayList<>(command);
    cmd.add("--config-file=" + dir.resolve("config.xml"));
    process =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        if (query("SELECT 1").strip().equals("1")) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "ClickHouse server exited with "
                + process.exitValue()
                + ": "
                + String.join(" ", cmd)
                + "\n"
                + tail(dir.resolve("stdout.log"))
                + tail(dir.resolve("error.log")));
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException(
            "ClickHouse server did not answer within 30 s\n" + tail(dir.resolve("error.log")));
      }
      Thread.sleep(50);
    }
  }

  private void writeConfig() throws IOException {
    Files.createDirectories(dir.resolve("data"));
    Files.createDirectories(dir.resolve("tmp"));
    String config =
        """
        <?xml version="1.0"?>
        <yandex>
          <logger>
            <level>warning</level>
            <log>%1$s/server.log</log>
            <errorlog>%1$s/error.log</errorlog>
            <console>0</console>
          </logger>
          <listen_host>127.0.0.1</listen_host>
          <http_port>%2$d</http_port>
          <tcp_port>%3$d</tcp_port>
          <path>%1$s/data/</path>
          <tmp_path>%1$s/tmp/</tmp_path>
          <mark_cache_size>268435456</mark_cache_size>
          <max_concurrent_queries>100</max_concurrent_queries>
          <!-- Idle HTTP connections close after 1 s: a stop (SIGTERM) waits for them. -->
          <keep_alive_timeout>1</keep_alive_timeout>
          %4$s
          <users>
            <default>
              <password></password>
              <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
              <profile>default</profile>
              <quota>default</quota>
            </default>
            %5$s
          </users>
          <profiles><default></default></profiles>
          <quotas><default></default></quotas>
        </yandex>
        """
            .formatted(dir.toAbsolutePath(), httpPort, tcpPort, tlsConfig(), tlsUser());
    Files.writeString(dir.resolve("config.xml"), config, StandardCharsets.UTF_8);
  }

  private String tlsConfig() {
    if (tls == null) {
      return "";
    }
    return """
        <https_port>%d</https_port>
          <openSSL>
            <server>
              <certificateFile>%s</certificateFile>
              <privateKeyFile>%s</privateKeyFile>
              <verificationMode>none</verificationMode>
              <loadDefaultCAFile>false</loadDefaultCAFile>
              <cacheSessions>true</cacheSessions>
              <disableProtocols>sslv2,sslv3</disableProtocols>
              <preferServerCiphers>true</preferServerCiphers>
            </server>
          </openSSL>
        """
        .formatted(
            tls.port(),
            tls.files().certificatePem().toAbsolutePath(),
            tls.files().privateKeyPem().toAbsolutePath());
  }

  private String tlsUser() {
    if (tls == null) {
      return "";
    }
    return """
        <%1$s>
              <password>%2$s</password>
              <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
              <profile>default</profile>
              <quota>default</quota>
            </%1$s>
        """
        .formatted(tls.user(), tls.password());
  }

  private static List<String> findBinary() {
    for (List<String> candidate : COMMANDS) {
      String exe = candidate.get(0);
      if (exe.contains("/")) {
        if (Files.isExecutable(Path.of(exe))) {
          return candidate;
        }
        continue;
      }
      String path = System.getenv().getOrDefault("PATH", "");
      for (String d : path.split(File.pathSeparator)) {
        if (!d.isEmpty() && Files.isExecutable(Path.of(d, exe))) {
          return List.of(Path.of(d, exe).toString());
        }
      }
    }
    throw new IllegalStateException(
        "No ClickHouse server binary found (clickhouse-server on PATH, /usr/sbin/clickhouse-server"
            + " or /usr/bin/clickhouse). Install it: apt-get update && apt-get install -y"
            + " clickhouse-server (bash .ci/run does this); do not start the system service,"
            + " the tests start their own server.");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())) + "\n";
    } catch (IOException e) {
      return "";
    }
  }
}
