package dev.analytics.pipeline.config;

import org.apache.flink.configuration.ConfigOption;

/**
 * Prints the effective value of one configuration key for the job arguments that follow it, loaded
 * exactly as the job loads them (file, environment, arguments); for {@code jobs/cluster.sh}, which
 * needs the job's {@code checkpoint.dir} and instance id to find its retained checkpoints.
 *
 * <pre>
 * java -cp job.jar:lib/* dev.analytics.pipeline.config.ConfigValue checkpoint.dir --config FILE ...
 * </pre>
 *
 * Several keys, separated by commas, print one line each. {@code job.instance-id} prints the
 * effective instance id (derived from {@code job.name} when not given). A bad configuration exits
 * with status 2 and the message the job would give; secret keys are refused.
 */
public final class ConfigValue {
  private ConfigValue() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: ConfigValue KEY [job arguments]");
      System.exit(2);
    }
    String[] jobArgs = java.util.Arrays.copyOfRange(args, 1, args.length);
    try {
      JobConfig config = JobConfig.load(jobArgs, System.getenv());
      for (String key : args[0].split(",")) {
        System.out.println(value(key, config));
      }
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
  }

  /** The effective value of {@code key} as text (its default when not given). */
  static String value(String key, JobConfig config) {
    if (key.equals(JobOptions.JOB_INSTANCE_ID.key())) {
      return config.instanceId(); // derived from job.name when not given
    }
    for (ConfigOption<?> option : JobConfig.acceptedOptions()) {
      if (option.key().equals(key)) {
        if (key.endsWith("password")) {
          throw new ConfigException(key, "is a secret and is never printed");
        }
        return String.valueOf(config.get(option));
      }
    }
    throw new ConfigException(key, "is not a configuration key (see docs/configuration.md)");
  }
}
