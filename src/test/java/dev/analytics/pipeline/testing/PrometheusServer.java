package dev.analytics.pipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Prometheus server for tests: Debian's {@code prometheus} binary on a free port of
 * 127.0.0.1 with its data in a temporary directory, stopped with SIGTERM.
 *
 * <p>Its configuration is derived from the one the Docker stack ships ({@code
 * docker/prometheus.yml}): the file is read, every setting is kept (global settings, each scrape
 * job with its name and options) and only the targets of the static configurations are replaced by
 * the given ones, and the global scrape and evaluation intervals by the given interval. The shipped
 * 15 s suits a dashboard over hours; a test that runs traffic for a minute needs a sample every few
 * seconds so that a {@code rate(...[1m])} has several points and the final counters are scraped
 * within seconds of settling. A missing binary fails the test with how to install it.
 */
public final class PrometheusServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final List<String> BINARIES = List.of("/usr/bin/prometheus", "prometheus");

  private final Path dir;
  private final int port;
  private final Duration scrapeInterval;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private Process process;
  private Thread shutdownHook;

  private PrometheusServer(Path dir, int port, Duration scrapeInterval) {
    this.dir = dir;
    this.port = port;
    this.scrapeInterval = scrapeInterval;
  }

  /**
   * Starts a server that scrapes {@code targets} ("host:port") with the jobs and settings of {@code
   * shippedConfig}, every {@code scrapeInterval}; returns once it is ready.
   */
  public static PrometheusServer start(
      Path shippedConfig, List<String> targets, Duration scrapeInterval) throws Exception {
    String binary = findBinary();
    Path dir = Files.createTempDirectory("prometheus-test");
    PrometheusServer server = new PrometheusServer(dir, freePort(), scrapeInterval);
    Files.writeString(
        server.configFile(),
        derivedConfig(shippedConfig, targets, scrapeInterval),
        StandardCharsets.UTF_8);
    server.startProcess(binary);
    return server;
  }

  /**
   * The shipped configuration with the targets of every static configuration replaced by {@code
   * targets} and the global scrape and evaluation intervals set to {@code interval}; fails if the
   * file has no scrape job with static targets.
   */
  public static String derivedConfig(Path shippedConfig, List<String> targets, Duration interval)
      throws IOException {
    JsonNode root = YAML.readTree(shippedConfig.toFile());
    if (!(root instanceof ObjectNode config)
        || !(root.get("scrape_configs") instanceof ArrayNode)) {
      throw new IllegalArgumentException(shippedConfig + ": no scrape_configs");
    }
    ObjectNode global =
        config.get("global") instanceof ObjectNode g ? g : config.putObject("global");
    global.put("scrape_interval", interval.toMillis() + "ms");
    global.put("evaluation_interval", interval.toMillis() + "ms");
    int replaced = 0;
    for (JsonNode job : config.get("scrape_configs")) {
      if (job.get("static_configs") == null) {
        continue;
      }
      for (JsonNode staticConfig : job.get("static_configs")) {
        ArrayNode list = ((ObjectNode) staticConfig).putArray("targets");
        targets.forEach(list::add);
        replaced++;
      }
    }
    if (replaced == 0) {
      throw new IllegalArgumentException(shippedConfig + ": no static_configs with targets");
    }
    return YAML.writeValueAsString(config);
  }

  public Path configFile() {
    return dir.resolve("prometheus.yml");
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public Duration scrapeInterval() {
    return scrapeInterval;
  }

  /**
   * {@code /api/v1/query} at the server's now: the {@code data} object of the answer ({@code
   * resultType}, {@code result}); fails on an error answer, naming the expression.
   */
  public JsonNode query(String expr) throws Exception {
    return api("/api/v1/query?query=" + encode(expr), expr);
  }

  /** {@code /api/v1/query} at {@code time}. */
  public JsonNode query(String expr, Instant time) throws Exception {
    return api(
        "/api/v1/query?query=" + encode(expr) + "&time=" + time.toEpochMilli() / 1000.0, expr);
  }

  /** {@code /api/v1/query_range} from {@code start} to {@code end} every {@code step}. */
  public JsonNode queryRange(String expr, Instant start, Instant end, Duration step)
      throws Exception {
    return api(
        "/api/v1/query_range?query="
            + encode(expr)
            + "&start="
            + start.getEpochSecond()
            + "&end="
            + end.getEpochSecond()
            + "&step="
            + Math.max(1, step.toSeconds()),
        expr);
  }

  /** The sum of the values of an instant vector (0 when it is empty). */
  public double sum(String expr) throws Exception {
    double sum = 0;
    for (JsonNode series : query(expr).get("result")) {
      sum += Double.parseDouble(series.get("value").get(1).asText());
    }
    return sum;
  }

  /** The targets and their health, {@code /api/v1/targets}. */
  public JsonNode targets() throws Exception {
    return api("/api/v1/targets", "targets");
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
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs or ran already
      }
      shutdownHook = null;
    }
  }

  @Override
  public void close() throws Exception {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  private JsonNode api(String pathAndQuery, String what) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new IOException(what + " -> HTTP " + response.statusCode() + ": " + response.body());
    }
    if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new IOException(what + " -> HTTP " + response.statusCode() + ": " + response.body());
    }
    return body.get("data");
  }

  private void startProcess(String binary) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary);
    cmd.add("--config.file=" + configFile());
    cmd.add("--storage.tsdb.path=" + dir.resolve("data"));
    cmd.add("--web.listen-address=127.0.0.1:" + port);
    Path log = dir.resolve("prometheus.log");
    process =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    // A test JVM that exits without close() (a killed build) must not leave the server running.
    Process started = process;
    shutdownHook = new Thread(started::destroy, "stop-prometheus");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(URI.create(url() + "/-/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Prometheus exited with "
                + process.exitValue()
                + ": "
                + String.join(" ", cmd)
                + "\n"
                + tail(log));
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException("Prometheus not ready within 60 s\n" + tail(log));
      }
      Thread.sleep(100);
    }
  }

  /** The log of the server, for a failure message. */
  public String log() {
    return tail(dir.resolve("prometheus.log"));
  }

  private static String findBinary() {
    for (String candidate : BINARIES) {
      if (candidate.contains("/")) {
        if (Files.isExecutable(Path.of(candidate))) {
          return candidate;
        }
        continue;
      }
      for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (!d.isEmpty() && Files.isExecutable(Path.of(d, candidate))) {
          return Path.of(d, candidate).toString();
        }
      }
    }
    throw new IllegalStateException(
        "No Prometheus binary found (/usr/bin/prometheus or prometheus on PATH). Install it:"
            + " apt-get update && apt-get install -y prometheus (bash .ci/run does this); the"
            + " package's own service is not needed, the tests start their own server.");
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
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
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())) + "\n";
    } catch (IOException e) {
      return "";
    }
  }
}
