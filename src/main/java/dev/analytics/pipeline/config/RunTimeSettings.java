package dev.analytics.pipeline.config;

/**
 * An operator function whose settings can change while the job runs: it derives what it uses from
 * each version of the configuration and looks a version up by the event time of what it processes.
 * Without changes it keeps the settings it was built with.
 */
public interface RunTimeSettings {
  /** Uses {@code configs} from now on (every version, from the start of event time). */
  void configure(Versioned<JobConfig> configs);
}
