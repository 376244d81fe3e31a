package dev.analytics.pipeline.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.testing.Chromium;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The local run's live results page in a real headless Chromium, fed by a real local run (in-JVM
 * Kafka, the mini-cluster, the generator with an injected spike): the page loads from the run's own
 * server only, without console errors; its charts fill with the job's windows, percentiles and
 * anomaly scores; the injected spike shows as an alert mark on the events chart, at a window whose
 * rate is far above the type's usual one; and what the page shows is what the output topics hold. A
 * screenshot is saved as target/live-results-page.png.
 */
class LiveResultsPageITCase {
  private static final String SPIKE_TYPE = "message_processed";

  /** What the test reads from the page: the charts' state and the tables' rows. */
  private static final String PAGE_STATE =
      """
      (() => {
        if (!window.live) return null;
        const c = window.live.charts, d = window.live.data;
        if (!c.rates || !d) return null;
        const r = c.rates;
        const a = r.series.findIndex(s => s.label === 'alerts');
        const filled = s => s.filter(v => v !== null && v !== undefined).length;
        const named = (u, from, to) => Object.fromEntries(
            u.series.slice(from, to).map((s, i) => [s.label, filled(u.data[from + i])]));
        const pct = {};
        for (const k of Object.keys(c).filter(k => k.startsWith('percentiles:'))) {
          pct[k.substring(12)] = named(c[k], 1, 4);
        }
        return {
          windows: r.data[0].length,
          rates: named(r, 1, a),
          spikeRates: r.data[r.series.findIndex(s => s.label === '%s')],
          times: r.data[0],
          marks: r.data[a],
          percentiles: pct,
          anomaly: c.anomaly ? named(c.anomaly, 1, c.anomaly.series.length - 1) : {},
          alerts: d.alerts,
          deadLetters: d.dead_letters.totals,
          deadLetterRows: document.querySelectorAll('#dead-letters tbody tr').length,
          topKeyRows: document.querySelectorAll('#top-keys tbody tr').length,
          alertRows: document.querySelectorAll('#alerts tbody tr.spike').length,
          resources: [...document.querySelectorAll('script[src], link[href]')]
              .map(e => e.src || e.href),
        };
      })()
      """
          .formatted(SPIKE_TYPE);

