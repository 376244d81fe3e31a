package dev.analytics.pipeline.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL server for the tests: {@code initdb} into a temporary directory, {@code
 * pg_ctl start} on a free loopback port with {@code max_prepared_transactions} for XA, {@code
 * stop}/{@code restart} on demand, and everything deleted on {@link #close()}.
 *
 * <p>The binaries are searched in {@code $PG_BIN}, {@code /usr/local/bin}, {@code pg_config
 * --bindir}, {@code /usr/lib/postgresql/<version>/bin} and {@code PATH}. A missing binary is a test
 * failure that says how to install it, never a skip. PostgreSQL refuses to run as root: as root,
 * the data directory belongs to the user {@code postgres} and the commands run through {@code
 * runuser -u postgres --} (or {@code su postgres -c}).
 */
public final class PostgresServer implements AutoCloseable {
  private static final String INSTALL_HINT =
      "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in $PG_BIN, /usr/local/bin,"
          + " pg_config --bindir, /usr/lib/postgresql/*/bin or PATH. Install them with"
          + " 'apt-get install -y postgresql' (Debian/Ubuntu; .ci/run does it) or point PG_BIN at"
          + " the directory that holds initdb.";

  private final Path binDir;
  private final Path dir;
  private final Path dataDir;
  private final Path socketDir;
  private final int port;
  private final boolean asPostgresUser;
  private final boolean durable;

  private PostgresServer(Path binDir, Path dir, int port, boolean asPostgresUser, boolean durable) {
    this.binDir = binDir;
    this.dir = dir;
    this.dataDir = dir.resolve("data");
    this.socketDir = dir.resolve("socket");
    this.port = port;
    this.asPostgresUser = asPostgresUser;
    this.durable = durable;
  }

  /** initdb + start, without fsync (tests); returns once the server accepts connections. */
  public static PostgresServer start() throws Exception {
    return start(false);
  }

  /**
   * initdb + start; returns once the server accepts connections.
   *
   * @param durable PostgreSQL's default durability (fsync, synchronous commit) instead of the
   *     faster test settings: for benchmarks, where the cost of a commit matters
   */
  public static PostgresServer start(boolean durable) throws Exception {
    Path bin = findBinDir();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("pg-test");
    PostgresServer server = new PostgresServer(bin, dir, ServerProcesses.freePort(), root, durable);
    try {
      Files.createDirectories(server.socketDir);
      if (root) {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()), Duration.ofSeconds(30));
      }
      server.runAsOwner(
          List.of(
              bin.resolve("initdb").toString(),
              "-D",
              server.dataDir.toString(),
              "-U",
              "postgres",
              "-A",
              "trust",
              "-E",
              "UTF8",
              "--locale=C",
              "--no-sync"),
          Duration.ofMinutes(2));
      server.startServer();
      // A test JVM that is killed must not leave a server behind.
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      server.close();
                    } catch (Exception | AssertionError e) {
                      // best effort at exit
                    }
                  }));
      return server;
    } catch (Exception | AssertionError e) {
      server.close();
      throw e;
    }
  }

  /** JDBC URL of the database {@code postgres} (user postgres, no password). */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public String user() {
    return "postgres";
  }

  public int port() {
    return port;
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), user(), "");
  }

  /** Runs SQL statements, each in its own auto-committed statement. */
  public void execute(String... sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    }
  }

  /**
   * The gids in {@code pg_prepared_xacts}: prepared transactions neither committed nor rolled back.
   */
  public List<String> preparedTransactions() throws SQLException {
    List<String> gids = new ArrayList<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT gid FROM pg_prepared_xacts ORDER BY gid")) {
      while (rs.next()) {
        gids.add(rs.getString(1));
      }
    }
    return gids;
  }

  /** Rolls back every prepared transaction: a clean slate between tests. */
  public void rollbackPreparedTransactions() throws SQLException {
    for (String gid : preparedTransactions()) {
      execute("ROLLBACK PREPARED '" + gid + "'");
    }
  }

  /** {@code pg_ctl stop -m fast}: open connections are cut; prepared transactions survive. */
  public void stop() throws Exception {
    runAsOwner(
        List.of(pgCtl(), "-D", dataDir.toString(), "-m", "fast", "-w", "stop"),
        Duration.ofMinutes(1));
  }

  /** Starts the server again after {@link #stop()}, on the same port and data. */
  public void startServer() throws Exception {
    String options =
        "-p "
            + port
            + " -k "
            + socketDir
            + " -c max_prepared_transactions=32 -c listen_addresses=127.0.0.1"
            + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
    runAsOwner(
        List.of(
            pgCtl(),
            "-D",
            dataDir.toString(),
            "-l",
            dir.resolve("server.log").toString(),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start"),
        Duration.ofMinutes(1));
  }

  /** The server's log, for failure messages. */
  public String log() {
    try {
      return Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public synchronized void close() throws Exception {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      if (Files.exists(dataDir.resolve("postmaster.pid"))) {
        runAsOwner(
            List.of(pgCtl(), "-D", dataDir.toString(), "-m", "immediate", "-w", "stop"),
            Duration.ofMinutes(1));
      }
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private String pgCtl() {
    return binDir.resolve("pg_ctl").toString();
  }

  private void runAsOwner(List<String> command, Duration timeout) throws Exception {
    if (!asPostgresUser) {
      run(command, timeout);
      return;
    }
    List<String> wrapped = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/sbin/runuser")) || onPath("runuser")) {
      wrapped.addAll(List.of("runuser", "-u", "postgres", "--"));
      wrapped.addAll(command);
    } else {
      wrapped.addAll(
          List.of("su", "postgres", "-s", "/bin/sh", "-c", String.join(" ", quoted(command))));
    }
    run(wrapped, timeout);
  }

  private static List<String> quoted(List<String> command) {
    List<String> out = new ArrayList<>();
    for (String part : command) {
      out.add("'" + part.replace("'", "'\\''") + "'");
    }
    return out;
  }

  private static String run(List<String> command, Duration timeout) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("LC_ALL", "C");
    Process process = builder.start();
    // pg_ctl start leaves the server running with our pipe as its stdout unless -l is given; it
    // is, so reading to the end terminates.
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", command));
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new AssertionError(
          "failed (exit " + process.exitValue() + "): " + String.join(" ", command) + "\n" + text);
    }
    return text;
  }

  static Path findBinDir() {
    List<Path> candidates = new ArrayList<>();
    String env = System.getenv("PG_BIN");
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    candidates.add(Path.of("/usr/local/bin"));
    try {
      String bindir = run(List.of("pg_config", "--bindir"), Duration.ofSeconds(10)).trim();
      if (!bindir.isEmpty()) {
        candidates.add(Path.of(bindir));
      }
    } catch (Exception | AssertionError e) {
      // pg_config is optional (it ships with libpq-dev); the other places are searched too.
    }
    Path versions = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(versions)) {
      try (Stream<Path> dirs = Files.list(versions)) {
        dirs.sorted(Comparator.reverseOrder()).forEach(d -> candidates.add(d.resolve("bin")));
      } catch (IOException e) {
        // unreadable: fall through to PATH
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String p : path.split(":")) {
        if (!p.isEmpty()) {
          candidates.add(Path.of(p));
        }
      }
    }
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate.resolve("initdb"))
          && Files.isExecutable(candidate.resolve("pg_ctl"))
          && Files.isExecutable(candidate.resolve("postgres"))) {
        return candidate;
      }
    }
    throw new AssertionError(INSTALL_HINT);
  }

  private static boolean onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String p : path.split(":")) {
      if (!p.isEmpty() && Files.isExecutable(Path.of(p, name))) {
        return true;
      }
    }
    return false;
  }
}
