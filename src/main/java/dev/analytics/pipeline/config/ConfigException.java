package dev.analytics.pipeline.config;

/** A configuration problem found at start-up; the message names the key and what is allowed. */
public class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String message) {
    super("Configuration error at '" + key + "': " + message);
    this.key = key;
  }

  /** The offending configuration key. */
  public String key() {
    return key;
  }
}
