package dev.analytics.pipeline.testing;

import dev.analytics.pipeline.sinks.postgres.PostgresConnections;
import dev.analytics.pipeline.sinks.postgres.PostgresSettings;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;

/**
 * The real connections of {@link PostgresConnections#DEFAULT}, with failures injected into chosen
 * calls (counted across the JVM: the MiniCluster runs in the test's JVM).
 *
 * <ul>
 *   <li>{@link #failingCommits}: the first chosen XA commit fails before committing (the
 *       transaction stays prepared), the second fails after committing (the outcome is lost). Both
 *       are non-transient ({@code XAER_RMERR}): the task fails and restores.
 *   <li>{@link #failingBatches}: the chosen JDBC batches are executed (auto-commit), then fail: the
 *       sink retries or the job restores, so rows are written again.
 * </ul>
 */
public final class FaultyConnections implements PostgresConnections {
  private static final long serialVersionUID = 1L;

  private static final AtomicInteger CALLS = new AtomicInteger();
  private static final AtomicInteger INJECTED = new AtomicInteger();

  private final int before;
  private final int after;
  private final boolean commits;

  private FaultyConnections(int before, int after, boolean commits) {
    this.before = before;
    this.after = after;
    this.commits = commits;
  }

  /** Commit number {@code before} fails without committing, number {@code after} once done. */
  public static FaultyConnections failingCommits(int before, int after) {
    CALLS.set(0);
    INJECTED.set(0);
    return new FaultyConnections(before, after, true);
  }

  /** Batches number {@code first} and {@code second} fail after being executed. */
  public static FaultyConnections failingBatches(int first, int second) {
    CALLS.set(0);
    INJECTED.set(0);
    return new FaultyConnections(first, second, false);
  }

  /** How many failures were injected since the last factory call. */
  public static int injectedFailures() {
    return INJECTED.get();
  }

  @Override
  public Connection connect(PostgresSettings settings) throws SQLException {
    Connection real = PostgresConnections.DEFAULT.connect(settings);
    if (!commits) {
      return real;
    }
    int failBefore = before;
    int failAfter = after;
    return proxy(
        Connection.class,
        real,
        (method, args) -> {
          Object result = method.invoke(real, args);
          if (method.getName().equals("createStatement")) {
            Statement statement = (Statement) result;
            return proxy(
                Statement.class,
                statement,
                (m, a) -> {
                  boolean commit =
                      m.getName().equals("execute")
                          && a != null
                          && a[0] instanceof String sql
                          && sql.startsWith("COMMIT PREPARED");
                  int call = commit ? CALLS.incrementAndGet() : 0;
                  if (commit && call == failBefore) {
                    INJECTED.incrementAndGet();
                    throw new SQLException("injected failure before a commit", "XX000");
                  }
                  Object r = m.invoke(statement, a);
                  if (commit && call == failAfter) {
                    INJECTED.incrementAndGet();
                    throw new SQLException("injected failure after a commit", "XX000");
                  }
                  return r;
                });
          }
          return result;
        });
  }

  @Override
  public JdbcConnectionProvider connectionProvider(PostgresSettings settings) {
    JdbcConnectionProvider real = PostgresConnections.DEFAULT.connectionProvider(settings);
    return new FaultyProvider(real, commits ? Set.of() : Set.of(before, after));
  }

  private static Connection faultyConnection(Connection real, Set<Integer> failing) {
    return proxy(
        Connection.class,
        real,
        (method, args) -> {
          Object result = method.invoke(real, args);
          if (method.getName().equals("prepareStatement")) {
            PreparedStatement statement = (PreparedStatement) result;
            return proxy(
                PreparedStatement.class,
                statement,
                (m, a) -> {
                  Object r = m.invoke(statement, a);
                  if (m.getName().equals("executeBatch")
                      && failing.contains(CALLS.incrementAndGet())) {
                    INJECTED.incrementAndGet();
                    throw new SQLTransientConnectionException("injected failure after a batch");
                  }
                  return r;
                });
          }
          return result;
        });
  }

  /** The real provider, whose connections fail the chosen batches. */
  private static final class FaultyProvider implements JdbcConnectionProvider {
    private static final long serialVersionUID = 1L;
    private final JdbcConnectionProvider real;
    private final Set<Integer> failing;

    FaultyProvider(JdbcConnectionProvider real, Set<Integer> failing) {
      this.real = real;
      this.failing = failing;
    }

    @Override
    public Connection getConnection() {
      Connection c = real.getConnection();
      return c == null ? null : faultyConnection(c, failing);
    }

    @Override
    public Properties getProperties() {
      return real.getProperties();
    }

    @Override
    public boolean isConnectionValid() throws SQLException {
      return real.isConnectionValid();
    }

    @Override
    public Connection getOrEstablishConnection() throws SQLException, ClassNotFoundException {
      return faultyConnection(real.getOrEstablishConnection(), failing);
    }

    @Override
    public void closeConnection() {
      real.closeConnection();
    }

    @Override
    public Connection reestablishConnection() throws SQLException, ClassNotFoundException {
      return faultyConnection(real.reestablishConnection(), failing);
    }

    @Override
    public void close() throws Exception {
      real.close();
    }
  }

  /** A handler that may throw what the real call throws. */
  private interface Handler {
    Object handle(Method method, Object[] args) throws Throwable;
  }

  private static <T> T proxy(Class<T> type, T real, Handler handler) {
    InvocationHandler invocation =
        (p, method, args) -> {
          try {
            return handler.handle(method, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    return type.cast(
        Proxy.newProxyInstance(
            FaultyConnections.class.getClassLoader(), new Class<?>[] {type}, invocation));
  }
}
