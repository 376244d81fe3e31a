package dev.analytics.pipeline.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code jobs/cluster.sh} against a private cluster (its own directory and free ports), for
 * the tests on a real standalone cluster. Every command and its output goes to {@code
 * transcript.txt} in the cluster directory; {@link #kill()} ends the cluster's processes through
 * their pid files, also from a shutdown hook.
 *
 * <p>Each instance is a new cluster: the ZooKeeper data and the HA store an earlier test run left
 * in the directory are deleted, or its first start would recover that run's jobs by itself.
 */
public final class ClusterScript {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The result of one command. */
  public record Result(int exitCode, String stdout, String stderr) {
    /** The last line of standard output. */
    public String lastLine() {
      String[] lines = stdout.strip().split("\n");
      return lines[lines.length - 1].strip();
    }
  }

  private final Path project;
  private final Path home;
  private final Map<String, String> env = new HashMap<>();
  private final int restPort;
  private final Path transcript;
  private final HttpClient http = HttpClient.newHttpClient();

  /**
   * @param home the cluster directory (FLINK_CLUSTER_DIR)
   * @param extraProperties FLINK_PROPERTIES lines
   */
  public ClusterScript(Path home, String extraProperties) throws IOException {
    this.project = Path.of("").toAbsolutePath();
    this.home = home.toAbsolutePath();
    Files.createDirectories(this.home);
    for (String haState : List.of("zookeeper", "ha")) {
      deleteRecursively(this.home.resolve(haState));
    }
    this.restPort = freePort();
    int prom = freePortPair();
    env.put("FLINK_CLUSTER_DIR", this.home.toString());
    env.put("FLINK_REST_PORT", String.valueOf(restPort));
    env.put("FLINK_RPC_PORT", String.valueOf(freePort()));
    env.put("FLINK_PROM_PORTS", prom + "-" + (prom + 1));
    // The cluster's private ZooKeeper (high availability, the script's default).
    env.put("FLINK_ZK_PORT", String.valueOf(freePort()));
    env.put("FLINK_SAVEPOINT_DIR", this.home.resolve("savepoints").toString());
    env.put("FLINK_PROPERTIES", extraProperties);
    // The job jar is built into its own directory, beside (never inside) the running build.
    env.put("JOB_BUILD_DIR", project.resolve("target/cluster-it-build").toString());
    this.transcript = this.home.resolve("transcript.txt");
    Files.writeString(transcript, "");
  }

  /** Sets an environment variable of the script (e.g. FLINK_SLOTS) for the commands from now on. */
  public void environment(String name, String value) {
    env.put(name, value);
  }

  public Path home() {
    return home;
  }

  public Path transcript() {
    return transcript;
  }

  public int restPort() {
    return restPort;
  }

  /** The Prometheus reporter port range, "first-last". */
  public String prometheusPorts() {
    return env.get("FLINK_PROM_PORTS");
  }

  /** Runs {@code jobs/cluster.sh args...}; fails unless it exits with 0. */
  public Result run(Duration timeout, String... args) throws Exception {
    Result r = runAllowingFailure(timeout, args);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(
          "jobs/cluster.sh " + String.join(" ", args) + " exited with " + r.exitCode() + ":\n" + r);
    }
    return r;
  }

  public Result runAllowingFailure(Duration timeout, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(project.resolve("jobs/cluster.sh").toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(project.toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    long start = System.nanoTime();
    log("$ jobs/cluster.sh " + String.join(" ", quoted(args)));
    Process p = pb.start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("jobs/cluster.sh " + String.join(" ", args) + " timed out");
    }
    Result r =
        new Result(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    log(
        r.stderr()
            + r.stdout()
            + "  [exit "
            + r.exitCode()
            + ", "
            + (System.nanoTime() - start) / 1_000_000
            + " ms]");
    return r;
  }

  /** Appends a line to the transcript (and standard output), with the time of day. */
  public void log(String text) throws IOException {
    String line = LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + text.stripTrailing();
    System.out.println(line);
    Files.writeString(transcript, line + "\n", StandardOpenOption.APPEND);
  }

  /** GET on the cluster's REST API. */
  public JsonNode rest(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(path + " -> HTTP " + response.statusCode());
    }
    return JSON.readTree(response.body());
  }

  /** GET of a plain-text page, e.g. a Prometheus endpoint. */
  public String get(String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /**
   * Waits until every task of the job runs. A REST API that does not answer, or does not know the
   * job yet, counts as not running until the timeout: a new JobManager answers seconds before it
   * has recovered the jobs of the HA store.
   */
  public void awaitRunning(String jobId, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Object last;
      try {
        JsonNode job = rest("/jobs/" + jobId);
        boolean running = job.get("state").asText().equals("RUNNING");
        for (JsonNode v : job.get("vertices")) {
          running &= v.get("status").asText().equals("RUNNING");
        }
        if (running) {
          return;
        }
        last = job;
      } catch (IOException | IllegalStateException unavailable) {
        last = unavailable;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "job " + jobId + " not running after " + timeout + ": " + last);
      }
      Thread.sleep(200);
    }
  }

  /** Completed checkpoints of a job, from the REST API. */
  public long completedCheckpoints(String jobId) throws Exception {
    return rest("/jobs/" + jobId + "/checkpoints").get("counts").get("completed").asLong();
  }

  /** The id of the last job submitted through the script. */
  public String lastJobId() throws IOException {
    return Files.readString(home.resolve("jobs/last")).strip();
  }

  /**
   * Ends the cluster's processes (SIGTERM, then SIGKILL after 10 s) through their pid files; for
   * {@code @AfterAll} after {@code stop} failed and for the shutdown hook.
   */
  public void kill() {
    for (String name : List.of("taskmanager", "jobmanager", "zookeeper")) {
      Path pidFile = home.resolve(name + ".pid");
      try {
        if (!Files.exists(pidFile)) {
          continue;
        }
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        ProcessHandle.of(pid)
            .ifPresent(
                h -> {
                  h.destroy();
                  try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    h.destroyForcibly();
                  }
                });
        Files.deleteIfExists(pidFile);
      } catch (IOException | NumberFormatException e) {
        System.err.println("cannot stop " + name + ": " + e);
      }
    }
  }

  /** Whether a process of the cluster (jobmanager, taskmanager, zookeeper) is alive. */
  public boolean alive(String name) throws IOException {
    Path pidFile = home.resolve(name + ".pid");
    if (!Files.exists(pidFile)) {
      return false;
    }
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static List<String> quoted(String[] args) {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      out.add(a.contains(" ") || a.contains(";") ? "'" + a + "'" : a);
    }
    return out;
  }

  /**
   * A port free now, below Linux's ephemeral range (32768-60999): the cluster binds it seconds
   * later, after copying its libraries, and a port the kernel hands out for outgoing connections
   * (Kafka, ClickHouse, PostgreSQL clients of the same test) can be taken in between, as it once
   * was ("Could not start rest endpoint on any port in port range 36397").
   */
  private static int freePort() throws IOException {
    java.util.concurrent.ThreadLocalRandom random =
        java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 200; i++) {
      int p = 20_000 + random.nextInt(12_000);
      try (ServerSocket s = new ServerSocket(p)) {
        return p;
      } catch (IOException busy) {
        // try another
      }
    }
    throw new IOException("no free port in 20000-31999");
  }

  /** A free port whose successor is free too (the reporters of JobManager and TaskManager). */
  private static int freePortPair() throws IOException {
    for (int i = 0; i < 50; i++) {
      int p = freePort();
      if (p < 31_999) {
        try (ServerSocket s = new ServerSocket(p + 1)) {
          return p;
        } catch (IOException busy) {
          // try another
        }
      }
    }
    throw new IOException("no two consecutive free ports");
  }
}
