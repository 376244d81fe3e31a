package dev.analytics.pipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The current ClickHouse engine in-process: the npm package {@code chdb} (ClickHouse 26.x as a
 * library; no HTTP server), driven through {@code src/test/node/chdb-run.js} with Node.js. Each
 * {@link #run} is one fresh in-memory session: statements, then RowBinary files loaded with {@code
 * INSERT ... SELECT * FROM file(..., 'RowBinary', structure)}, then queries (TabSeparated).
 *
 * <p>{@code bash .ci/run} installs the package into {@code .chdb/} ({@code npm install --prefix
 * .chdb chdb@3.4.0}); {@code CHDB_MODULE} may point at another installation. Without it {@link
 * #locate} fails the test, saying how to install it.
 */
public final class ChdbEngine {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCRIPT = Path.of("src/test/node/chdb-run.js").toAbsolutePath();
  private static final String INSTALL = "npm install --prefix .chdb chdb@3.4.0";

  private final Path module;

  private ChdbEngine(Path module) {
    this.module = module;
  }

  /**
   * One RowBinary file into {@code table}: its column list, the file()'s structure and the insert's
   * settings ({@code "async_insert = 0, insert_deduplication_token = 't'"}, or null).
   */
  public record Load(String table, String columns, String structure, Path file, String settings) {
    public Load(String table, String columns, String structure, Path file) {
      this(table, columns, structure, file, null);
    }
  }

  /** The engine's version, the error of each load (null when it loaded) and each query's TSV. */
  public record Result(String version, List<String> loadErrors, List<String> results) {}

  /** The installed engine, or an AssertionError that says how to install it. */
  public static ChdbEngine locate() {
    String configured = System.getenv("CHDB_MODULE");
    Path module =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : Path.of(".chdb/node_modules/chdb").toAbsolutePath();
    if (!Files.isRegularFile(module.resolve("package.json"))) {
      throw new AssertionError(
          "The in-process ClickHouse engine (npm package chdb) is not installed at "
              + module
              + ": run `"
              + INSTALL
              + "` in the project directory (bash .ci/run does), or set CHDB_MODULE to its"
              + " node_modules/chdb");
    }
    return new ChdbEngine(module);
  }

  public Result run(List<String> statements, List<Load> loads, List<String> queries)
      throws IOException, InterruptedException {
    ObjectNode request = JSON.createObjectNode();
    ArrayNode s = request.putArray("statements");
    statements.forEach(s::add);
    ArrayNode l = request.putArray("loads");
    for (Load load : loads) {
      l.addObject()
          .put("table", load.table())
          .put("columns", load.columns())
          .put("structure", load.structure())
          .put("file", load.file().toAbsolutePath().toString())
          .put("settings", load.settings());
    }
    ArrayNode q = request.putArray("queries");
    queries.forEach(q::add);

    Path in = Files.createTempFile("chdb-request", ".json");
    Path out = Files.createTempFile("chdb-result", ".json");
    Path err = Files.createTempFile("chdb-error", ".txt");
    try {
      JSON.writeValue(in.toFile(), request);
      ProcessBuilder pb;
      try {
        pb = new ProcessBuilder("node", SCRIPT.toString());
      } catch (RuntimeException e) {
        throw new AssertionError("cannot start node (Node.js is needed for chdb)", e);
      }
      pb.environment().put("CHDB_MODULE", module.toString());
      pb.redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        throw new AssertionError("cannot start node (Node.js is needed for chdb): " + e, e);
      }
      if (!p.waitFor(3, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("chdb did not answer within 3 minutes");
      }
      if (p.exitValue() != 0) {
        throw new AssertionError(
            "chdb failed (exit "
                + p.exitValue()
                + "): "
                + Files.readString(err, StandardCharsets.UTF_8).strip());
      }
      JsonNode result = JSON.readTree(out.toFile());
      List<String> loadErrors = new ArrayList<>();
      for (JsonNode load : result.get("loads")) {
        loadErrors.add(load.get("ok").asBoolean() ? null : load.get("error").asText());
      }
      List<String> results = new ArrayList<>();
      for (JsonNode r : result.get("results")) {
        results.add(r.asText());
      }
      return new Result(result.get("version").asText(), loadErrors, results);
    } finally {
      Files.deleteIfExists(in);
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
