package dev.analytics.pipeline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.testing.Chromium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

/** The live page's server over real HTTP: what it serves, and a port it cannot have. */
class LiveResultsPageTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void servesThePageTheChartingLibraryAndTheResultsFromItselfOnly() throws Exception {
    LiveResults results = new LiveResults("1m", 60_000);
    try (LiveResultsPage page = new LiveResultsPage(0, results)) {
      String base = "http://localhost:" + page.port();
      HttpResponse<String> index = get(base + "/");
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.headers().firstValue("Content-Security-Policy"))
          .hasValueSatisfying(csp -> assertThat(csp).startsWith("default-src 'self'"));
      assertThat(index.body())
          .contains("<script src=\"/vendor/uPlot.iife.min.js\">", "<script src=\"/live.js\">")
          .doesNotContain("http://", "https://");

      HttpResponse<String> uplot = get(base + "/vendor/uPlot.iife.min.js");
      assertThat(uplot.statusCode()).isEqualTo(200);
      assertThat(uplot.headers().firstValue("Content-Type"))
          .hasValue("text/javascript; charset=utf-8");
      assertThat(uplot.body()).contains("uPlot").hasSizeGreaterThan(40_000);
      for (String path :
          new String[] {"/vendor/uPlot.min.css", "/live.js", "/live.css", "/favicon.svg"}) {
        assertThat(get(base + path).statusCode()).as(path).isEqualTo(200);
      }

      HttpResponse<String> api = get(base + "/api/results");
      assertThat(api.statusCode()).isEqualTo(200);
      assertThat(api.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(Chromium.parse(api.body()))
          .asInstanceOf(InstanceOfAssertFactories.MAP)
          .containsEntry("granularity", "1m");

      assertThat(get(base + "/etc/passwd").statusCode()).isEqualTo(404);
      assertThat(get(base + "/../pom.xml").statusCode()).isEqualTo(404);
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/api/results"))
                          .POST(HttpRequest.BodyPublishers.ofString("x"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(405);
    }
  }

  @Test
  void aTakenPortIsAConfigurationErrorNamingTheKey() {
    try (LiveResultsPage first = new LiveResultsPage(0, new LiveResults("1m", 60_000))) {
      assertThatExceptionOfType(ConfigException.class)
          .isThrownBy(() -> new LiveResultsPage(first.port(), new LiveResults("1m", 60_000)))
          .satisfies(e -> assertThat(e.key()).isEqualTo("local.results-port"))
          .withMessageContaining("port " + first.port());
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
