package dev.analytics.pipeline.testing;

import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Captures every log4j event at INFO and above (messages and stack traces) of this JVM while open:
 * the loggers of {@code log4j2-test.properties} are raised to INFO and their appenders replaced by
 * an in-memory one, then restored on {@link #close()}. For asserting what a real run writes to its
 * logs (e.g. that no secret ever appears).
 */
public final class LogCapture implements AutoCloseable {
  private final LoggerContext context;
  private final StringWriter text = new StringWriter();
  private final WriterAppender appender;
  private final Map<LoggerConfig, Level> levels = new HashMap<>();
  private final Map<LoggerConfig, Map<String, Appender>> appenders = new HashMap<>();

  private LogCapture() {
    context = (LoggerContext) LogManager.getContext(false);
    Configuration config = context.getConfiguration();
    appender =
        WriterAppender.newBuilder()
            .setName("capture-" + System.nanoTime())
            .setTarget(text)
            .setLayout(PatternLayout.newBuilder().withPattern("%-5p %c %m%n%ex").build())
            .build();
    appender.start();
    config.addAppender(appender);
    List<LoggerConfig> loggers = new java.util.ArrayList<>(config.getLoggers().values());
    if (!loggers.contains(config.getRootLogger())) {
      loggers.add(config.getRootLogger());
    }
    for (LoggerConfig logger : loggers) {
      levels.put(logger, logger.getLevel());
      appenders.put(logger, Map.copyOf(logger.getAppenders()));
      for (String name : logger.getAppenders().keySet()) {
        logger.removeAppender(name);
      }
      logger.addAppender(appender, Level.INFO, null);
      logger.setLevel(Level.INFO);
    }
    context.updateLoggers();
  }

  public static LogCapture start() {
    return new LogCapture();
  }

  /** Everything logged so far. */
  public synchronized String text() {
    return text.toString();
  }

  @Override
  public void close() {
    for (Map.Entry<LoggerConfig, Level> e : levels.entrySet()) {
      LoggerConfig logger = e.getKey();
      logger.removeAppender(appender.getName());
      logger.setLevel(e.getValue());
      for (Appender a : appenders.get(logger).values()) {
        logger.addAppender(a, null, null);
      }
    }
    context.getConfiguration().getAppenders().remove(appender.getName());
    context.updateLoggers();
    appender.stop();
  }
}
