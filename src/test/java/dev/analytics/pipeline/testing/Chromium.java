package dev.analytics.pipeline.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A headless Chromium (Debian's {@code chromium}) driven through the Chrome DevTools Protocol over
 * the JDK's WebSocket client: one page, its commands ({@link #send}), the events it reported
 * ({@link #events}), {@link #evaluate} and {@link #screenshot}. A private profile in a temporary
 * directory; the process is killed on {@link #close}. A missing browser fails the test with how to
 * install it; tests never install.
 */
public final class Chromium implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final JsonFactory JSON = new JsonFactory();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final Pattern PAGE_SOCKET =
      Pattern.compile(
          "\"type\"\\s*:\\s*\"page\"[^}]*?\"webSocketDebuggerUrl\"\\s*:\\s*\"([^\"]+)\"");

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Map<String, Object>>> pending =
      new ConcurrentHashMap<>();
  private final List<Map<String, Object>> events = new CopyOnWriteArrayList<>();

  private Chromium(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /**
   * Starts the browser with a blank page of {@code width} x {@code height} CSS pixels and connects
   * to that page.
   *
   * @throws IllegalStateException when Chromium is not installed (naming the install command) or
   *     does not start
   */
  public static Chromium start(int width, int height) throws Exception {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          "Chromium is not installed ("
              + BINARY
              + "). Install it: apt-get update && apt-get install -y chromium");
    }
    Path profile = Files.createTempDirectory("chromium-profile");
    Process process =
        new ProcessBuilder(
                BINARY.toString(),
                "--headless=new",
                // The tests run as root in containers, where Chromium's sandbox cannot start.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                // No update checks, safe-browsing lists or other traffic of the browser itself.
                "--disable-background-networking",
                "--disable-component-update",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--user-data-dir=" + profile,
                "--window-size=" + width + "," + height,
                "about:blank")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      String browserUrl = awaitListening(process);
      URI base = URI.create(browserUrl.replaceFirst("^ws://([^/]+)/.*$", "http://$1/"));
      HttpClient http = HttpClient.newHttpClient();
      String pageSocket = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (pageSocket == null && System.nanoTime() < deadline) {
        String list =
            http.send(
                    HttpRequest.newBuilder(base.resolve("json/list")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = PAGE_SOCKET.matcher(list);
        if (m.find()) {
          pageSocket = m.group(1);
        } else {
          Thread.sleep(200);
        }
      }
      if (pageSocket == null) {
        throw new IllegalStateException("Chromium opened no page within 30 s");
      }
      Chromium[] self = new Chromium[1];
      Listener listener = new Listener(self);
      WebSocket socket =
          http.newWebSocketBuilder()
              .buildAsync(URI.create(pageSocket), listener)
              .get(30, TimeUnit.SECONDS);
      self[0] = new Chromium(process, profile, socket);
      return self[0];
    } catch (Exception | Error e) {
      process.destroyForcibly();
      deleteQuietly(profile);
      throw e;
    }
  }

  private static String awaitListening(Process process) throws Exception {
    CompletableFuture<String> url = new CompletableFuture<>();
    StringBuilder output = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    url.complete(m.group(1));
                  } else if (!url.isDone()) {
                    output.append(line).append('\n');
                  }
                }
              } catch (IOException e) {
                url.completeExceptionally(e);
              }
              url.completeExceptionally(
                  new IllegalStateException("Chromium exited before listening:\n" + output));
            },
            "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    return url.get(60, TimeUnit.SECONDS);
  }

  /**
   * Sends one DevTools command and waits for its result.
   *
   * @throws IllegalStateException when the browser answers with an error
   */
  public Map<String, Object> send(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
    pending.put(id, answer);
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("id", id);
    message.put("method", method);
    message.put("params", params);
    socket.sendText(write(message), true).get(30, TimeUnit.SECONDS);
    Map<String, Object> response = answer.get(60, TimeUnit.SECONDS);
    if (response.containsKey("error")) {
      throw new IllegalStateException(method + " failed: " + response.get("error"));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> result = (Map<String, Object>) response.get("result");
    return result == null ? Map.of() : result;
  }

  /** Every event received so far, oldest first: {@code method} and {@code params}. */
  public List<Map<String, Object>> events() {
    return List.copyOf(events);
  }

  /** The params of the events named {@code method}. */
  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> events(String method) {
    return events.stream()
        .filter(e -> method.equals(e.get("method")))
        .map(e -> (Map<String, Object>) e.get("params"))
        .toList();
  }

  /**
   * Evaluates {@code expression} in the page (promises awaited) and returns its value as JSON
   * values: Map, List, String, Double, Boolean or null.
   *
   * @throws IllegalStateException when it throws
   */
  public Object evaluate(String expression) throws Exception {
    Map<String, Object> result =
        send(
            "Runtime.evaluate",
            Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
    if (result.containsKey("exceptionDetails")) {
      throw new IllegalStateException(
          "The page threw on " + expression + ": " + result.get("exceptionDetails"));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> value = (Map<String, Object>) result.get("result");
    return value.get("value");
  }

  /** Saves a PNG of the whole page (beyond the window when it is longer). */
  public void screenshot(Path png) throws Exception {
    Map<String, Object> shot =
        send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.write(png, Base64.getDecoder().decode((String) shot.get("data")));
  }

  @Override
  public void close() {
    try {
      socket.abort();
    } finally {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      deleteQuietly(profile);
    }
  }

  private void received(String text) {
    Map<String, Object> message;
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) parse(text);
      message = m;
    } catch (RuntimeException e) {
      return;
    }
    if (message.get("id") instanceof Double id) {
      CompletableFuture<Map<String, Object>> answer = pending.remove(id.intValue());
      if (answer != null) {
        answer.complete(message);
      }
    } else if (message.containsKey("method")) {
      events.add(message);
    }
  }

  private static final class Listener implements WebSocket.Listener {
    private final Chromium[] owner;
    private final StringBuilder partial = new StringBuilder();

    Listener(Chromium[] owner) {
      this.owner = owner;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        if (owner[0] != null) {
          owner[0].received(text);
        }
      }
      webSocket.request(1);
      return null;
    }
  }

  // ---- JSON as Map, List, String, Double, Boolean and null ----

  /** Parses one JSON value. */
  public static Object parse(String json) {
    try (JsonParser p = JSON.createParser(json)) {
      p.nextToken();
      return value(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object value(JsonParser p) throws IOException {
    switch (p.currentToken()) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          m.put(name, value(p));
        }
        return m;
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          l.add(value(p));
        }
        return l;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return p.getDoubleValue();
      }
      case VALUE_TRUE -> {
        return true;
      }
      case VALUE_FALSE -> {
        return false;
      }
      default -> {
        return null;
      }
    }
  }

  private static String write(Object value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(g, value);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(e.getKey().toString());
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> l) {
      g.writeStartArray();
      for (Object o : l) {
        write(g, o);
      }
      g.writeEndArray();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Integer i) {
      g.writeNumber(i);
    } else if (value instanceof Number n) {
      g.writeNumber(n.doubleValue());
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else {
      g.writeNull();
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // A profile left in the temporary directory is harmless.
    }
  }
}
