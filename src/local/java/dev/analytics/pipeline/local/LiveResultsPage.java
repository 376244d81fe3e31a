package dev.analytics.pipeline.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.analytics.pipeline.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The local run's live results page: a JDK {@link HttpServer} on the loopback interface that serves
 * the page, its script and style, the charting library (uPlot, from its webjar on the classpath)
 * and {@code /api/results}, the JSON of {@link LiveResults}, which the page polls every second.
 * Everything comes from this server: the page works offline, and its Content-Security-Policy lets
 * the browser load nothing from anywhere else.
 */
final class LiveResultsPage implements AutoCloseable {
  private static final String PAGE = "dev/analytics/pipeline/local/live/";
  private static final String UPLOT = "META-INF/resources/webjars/uplot/";

  /** Path on the server, then resource on the classpath and content type. */
  private static final Map<String, String[]> STATIC =
      Map.of(
          "/", new String[] {PAGE + "index.html", "text/html; charset=utf-8"},
          "/live.js", new String[] {PAGE + "live.js", "text/javascript; charset=utf-8"},
          "/live.css", new String[] {PAGE + "live.css", "text/css; charset=utf-8"},
          "/favicon.svg", new String[] {PAGE + "favicon.svg", "image/svg+xml"},
          "/vendor/uPlot.iife.min.js",
              new String[] {UPLOT + "%s/dist/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
          "/vendor/uPlot.min.css",
              new String[] {UPLOT + "%s/dist/uPlot.min.css", "text/css; charset=utf-8"});

  private final HttpServer server;
  private final ExecutorService executor;
  private final LiveResults results;
  private final String uplotVersion;

  /**
   * Starts serving on {@code localhost:port} (0: a free port, see {@link #port()}).
   *
   * @throws ConfigException naming local.results-port when the port cannot be bound (taken)
   */
  LiveResultsPage(int port, LiveResults results) {
    this.results = results;
    this.uplotVersion = webjarVersion();
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      throw new ConfigException(
          LocalRunOptions.LOCAL_RESULTS_PORT.key(),
          "cannot serve the live results page on port "
              + port
              + " ("
              + e.getMessage()
              + "); choose another port, or 0 for no page");
    }
    executor = Executors.newFixedThreadPool(2, r -> daemon(r, "live-results-page"));
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!"GET".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "text/plain", "GET only".getBytes());
        return;
      }
      if (path.equals("/api/results")) {
        send(exchange, 200, "application/json", results.toJson());
        return;
      }
      String[] resource = STATIC.get(path);
      if (resource == null) {
        send(exchange, 404, "text/plain", ("not found: " + path).getBytes());
        return;
      }
      try (InputStream in =
          LiveResultsPage.class
              .getClassLoader()
              .getResourceAsStream(String.format(resource[0], uplotVersion))) {
        if (in == null) {
          send(
              exchange, 500, "text/plain", ("missing on the classpath: " + resource[0]).getBytes());
          return;
        }
        send(exchange, 200, resource[1], in.readAllBytes());
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    // Only this server: a script or style from anywhere else would not load (the page must work
    // offline, and shows nothing it did not get from the job's outputs).
    exchange
        .getResponseHeaders()
        .set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** The version of the uPlot webjar on the classpath, from its Maven metadata. */
  private static String webjarVersion() {
    String props = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
    try (InputStream in = LiveResultsPage.class.getClassLoader().getResourceAsStream(props)) {
      if (in == null) {
        throw new IllegalStateException(
            "The uPlot webjar (org.webjars.npm:uplot) is not on the classpath: " + props);
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
