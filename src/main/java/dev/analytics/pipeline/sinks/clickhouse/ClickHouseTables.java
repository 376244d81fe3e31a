package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a sink's table from its DDL file ({@code sql/clickhouse/<default table>.sql}, or {@code
 * sql/clickhouse/current/<default table>.sql} on ClickHouse 22.2 and later: {@link TableVariant};
 * on the classpath) or checks that it exists with the columns its encoder writes, and tells which
 * of the two layouts it has.
 *
 * <p>The DDL files are the single definition of the tables: the job runs them with the configured
 * database and table name; an analyst runs them as they are with {@code clickhouse-client}.
 */
public final class ClickHouseTables {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseTables.class);

  private ClickHouseTables() {}

  /** ClickHouse codes of a concurrent CREATE ... IF NOT EXISTS that lost the race. */
  private static final int TABLE_ALREADY_EXISTS = 57;

  private static final int DATABASE_ALREADY_EXISTS = 82;

  /**
   * With {@code create}: creates the database and the table if they do not exist, with the DDL of
   * the server's {@link TableVariant#forServer variant}. Then decides from the table's columns
   * which variant the writer encodes ({@link #closestVariant}) and checks that the table has every
   * column of that variant with its type (more columns are fine).
   *
   * @return the variant of the table: give the writer {@code encoder.withVariant(it)}
   * @throws ClickHouseException (permanent) naming the table and what is wrong: missing table,
   *     missing column, other type, a table of neither variant
   */
  public static TableVariant prepare(
      ClickHouseHttpClient client,
      RetryPolicy retry,
      String table,
      ClickHouseRowEncoder<?> encoder,
      boolean create)
      throws IOException, InterruptedException {
    return prepare(client, retry, table, encoder, create, Duration.ZERO);
  }

  /**
   * {@link #prepare(ClickHouseHttpClient, RetryPolicy, String, ClickHouseRowEncoder, boolean)}
   * creating the table with {@code ttl} (zero: none; an existing table keeps its own).
   *
   * @throws ClickHouseException (permanent) also for a TTL on a server without TTLs (before 19.6)
   */
  public static TableVariant prepare(
      ClickHouseHttpClient client,
      RetryPolicy retry,
      String table,
      ClickHouseRowEncoder<?> encoder,
      boolean create,
      Duration ttl)
      throws IOException, InterruptedException {
    String database = client.connection().database();
    if (create && !ttl.isZero() && !ClickHouseHttpClient.knowsTtl(client.serverVersion())) {
      throw new ClickHouseException(
          ttlOption(encoder.defaultTable())
              + " is set, but ClickHouse "
              + client.serverVersion()
              + " has no TTL (19.6 and later): unset it to create "
              + database
              + "."
              + table
              + " without one",
          0,
          0,
          false);
    }
    if (create) {
      if (!"default".equals(database)) {
        retry.call(
            "create database " + database,
            () ->
                ignoring(
                    DATABASE_ALREADY_EXISTS,
                    "CREATE DATABASE IF NOT EXISTS `" + database + "`",
                    client),
            (n, d, e) -> {});
      }
      String version = client.serverVersion();
      String ddl =
          ddl(
              TableVariant.forServer(version),
              encoder.defaultTable(),
              client.qualified(table),
              version,
              ttl);
      retry.call(
          "create table " + database + "." + table,
          () -> ignoring(TABLE_ALREADY_EXISTS, ddl, client),
          (n, d, e) -> {});
    }
    String described = describe(client, retry, table);
    if (client.supportsDeduplicationToken()) {
      String engine =
          client
              .query(
                  "SELECT engine_full FROM system.tables WHERE database = '"
                      + escape(database)
                      + "' AND name = '"
                      + escape(table)
                      + "' FORMAT TabSeparated")
              .strip();
      if (ignoresTokens(engine)) {
        LOG.warn(
            "ClickHouse table {}.{} has no non_replicated_deduplication_window: the server ignores"
                + " the deduplication token of a retried commit, whose rows then stay twice until a"
                + " merge (reads with FINAL or argMax are right, count() without FINAL is not)."
                + " ALTER TABLE {}.{} MODIFY SETTING non_replicated_deduplication_window = {}",
            database,
            table,
            database,
            table,
            DEDUPLICATION_WINDOW);
      }
    }
    TableVariant variant =
        closestVariant(described, encoder, TableVariant.forServer(client.serverVersion()));
    ClickHouseRowEncoder<?> chosen = encoder.withVariant(variant);
    if (create) {
      // Columns added by later versions (Nullable or Array, so old rows read as NULL or []) to a
      // table that an earlier version created.
      List<ClickHouseColumn> added = missingAddable(described, chosen.columns());
      for (ClickHouseColumn column : added) {
        String alter =
            "ALTER TABLE "
                + client.qualified(table)
                + " ADD COLUMN `"
                + column.name()
                + "` "
                + column.type();
        retry.call("add column " + column.name(), () -> client.query(alter), (n, d, e) -> {});
        LOG.info("ClickHouse table {}.{}: added column {}", database, table, column);
      }
      if (!added.isEmpty()) {
        described = describe(client, retry, table);
      }
    }
    List<String> problems = problems(described, chosen.columns());
    if (!problems.isEmpty()) {
      throw new ClickHouseException(
          refusal(database + "." + table, client.connection().url(), described, encoder, variant),
          0,
          0,
          false);
    }
    return variant;
  }

  /** The message of a table that does not match the {@code variant} it is closest to. */
  static String refusal(
      String table,
      String url,
      String described,
      ClickHouseRowEncoder<?> encoder,
      TableVariant variant) {
    String name = table.substring(table.indexOf('.') + 1);
    return "ClickHouse table "
        + table
        + " at "
        + url
        + " "
        + String.join("; ", problems(described, encoder.withVariant(variant).columns()))
        + (described(described).isEmpty()
            ? ""
            : " (it is closest to the layout of "
                + variant.ddlFile(encoder.defaultTable())
                + " and matches neither that nor "
                + other(variant).ddlFile(encoder.defaultTable())
                + ")")
        + ". Create it with "
        + TableVariant.LEGACY.ddlFile(encoder.defaultTable())
        + " (any server) or "
        + TableVariant.CURRENT.ddlFile(encoder.defaultTable())
        + " (ClickHouse 22.2 and later), table name "
        + name
        + ", or set clickhouse.create-tables: true";
  }

  /**
   * The variant whose columns an existing table described by {@code system.columns} rows (name TAB
   * type) has, or null when it has those of neither (or does not exist).
   */
  static TableVariant variantOf(String describedColumns, ClickHouseRowEncoder<?> encoder) {
    for (TableVariant v : TableVariant.values()) {
      if (problems(describedColumns, encoder.withVariant(v).columns()).isEmpty()) {
        return v;
      }
    }
    return null;
  }

  /**
   * {@link #variantOf}, or else the variant of which the table has the most columns with their
   * types, {@code preferred} (the server's) on a tie: the layout the writer adds missing Nullable
   * and Array columns to (a table that an earlier version created), and whose problems a refusal
   * names.
   */
  static TableVariant closestVariant(
      String describedColumns, ClickHouseRowEncoder<?> encoder, TableVariant preferred) {
    TableVariant exact = variantOf(describedColumns, encoder);
    if (exact != null) {
      return exact;
    }
    TableVariant best = preferred;
    int most = matching(describedColumns, encoder.withVariant(preferred).columns());
    for (TableVariant v : TableVariant.values()) {
      int n = matching(describedColumns, encoder.withVariant(v).columns());
      if (n > most) {
        best = v;
        most = n;
      }
    }
    return best;
  }

  /** How many of {@code expected} the table described so has with their types. */
  private static int matching(String describedColumns, List<ClickHouseColumn> expected) {
    Map<String, String> actual = described(describedColumns);
    int n = 0;
    for (ClickHouseColumn column : expected) {
      String type = actual.get(column.name());
      if (type != null && normalize(type).equals(normalize(column.type()))) {
        n++;
      }
    }
    return n;
  }

  private static TableVariant other(TableVariant v) {
    return v == TableVariant.CURRENT ? TableVariant.LEGACY : TableVariant.CURRENT;
  }

  /**
   * The columns of {@code table} as {@code system.columns} rows (name TAB type); none if absent.
   */
  private static String describe(ClickHouseHttpClient client, RetryPolicy retry, String table)
      throws IOException, InterruptedException {
    String database = client.connection().database();
    return retry.call(
        "describe table " + database + "." + table,
        () ->
            client.query(
                "SELECT name, type FROM system.columns WHERE database = '"
                    + escape(database)
                    + "' AND table = '"
                    + escape(table)
                    + "' FORMAT TabSeparated"),
        (n, d, e) -> {});
  }

  /**
   * The deduplication window the job sets on the tables it creates on servers that take
   * deduplication tokens (22.2 and later): on a non-replicated MergeTree the token does nothing
   * without it ({@code non_replicated_deduplication_window} is 0 by default), and a repeated insert
   * then stays until a merge collapses it (FINAL reads are right either way; count() without FINAL
   * and every part in between are not). 1,000 inserts back per table: a commit is retried after at
   * most a few checkpoints, each at most a few inserts per table.
   */
  static final int DEDUPLICATION_WINDOW = 1_000;

  /**
   * {@link #ddl(String, String)} (the 18.16 DDL) for a server of {@code serverVersion}: with the
   * deduplication window on servers that take deduplication tokens.
   */
  public static String ddl(String defaultTable, String qualifiedName, String serverVersion) {
    return ddl(TableVariant.LEGACY, defaultTable, qualifiedName, serverVersion);
  }

  /**
   * The DDL of {@code variant} creating {@code qualifiedName} on a server of {@code serverVersion}:
   * with the deduplication window on servers that take deduplication tokens (the current DDL has it
   * in its SETTINGS already).
   */
  public static String ddl(
      TableVariant variant, String defaultTable, String qualifiedName, String serverVersion) {
    String ddl = ddl(variant, defaultTable, qualifiedName);
    if (!ClickHouseHttpClient.supportsDeduplicationToken(serverVersion)
        || ddl.contains("non_replicated_deduplication_window")) {
      return ddl;
    }
    int settings = ddl.lastIndexOf("\nSETTINGS ");
    if (settings < 0) {
      throw new IllegalStateException(
          variant.ddlFile(defaultTable) + " must end with a SETTINGS clause");
    }
    return ddl + ", non_replicated_deduplication_window = " + DEDUPLICATION_WINDOW;
  }

  /**
   * {@link #ddl(TableVariant, String, String, String)} with a table TTL of {@code ttl} (whole
   * seconds; zero: none) on the table's time, the column of its PARTITION BY: {@code TTL
   * toDateTime(window_start) + INTERVAL <seconds> SECOND} before the SETTINGS.
   */
  public static String ddl(
      TableVariant variant,
      String defaultTable,
      String qualifiedName,
      String serverVersion,
      Duration ttl) {
    String ddl = ddl(variant, defaultTable, qualifiedName, serverVersion);
    if (ttl.isZero()) {
      return ddl;
    }
    Matcher partition = PARTITION_TIME.matcher(ddl);
    int settings = ddl.lastIndexOf("\nSETTINGS ");
    if (!partition.find() || settings < 0) {
      throw new IllegalStateException(
          variant.ddlFile(defaultTable)
              + " must have PARTITION BY toYYYYMMDD(<time>) and end with a SETTINGS clause");
    }
    return ddl.substring(0, settings)
        + "\nTTL toDateTime("
        + partition.group(1)
        + ") + INTERVAL "
        + ttl.getSeconds()
        + " SECOND"
        + ddl.substring(settings);
  }

  private static final Pattern PARTITION_TIME =
      Pattern.compile("\nPARTITION BY toYYYYMMDD\\((\\w+)\\)\n");

  /** The option that sets the TTL of the table of {@code defaultTable}. */
  private static String ttlOption(String defaultTable) {
    return switch (defaultTable) {
      case "window_aggregates" -> "clickhouse.aggregates.ttl";
      case "alerts" -> "clickhouse.alerts.ttl";
      case "high_priority_events" -> "clickhouse.events.ttl";
      default -> "the TTL of " + defaultTable;
    };
  }

  /**
   * The DDL of {@code sql/clickhouse/<defaultTable>.sql} creating {@code qualifiedName} instead,
   * without comment lines and the final semicolon: as it is, for ClickHouse 18.16.
   */
  public static String ddl(String defaultTable, String qualifiedName) {
    return ddl(TableVariant.LEGACY, defaultTable, qualifiedName);
  }

  /**
   * The DDL of {@code variant} ({@link TableVariant#ddlFile}) creating {@code qualifiedName}
   * instead, without comment lines and the final semicolon.
   */
  public static String ddl(TableVariant variant, String defaultTable, String qualifiedName) {
    String file = variant.ddlFile(defaultTable);
    String text;
    try (InputStream in = ClickHouseTables.class.getClassLoader().getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException(file + " is not on the classpath");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String sql =
        text.lines()
            .filter(line -> !line.stripLeading().startsWith("--"))
            .collect(Collectors.joining("\n"))
            .strip();
    if (sql.endsWith(";")) {
      sql = sql.substring(0, sql.length() - 1);
    }
    String head = "CREATE TABLE IF NOT EXISTS " + defaultTable + "\n";
    if (!sql.startsWith(head)) {
      throw new IllegalStateException(file + " must start with '" + head.strip() + "'");
    }
    return "CREATE TABLE IF NOT EXISTS " + qualifiedName + "\n" + sql.substring(head.length());
  }

  /**
   * Whether a table of {@code engineFull} ({@code system.tables}) drops a repeated insert by its
   * token: a replicated MergeTree does by default, a plain one only with a deduplication window.
   */
  static boolean ignoresTokens(String engineFull) {
    return engineFull.contains("MergeTree")
        && !engineFull.startsWith("Replicated")
        && !engineFull.matches("(?s).*non_replicated_deduplication_window\\s*=\\s*[1-9].*");
  }

  /**
   * The Nullable and Array columns of {@code expected} that an existing table described so lacks:
   * the ones an ALTER can add with a default that means "not recorded" (NULL, the empty array).
   */
  static List<ClickHouseColumn> missingAddable(
      String describedColumns, List<ClickHouseColumn> expected) {
    Map<String, String> actual = described(describedColumns);
    List<ClickHouseColumn> missing = new ArrayList<>();
    if (!actual.isEmpty()) {
      for (ClickHouseColumn column : expected) {
        if (!actual.containsKey(column.name())
            && (column.type().startsWith("Nullable(") || column.type().startsWith("Array("))) {
          missing.add(column);
        }
      }
    }
    return missing;
  }

  private static Map<String, String> described(String describedColumns) {
    Map<String, String> actual = new LinkedHashMap<>();
    for (String line : describedColumns.split("\n")) {
      int tab = line.indexOf('\t');
      if (tab > 0) {
        actual.put(unescape(line.substring(0, tab)), unescape(line.substring(tab + 1)));
      }
    }
    return actual;
  }

  /** What is wrong with the table described by {@code system.columns} rows (name TAB type). */
  static List<String> problems(String describedColumns, List<ClickHouseColumn> expected) {
    Map<String, String> actual = described(describedColumns);
    List<String> problems = new ArrayList<>();
    if (actual.isEmpty()) {
      problems.add("does not exist");
      return problems;
    }
    for (ClickHouseColumn column : expected) {
      String type = actual.get(column.name());
      if (type == null) {
        problems.add("has no column " + column.name() + " " + column.type());
      } else if (!normalize(type).equals(normalize(column.type()))) {
        problems.add(
            "has column " + column.name() + " of type " + type + ", expected " + column.type());
      }
    }
    return problems;
  }

  private static Object ignoring(int code, String sql, ClickHouseHttpClient client)
      throws IOException, InterruptedException {
    try {
      client.query(sql);
    } catch (ClickHouseException e) {
      if (e.code() != code) {
        throw e;
      }
    }
    return null;
  }

  /**
   * A type as compared: without blanks, and without {@code LowCardinality(...)}, which changes the
   * storage but neither what RowBinary carries nor what a query reads (a table whose string columns
   * differ from the DDL only in it is accepted either way).
   */
  static String normalize(String type) {
    String t = type.replace(" ", "").replace("\"", "'");
    String wrapper = "LowCardinality(";
    int i;
    while ((i = t.indexOf(wrapper)) >= 0) {
      int depth = 1;
      int end = -1;
      for (int j = i + wrapper.length(); j < t.length() && end < 0; j++) {
        char c = t.charAt(j);
        if (c == '(') {
          depth++;
        } else if (c == ')' && --depth == 0) {
          end = j;
        }
      }
      if (end < 0) {
        break;
      }
      t = t.substring(0, i) + t.substring(i + wrapper.length(), end) + t.substring(end + 1);
    }
    return t;
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("'", "\\'");
  }

  /** TabSeparated unescaping of a field. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 == s.length()) {
        out.append(c);
        continue;
      }
      char n = s.charAt(++i);
      switch (n) {
        case 't' -> out.append('\t');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case '0' -> out.append('\0');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        default -> out.append(n);
      }
    }
    return out.toString();
  }
}
