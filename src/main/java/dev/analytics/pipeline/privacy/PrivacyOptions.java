package dev.analytics.pipeline.privacy;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.analytics.pipeline.config.ConfigChecks;
import dev.analytics.pipeline.config.StageOptions;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The options of this stage. */
public final class PrivacyOptions implements StageOptions {
  public PrivacyOptions() {}

  @Override
  public void check(ConfigChecks c) {
    privacy(c);
  }

  // ---- privacy (local differential privacy) ----

  public static final ConfigOption<List<String>> PRIVACY_GROUPS =
      key("privacy.groups")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "Groups of event types whose clients report through k-ary randomized response;"
                  + " their window counts are corrected (unbiased estimate and standard"
                  + " deviation per type). Each item is name:epsilon:type1,type2,...,typek with a"
                  + " unique name of [A-Za-z0-9_.-], epsilon > 0 and finite, k >= 2 distinct"
                  + " event types, no type in two groups; e.g. 'consent:1.0:consent.yes,consent.no'.");

  private static void privacy(ConfigChecks c) {
    PrivacyGroups.parse(
        c.get(PrivacyOptions.PRIVACY_GROUPS), c.origin(PrivacyOptions.PRIVACY_GROUPS.key()));
  }
}