  @Test
  void thePageShowsTheRunsOutputsLiveAndTheInjectedSpikeAsAnAlertMark() throws Exception {
    // Fails here, naming the install command, when Chromium is missing.
    try (Chromium browser = Chromium.start(1400, 1000)) {
      int webPort = freePort();
      int pagePort = freePort();
      Path work = Path.of("target", "live-results-page-it").toAbsolutePath();
      String[] args = {
        "--config", "jobs/local.yaml",
        "--local.web-port", Integer.toString(webPort),
        "--local.results-port", Integer.toString(pagePort),
        // A 1-minute window closes every second; 3,000 records a second make 3,000 a window.
        "--generator.rate", "3000",
        "--generator.time-scale", "60",
        "--generator.invalid-fraction", "0.02",
        // Only the injected incident: the alert it must raise is known in advance.
        "--generator.incident-probability", "0",
        "--generator.spike-at", "50 s",
        "--generator.spike-type", SPIKE_TYPE,
        "--generator.spike-factor", "10",
        "--detection.warmup-windows", "20",
        "--detection.warmup-days", "0",
        // Committed output every 2 s: the page reads committed records only.
        "--checkpoint.interval", "2 s",
        "--checkpoint.dir", work.resolve("checkpoints").toUri().toString(),
        "--savepoint.dir", work.resolve("savepoints").toUri().toString(),
      };
      CountDownLatch stop = new CountDownLatch(1);
      ExecutorService runner = Executors.newSingleThreadExecutor();
      Future<Integer> run = runner.submit(() -> LocalRunner.run(args, stop));
      try {
        String base = "http://localhost:" + pagePort + "/";
        awaitServing(base + "api/results", run);

        browser.send("Runtime.enable", Map.of());
        browser.send("Log.enable", Map.of());
        browser.send("Network.enable", Map.of());
        browser.send("Page.enable", Map.of());
        browser.send("Page.navigate", Map.of("url", base));

        Map<String, Object> state = awaitSpikeMark(browser, run);
        browser.screenshot(Path.of("target", "live-results-page.png"));

        assertThat(errors(browser)).as("console errors and exceptions").isEmpty();
        List<String> loaded = new ArrayList<>();
        for (Map<String, Object> r : browser.events("Network.requestWillBeSent")) {
          @SuppressWarnings("unchecked")
          Map<String, Object> request = (Map<String, Object>) r.get("request");
          loaded.add((String) request.get("url"));
        }
        assertThat(loaded)
            .as("every URL the page loaded")
            .contains(base, base + "vendor/uPlot.iife.min.js", base + "live.js")
            .allMatch(u -> u.startsWith(base), "is on the run's own server");
        assertThat(strings(state.get("resources")))
            .as("every script and style of the page")
            .hasSizeGreaterThanOrEqualTo(4)
            .allMatch(u -> u.startsWith(base), "is on the run's own server");

        @SuppressWarnings("unchecked")
        Map<String, Double> rates = (Map<String, Double>) state.get("rates");
        assertThat(rates)
            .as("windows with an events/s value, per event type")
            .containsKeys(SPIKE_TYPE, "api.error", "performance.response_time", "payment.failed");
        assertThat(rates.get(SPIKE_TYPE)).isGreaterThanOrEqualTo(30);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Double>> percentiles =
            (Map<String, Map<String, Double>>) state.get("percentiles");
        assertThat(percentiles).containsKey("performance.response_time");
        assertThat(percentiles.get("performance.response_time"))
            .as("windows with p50, p95, p99 of the response times")
            .allSatisfy((q, n) -> assertThat(n).isGreaterThanOrEqualTo(30));
        @SuppressWarnings("unchecked")
        Map<String, Double> anomaly = (Map<String, Double>) state.get("anomaly");
        assertThat(anomaly.get(SPIKE_TYPE)).as("windows with an anomaly score").isGreaterThan(20);
        assertThat(((Double) state.get("deadLetterRows")).intValue()).isGreaterThan(3);
        assertThat(((Double) state.get("topKeyRows")).intValue()).isEqualTo(LiveResults.TOP_KEYS);
        assertThat(((Double) state.get("alertRows")).intValue()).isGreaterThanOrEqualTo(1);

        // The mark sits where the spike is: at a window whose rate is several times the usual.
        List<Double> spikeRates = doubles(state.get("spikeRates"));
        List<Double> marks = doubles(state.get("marks"));
        double usual = median(spikeRates);
        List<Double> marked = new ArrayList<>();
        for (int i = 0; i < marks.size(); i++) {
          if (marks.get(i) != null && spikeRates.get(i) != null) {
            marked.add(spikeRates.get(i));
          }
        }
        assertThat(marked).as("rates of " + SPIKE_TYPE + " at the alert marks").isNotEmpty();
        assertThat(marked).anySatisfy(r -> assertThat(r).isGreaterThan(5 * usual));

        // The page's dead letters are the committed part of what the job counted.
        @SuppressWarnings("unchecked")
        Map<String, Double> deadLetters = (Map<String, Double>) state.get("deadLetters");
        double shown = deadLetters.values().stream().mapToDouble(Double::doubleValue).sum();
        assertThat(shown).isPositive().isLessThanOrEqualTo(ConsoleMetrics.total("deadLetters"));
        assertThat(deadLetters).containsKey("malformed_json");

        stop.countDown();
        assertThat(run.get(3, TimeUnit.MINUTES)).as("exit status of the run").isZero();
      } finally {
        stop.countDown();
        runner.shutdown();
        runner.awaitTermination(3, TimeUnit.MINUTES);
      }
    }
  }

  /** Waits until the page's server answers (the run has started its job). */
  private static void awaitServing(String url, Future<Integer> run) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (run.isDone()) {
        throw new AssertionError("The local run ended before serving its page: exit " + run.get());
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // Not serving yet.
      }
      Thread.sleep(500);
    }
    throw new AssertionError("The live results page did not answer within 120 s: " + url);
  }

  /** Polls the page until its events chart carries an alert mark (at most 150 s). */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> awaitSpikeMark(Chromium browser, Future<Integer> run)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
    Object state = null;
    while (System.nanoTime() < deadline) {
      if (run.isDone()) {
        throw new AssertionError("The local run ended early: exit " + run.get());
      }
      state = browser.evaluate(PAGE_STATE);
      if (state instanceof Map<?, ?> s
          && doubles(s.get("marks")).stream().anyMatch(v -> v != null)
          && ((Double) s.get("windows")) >= 40) {
        return (Map<String, Object>) s;
      }
      Thread.sleep(2000);
    }
    throw new AssertionError(
        "No alert mark on the events chart within 150 s; the page's state: "
            + state
            + "; console: "
            + errors(browser));
  }

  /** Console errors, uncaught exceptions and the browser's error log entries of the page. */
  private static List<Object> errors(Chromium browser) {
    List<Object> errors = new ArrayList<>();
    for (Map<String, Object> c : browser.events("Runtime.consoleAPICalled")) {
      if ("error".equals(c.get("type")) || "assert".equals(c.get("type"))) {
        errors.add(c.get("args"));
      }
    }
    errors.addAll(browser.events("Runtime.exceptionThrown"));
    for (Map<String, Object> l : browser.events("Log.entryAdded")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> entry = (Map<String, Object>) l.get("entry");
      if ("error".equals(entry.get("level"))) {
        errors.add(entry);
      }
    }
    return errors;
  }

  @SuppressWarnings("unchecked")
  private static List<Double> doubles(Object list) {
    return list == null ? List.of() : (List<Double>) list;
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object list) {
    return (List<String>) list;
  }

  private static double median(List<Double> values) {
    List<Double> v = values.stream().filter(x -> x != null).sorted().toList();
    return v.get(v.size() / 2);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
