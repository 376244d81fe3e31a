package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;

/**
 * A request that ClickHouse answered with an error: the HTTP status, the ClickHouse error code
 * parsed from {@code Code: NNN} in the body (0 when there is none), and whether retrying may help
 * ({@link ClickHouseErrors#isTransient(int, int)}).
 */
public class ClickHouseException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final int code;
  private final boolean transientError;

  public ClickHouseException(String message, int httpStatus, int code, boolean transientError) {
    super(message);
    this.httpStatus = httpStatus;
    this.code = code;
    this.transientError = transientError;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The ClickHouse error code, 0 when the response named none. */
  public int code() {
    return code;
  }

  public boolean isTransient() {
    return transientError;
  }
}
