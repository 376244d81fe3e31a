package dev.analytics.pipeline.config;

import dev.analytics.pipeline.ingest.KafkaOptions;
import org.apache.flink.configuration.ConfigOption;

/**
 * Prints the configuration table of docs/configuration.md (key, default, meaning) from {@link
 * JobOptions} and the generated secret-file options, so the table cannot drift from the code. Run
 * its {@code main} from the test classpath (in the project directory: the working directory in
 * defaults is printed as {@code <working dir>}) and replace the table, from its header line to the
 * first blank line, with the output; {@code JobConfigTest} checks that it lists every key and that
 * the document holds exactly this table.
 */
public final class ConfigReference {
  private ConfigReference() {}

  /** The table in Markdown, one row per accepted key, sorted by key. */
  public static String markdownTable() {
    String workingDir = System.getProperty("user.dir");
    StringBuilder table = new StringBuilder();
    table.append("| Key | Default | Meaning |\n");
    table.append("|---|---|---|\n");
    for (ConfigOption<?> option : JobConfig.acceptedOptions()) {
      String defaultValue =
          option.hasDefaultValue()
              ? "`"
                  + JobConfig.display(option.defaultValue()).replace(workingDir, "<working dir>")
                  + "`"
              : option.key().equals(KafkaOptions.KAFKA_BOOTSTRAP_SERVERS.key())
                  ? "(required)"
                  : "(none)";
      String meaning = JobConfig.descriptionText(option);
      table
          .append("| `")
          .append(option.key())
          .append("` | ")
          .append(defaultValue.replace("|", "\\|"))
          .append(" | ")
          .append(meaning.replace("|", "\\|"))
          .append(" |\n");
    }
    return table.toString();
  }

  public static void main(String[] args) {
    System.out.print(markdownTable());
  }
}
