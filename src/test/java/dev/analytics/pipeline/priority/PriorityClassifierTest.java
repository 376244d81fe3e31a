package dev.analytics.pipeline.priority;

import static dev.analytics.pipeline.testing.TestEvents.T0;
import static dev.analytics.pipeline.testing.TestEvents.counter;
import static dev.analytics.pipeline.testing.TestEvents.event;
import static dev.analytics.pipeline.testing.TestEvents.typed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import dev.analytics.pipeline.testing.TestEvents;
import java.util.List;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.operators.StreamMap;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class PriorityClassifierTest {

  /** The rules of the default configuration (priority.* defaults of {@link JobOptions}). */
  private static final PriorityRules DEFAULTS =
      new PriorityRules(
          PriorityOptions.PRIORITY_HIGH_EVENT_TYPES.defaultValue(),
          PriorityOptions.PRIORITY_HIGH_CATEGORIES.defaultValue(),
          PriorityOptions.PRIORITY_LOW_EVENT_TYPES.defaultValue(),
          PriorityOptions.PRIORITY_LOW_CATEGORIES.defaultValue(),
          PriorityOptions.PRIORITY_TRUST_EXPLICIT.defaultValue());

  /** The default rules, trusting every event's own priority field. */
  private static final PriorityRules TRUSTING =
      new PriorityRules(
          PriorityOptions.PRIORITY_HIGH_EVENT_TYPES.defaultValue(),
          PriorityOptions.PRIORITY_HIGH_CATEGORIES.defaultValue(),
          PriorityOptions.PRIORITY_LOW_EVENT_TYPES.defaultValue(),
          PriorityOptions.PRIORITY_LOW_CATEGORIES.defaultValue(),
          List.of("*"));

  @Test
  void byDefaultNoProducerPromotesItselfAndIgnoredClaimsAreCounted() throws Exception {
    AnalyticsEvent cacheHitMarkedHigh = typed("cache_hit", "cache");
    cacheHitMarkedHigh.priority = Priority.HIGH;
    AnalyticsEvent errorMarkedLow = typed("payment_error", null);
    errorMarkedLow.priority = Priority.LOW;
    AnalyticsEvent unclaimed = typed("checkout", null);
    InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();

    List<AnalyticsEvent> out =
        classify(DEFAULTS, metrics, cacheHitMarkedHigh, errorMarkedLow, unclaimed);

    assertThat(out.stream().map(e -> e.priority).toList())
        .isEqualTo(List.of(Priority.LOW, Priority.HIGH, Priority.NORMAL));
    assertThat(counter(metrics, "untrustedPriorityClaims")).isEqualTo(2);
  }

  @Test
  void explicitPriorityIsTrustedForTheListedTypesOnly() throws Exception {
    PriorityRules some =
        new PriorityRules(
            PriorityOptions.PRIORITY_HIGH_EVENT_TYPES.defaultValue(),
            PriorityOptions.PRIORITY_HIGH_CATEGORIES.defaultValue(),
            PriorityOptions.PRIORITY_LOW_EVENT_TYPES.defaultValue(),
            PriorityOptions.PRIORITY_LOW_CATEGORIES.defaultValue(),
            List.of("checkout.*"));
    AnalyticsEvent trusted = typed("checkout.completed", null);
    trusted.priority = Priority.HIGH;
    AnalyticsEvent untrusted = typed("page.view", null);
    untrusted.priority = Priority.HIGH;
    InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();

    List<AnalyticsEvent> out = classify(some, metrics, trusted, untrusted);

    assertThat(out.stream().map(e -> e.priority).toList())
        .isEqualTo(List.of(Priority.HIGH, Priority.NORMAL));
    assertThat(counter(metrics, "untrustedPriorityClaims")).isEqualTo(1);
  }

  @Test
  void highPriorityEventsKeepBoundedProperties() throws Exception {
    AnalyticsEvent small = typed("payment_error", null);
    small.properties = "{\"a\":\"" + "é".repeat(40) + "\"}"; // 88 bytes
    AnalyticsEvent large = typed("payment_error", null);
    large.properties = "{\"a\":\"" + "é".repeat(60) + "\"}"; // 128 bytes
    AnalyticsEvent normal = typed("checkout", null);
    normal.properties = large.properties;
    InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();

    List<AnalyticsEvent> out = classify(DEFAULTS, 100, metrics, small, large, normal);

    assertThat(out.get(0).properties).isEqualTo(small.properties);
    assertThat(out.get(1).properties).isEqualTo(null);
    assertThat(out.get(2).properties)
        .as("only high priority is bounded")
        .isEqualTo(normal.properties);
    assertThat(counter(metrics, "propertiesDropped")).isEqualTo(1);
    assertThat(PriorityClassifier.utf8Length(small.properties, 100)).isEqualTo(88);
    assertThat(PriorityClassifier.utf8Length("\uD83D\uDE00", 0)).isEqualTo(4);
  }

  @Test
  void explicitPriorityWinsOverRulesWhereTrusted() throws Exception {
    AnalyticsEvent errorMarkedLow = typed("payment_error", "error");
    errorMarkedLow.priority = Priority.LOW;
    AnalyticsEvent cacheHitMarkedHigh = typed("cache_hit", "cache");
    cacheHitMarkedHigh.priority = Priority.HIGH;
    AnalyticsEvent errorMarkedNormal = typed("payment_error", null);
    errorMarkedNormal.priority = Priority.NORMAL;

    List<AnalyticsEvent> out =
        classify(
            TRUSTING,
            new InterceptingOperatorMetricGroup(),
            errorMarkedLow,
            cacheHitMarkedHigh,
            errorMarkedNormal);

    assertThat(out.stream().map(e -> e.priority).toList())
        .isEqualTo(List.of(Priority.LOW, Priority.HIGH, Priority.NORMAL));
  }

  @Test
  void defaultRulesGiveHighForErrorLikeTypesAndHighCategories() {
    assertThat(DEFAULTS.classify("payment_error", null)).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("db.connection_failed", null)).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("disk.critical", null)).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("NullPointerException", null)).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("app.crash", null)).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("login", "security")).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("checkout", "failure")).isEqualTo(Priority.HIGH);
  }

  @Test
  void defaultRulesGiveLowForRoutineTypesAndLowCategories() {
    assertThat(DEFAULTS.classify("cache_hit", null)).isEqualTo(Priority.LOW);
    assertThat(DEFAULTS.classify("redis.cache_hit_ratio", null)).isEqualTo(Priority.LOW);
    assertThat(DEFAULTS.classify("performance.memory_usage", null)).isEqualTo(Priority.LOW);
    assertThat(DEFAULTS.classify("performance.cpu_usage", null)).isEqualTo(Priority.LOW);
    assertThat(DEFAULTS.classify("service.heartbeat", null)).isEqualTo(Priority.LOW);
    assertThat(DEFAULTS.classify("lb.health_check.ok", null)).isEqualTo(Priority.LOW);
    assertThat(DEFAULTS.classify("message_processed", "debug")).isEqualTo(Priority.LOW);
    assertThat(DEFAULTS.classify("lookup", "cache")).isEqualTo(Priority.LOW);
  }

  @Test
  void defaultRulesGiveNormalOtherwise() {
    assertThat(DEFAULTS.classify("performance.response_time", null)).isEqualTo(Priority.NORMAL);
    assertThat(DEFAULTS.classify("message_processed", "performance")).isEqualTo(Priority.NORMAL);
    // Low patterns without wildcards match the whole type only.
    assertThat(DEFAULTS.classify("performance.memory_usage_peak", null)).isEqualTo(Priority.NORMAL);
    assertThat(DEFAULTS.classify("x.performance.cpu_usage", null)).isEqualTo(Priority.NORMAL);
  }

  @Test
  void highRulesWinOverLowRules() {
    assertThat(DEFAULTS.classify("cache_hit_error", null)).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("cache_hit", "error")).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("service.heartbeat", "critical")).isEqualTo(Priority.HIGH);
  }

  @Test
  void patternsAndCategoriesIgnoreCase() {
    assertThat(DEFAULTS.classify("PAYMENT_ERROR", null)).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("Db.Connection_Failed", null)).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("Performance.Memory_Usage", null)).isEqualTo(Priority.LOW);
    assertThat(DEFAULTS.classify("login", "Security")).isEqualTo(Priority.HIGH);
    assertThat(DEFAULTS.classify("lookup", "CACHE")).isEqualTo(Priority.LOW);
  }

  @Test
  void questionMarkMatchesExactlyOneCharacterAndDotsAreLiteral() {
    GlobMatcher m = new GlobMatcher(List.of("db.?ead", "v?.*.done"));
    assertThat(m.matches("db.read")).isTrue();
    assertThat(m.matches("DB.Read")).isTrue();
    assertThat(m.matches("db.lead")).isTrue();
    assertThat(m.matches("db.ead")).as("? needs one character").isFalse();
    assertThat(m.matches("db.thread")).as("? is one character, not two").isFalse();
    assertThat(m.matches("dbxread")).as("a dot is a dot, not any character").isFalse();
    assertThat(m.matches("v2.import.done")).isTrue();
    assertThat(m.matches("v2..done")).as("* matches the empty run").isTrue();
    assertThat(m.matches("v10.import.done")).isFalse();
    assertThat(m.matches("v2.import.done.later")).as("patterns match the whole type").isFalse();
  }

  @Test
  void starMatchesAnyRunIncludingEmptyAndRegexCharactersAreLiteral() {
    GlobMatcher m = new GlobMatcher(List.of("*error*", "a+b(c)[d]$", "x*y*z"));
    assertThat(m.matches("error")).isTrue();
    assertThat(m.matches("an_error_here")).isTrue();
    assertThat(m.matches("a+b(c)[d]$")).isTrue();
    assertThat(m.matches("aab(c)[d]")).isFalse();
    assertThat(m.matches("xyz")).isTrue();
    assertThat(m.matches("x.1.y.2.z")).isTrue();
    assertThat(m.matches("x.1.z.2.y")).isFalse();
    assertThat(m.matches(null)).isFalse();
    assertThat(new GlobMatcher(List.of()).matches("anything")).isFalse();
  }

  @Test
  void categoriesMatchExactlyNotAsPatterns() {
    PriorityRules rules =
        new PriorityRules(List.of(), List.of(" Security "), List.of(), List.of("debug"), List.of());
    assertThat(rules.classify("login", "security")).isEqualTo(Priority.HIGH);
    assertThat(rules.classify("login", "security_audit")).isEqualTo(Priority.NORMAL);
    assertThat(rules.classify("login", "DEBUG")).isEqualTo(Priority.LOW);
    assertThat(rules.classify("login", "debugging")).isEqualTo(Priority.NORMAL);
    assertThat(rules.classify("login", null)).isEqualTo(Priority.NORMAL);
  }

  @Test
  void emptyRulesMakeEverythingNormal() {
    PriorityRules none = new PriorityRules(List.of(), List.of(), List.of(), List.of(), List.of());
    assertThat(none.classify("payment_error", "error")).isEqualTo(Priority.NORMAL);
    assertThat(none.classify("cache_hit", "cache")).isEqualTo(Priority.NORMAL);
  }

  @Test
  void rulesSurviveJavaSerializationAsFlinkShipsThem() throws Exception {
    PriorityRules copy =
        InstantiationUtil.clone(DEFAULTS, PriorityClassifierTest.class.getClassLoader());
    assertThat(copy.classify("payment_error", null)).isEqualTo(Priority.HIGH);
    assertThat(copy.classify("cache_hit", null)).isEqualTo(Priority.LOW);
    assertThat(copy.classify("performance.response_time", null)).isEqualTo(Priority.NORMAL);
  }

  @Test
  void operatorSetsPrioritiesAndCountsThem() throws Exception {
    AnalyticsEvent explicitHigh = event("e1", "performance.response_time", T0, Priority.HIGH);
    InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();

    List<AnalyticsEvent> out =
        classify(
            TRUSTING,
            metrics,
            typed("payment_error", null),
            typed("checkout", "error"),
            typed("cache_hit", null),
            typed("performance.response_time", null),
            typed("message_processed", "performance"),
            explicitHigh);

    assertThat(out.stream().map(e -> e.priority).toList())
        .isEqualTo(
            List.of(
                Priority.HIGH,
                Priority.HIGH,
                Priority.LOW,
                Priority.NORMAL,
                Priority.NORMAL,
                Priority.HIGH));
    assertThat(counter(metrics, "eventsHigh")).isEqualTo(3);
    assertThat(counter(metrics, "eventsNormal")).isEqualTo(2);
    assertThat(counter(metrics, "eventsLow")).isEqualTo(1);
  }

  private static List<AnalyticsEvent> classify(
      PriorityRules rules, InterceptingOperatorMetricGroup metrics, AnalyticsEvent... events)
      throws Exception {
    return classify(rules, 16384, metrics, events);
  }

  private static List<AnalyticsEvent> classify(
      PriorityRules rules,
      int maxPropertiesBytes,
      InterceptingOperatorMetricGroup metrics,
      AnalyticsEvent... events)
      throws Exception {
    try (MockEnvironment env = TestEvents.environment(metrics);
        OneInputStreamOperatorTestHarness<AnalyticsEvent, AnalyticsEvent> harness =
            new OneInputStreamOperatorTestHarness<>(
                new StreamMap<>(new PriorityClassifier(rules, maxPropertiesBytes)), env)) {
      harness.open();
      for (AnalyticsEvent e : events) {
        harness.processElement(e, e.timestamp);
      }
      return harness.extractOutputValues();
    }
  }
}
