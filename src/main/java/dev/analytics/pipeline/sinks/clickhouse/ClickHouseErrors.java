package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which failures of a ClickHouse request are worth retrying.
 *
 * <p><b>Transient</b> (retried with backoff): I/O errors of the connection (refused, reset,
 * timeouts), HTTP 408, 429 and 5xx without a known permanent code, and the ClickHouse codes of
 * overload and timeouts: too many parts (252), memory limit (241), timeouts (159, 160, 209),
 * network (210), too many simultaneous queries (202), read-only replica or ZooKeeper trouble (242,
 * 225, 999, 319), quota (201), and a few more in {@link #TRANSIENT_CODES}.
 *
 * <p>Code 252 means two things: too many parts (merges behind, transient) and, with the message
 * "Too many partitions for single INSERT block", an insert that touches more partitions than the
 * server's {@code max_partitions_per_insert_block}: permanent, the same rows always fail.
 *
 * <p><b>Permanent</b> (fail at once; retrying would only delay the failure): unknown table (60),
 * database (81), column (16) or identifier (47), type mismatch (53), syntax (62), bad data (26, 27,
 * 33, 38, 69, 70, 72), unknown setting (115), readonly (164), authentication and access (192, 193,
 * 194, 195, 497, 516), and any other client error (HTTP 4xx).
 */
public final class ClickHouseErrors {
  private ClickHouseErrors() {}

  private static final Pattern CODE = Pattern.compile("Code: (\\d+)");

  /** ClickHouse error codes worth retrying whatever the HTTP status. */
  static final Set<Integer> TRANSIENT_CODES =
      Set.of(
          3, // UNEXPECTED_END_OF_FILE (request body cut by the network)
          159, // TIMEOUT_EXCEEDED
          160, // TOO_SLOW
          201, // QUOTA_EXCEEDED
          202, // TOO_MANY_SIMULTANEOUS_QUERIES
          203, // NO_FREE_CONNECTION
          209, // SOCKET_TIMEOUT
          210, // NETWORK_ERROR
          225, // NO_ZOOKEEPER
          236, // ABORTED
          241, // MEMORY_LIMIT_EXCEEDED
          242, // TABLE_IS_READ_ONLY (replica lost ZooKeeper)
          252, // TOO_MANY_PARTS
          285, // TOO_FEW_LIVE_REPLICAS
          286, // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
          319, // UNKNOWN_STATUS_OF_INSERT
          394, // QUERY_WAS_CANCELLED
          425, // SYSTEM_ERROR
          439, // CANNOT_SCHEDULE_TASK
          999, // KEEPER_EXCEPTION
          1000 // POCO_EXCEPTION
          );

  /** ClickHouse error codes that never succeed on retry, whatever the HTTP status. */
  static final Set<Integer> PERMANENT_CODES =
      Set.of(
          16, // NO_SUCH_COLUMN_IN_TABLE
          26, // CANNOT_PARSE_QUOTED_STRING
          27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
          33, // CANNOT_READ_ALL_DATA (malformed RowBinary)
          38, // CANNOT_PARSE_DATE
          41, // CANNOT_PARSE_DATETIME
          44, // ILLEGAL_COLUMN
          47, // UNKNOWN_IDENTIFIER
          53, // TYPE_MISMATCH
          60, // UNKNOWN_TABLE
          62, // SYNTAX_ERROR
          69, // ARGUMENT_OUT_OF_BOUND
          70, // CANNOT_CONVERT_TYPE
          72, // CANNOT_PARSE_NUMBER
          81, // UNKNOWN_DATABASE
          115, // UNKNOWN_SETTING
          164, // READONLY
          192, // UNKNOWN_USER
          193, // WRONG_PASSWORD
          194, // REQUIRED_PASSWORD
          195, // IP_ADDRESS_NOT_ALLOWED
          497, // ACCESS_DENIED
          516 // AUTHENTICATION_FAILED
          );

  /** The ClickHouse error code in a response body ({@code Code: 60, ...}), or 0. */
  public static int parseCode(String body) {
    if (body == null) {
      return 0;
    }
    Matcher m = CODE.matcher(body);
    if (!m.find()) {
      return 0;
    }
    try {
      return Integer.parseInt(m.group(1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Whether an error response (HTTP status, ClickHouse code or 0, its body) is worth retrying. */
  public static boolean isTransient(int httpStatus, int code, String body) {
    return !tooManyPartitions(code, body) && isTransient(httpStatus, code);
  }

  /**
   * Code 252 for an insert over {@code max_partitions_per_insert_block}, not for too many parts.
   */
  public static boolean tooManyPartitions(int code, String body) {
    return code == 252 && body != null && body.contains("partitions for single INSERT block");
  }

  /** Whether an error response (HTTP status, ClickHouse code or 0) is worth retrying. */
  public static boolean isTransient(int httpStatus, int code) {
    if (TRANSIENT_CODES.contains(code)) {
      return true;
    }
    if (PERMANENT_CODES.contains(code)) {
      return false;
    }
    return httpStatus >= 500 || httpStatus == 408 || httpStatus == 429;
  }

  /**
   * Whether a failed attempt is worth retrying: a transient {@link ClickHouseException}, or an I/O
   * error of the connection (refused, reset, closed, timed out). Interruption is not: it means the
   * task is being cancelled.
   */
  public static boolean isTransient(Throwable t) {
    if (t instanceof ClickHouseException e) {
      return e.isTransient();
    }
    if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException) {
      return true;
    }
    if (t instanceof InterruptedIOException) {
      return false;
    }
    return t instanceof IOException;
  }
}
