package dev.analytics.pipeline.priority;

import static dev.analytics.pipeline.testing.TestEvents.T0;
import static dev.analytics.pipeline.testing.TestEvents.counter;
import static dev.analytics.pipeline.testing.TestEvents.event;
import static dev.analytics.pipeline.testing.TestEvents.typed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    assertEquals(
        List.of(Priority.LOW, Priority.HIGH, Priority.NORMAL),
        out.stream().map(e -> e.priority).toList());
    assertEquals(2, counter(metrics, "untrustedPriorityClaims"));
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

    assertEquals(
        List.of(Priority.HIGH, Priority.NORMAL), out.stream().map(e -> e.priority).toList());
    assertEquals(1, counter(metrics, "untrustedPriorityClaims"));
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

    assertEquals(small.properties, out.get(0).properties);
    assertEquals(null, out.get(1).properties);
    assertEquals(normal.properties, out.get(2).properties, "only high priority is bounded");
    assertEquals(1, counter(metrics, "propertiesDropped"));
    assertEquals(88, PriorityClassifier.utf8Length(small.properties, 100));
    assertEquals(4, PriorityClassifier.utf8Length("\uD83D\uDE00", 0));
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

    assertEquals(
        List.of(Priority.LOW, Priority.HIGH, Priority.NORMAL),
        out.stream().map(e -> e.priority).toList());
  }

  @Test
  void defaultRulesGiveHighForErrorLikeTypesAndHighCategories() {
    assertEquals(Priority.HIGH, DEFAULTS.classify("payment_error", null));
    assertEquals(Priority.HIGH, DEFAULTS.classify("db.connection_failed", null));
    assertEquals(Priority.HIGH, DEFAULTS.classify("disk.critical", null));
    assertEquals(Priority.HIGH, DEFAULTS.classify("NullPointerException", null));
    assertEquals(Priority.HIGH, DEFAULTS.classify("app.crash", null));
    assertEquals(Priority.HIGH, DEFAULTS.classify("login", "security"));
    assertEquals(Priority.HIGH, DEFAULTS.classify("checkout", "failure"));
  }

  @Test
  void defaultRulesGiveLowForRoutineTypesAndLowCategories() {
    assertEquals(Priority.LOW, DEFAULTS.classify("cache_hit", null));
    assertEquals(Priority.LOW, DEFAULTS.classify("redis.cache_hit_ratio", null));
    assertEquals(Priority.LOW, DEFAULTS.classify("performance.memory_usage", null));
    assertEquals(Priority.LOW, DEFAULTS.classify("performance.cpu_usage", null));
    assertEquals(Priority.LOW, DEFAULTS.classify("service.heartbeat", null));
    assertEquals(Priority.LOW, DEFAULTS.classify("lb.health_check.ok", null));
    assertEquals(Priority.LOW, DEFAULTS.classify("message_processed", "debug"));
    assertEquals(Priority.LOW, DEFAULTS.classify("lookup", "cache"));
  }

  @Test
  void defaultRulesGiveNormalOtherwise() {
    assertEquals(Priority.NORMAL, DEFAULTS.classify("performance.response_time", null));
    assertEquals(Priority.NORMAL, DEFAULTS.classify("message_processed", "performance"));
    // Low patterns without wildcards match the whole type only.
    assertEquals(Priority.NORMAL, DEFAULTS.classify("performance.memory_usage_peak", null));
    assertEquals(Priority.NORMAL, DEFAULTS.classify("x.performance.cpu_usage", null));
  }

  @Test
  void highRulesWinOverLowRules() {
    assertEquals(Priority.HIGH, DEFAULTS.classify("cache_hit_error", null));
    assertEquals(Priority.HIGH, DEFAULTS.classify("cache_hit", "error"));
    assertEquals(Priority.HIGH, DEFAULTS.classify("service.heartbeat", "critical"));
  }

  @Test
  void patternsAndCategoriesIgnoreCase() {
    assertEquals(Priority.HIGH, DEFAULTS.classify("PAYMENT_ERROR", null));
    assertEquals(Priority.HIGH, DEFAULTS.classify("Db.Connection_Failed", null));
    assertEquals(Priority.LOW, DEFAULTS.classify("Performance.Memory_Usage", null));
    assertEquals(Priority.HIGH, DEFAULTS.classify("login", "Security"));
    assertEquals(Priority.LOW, DEFAULTS.classify("lookup", "CACHE"));
  }

  @Test
  void questionMarkMatchesExactlyOneCharacterAndDotsAreLiteral() {
    GlobMatcher m = new GlobMatcher(List.of("db.?ead", "v?.*.done"));
    assertTrue(m.matches("db.read"));
    assertTrue(m.matches("DB.Read"));
    assertTrue(m.matches("db.lead"));
    assertFalse(m.matches("db.ead"), "? needs one character");
    assertFalse(m.matches("db.thread"), "? is one character, not two");
    assertFalse(m.matches("dbxread"), "a dot is a dot, not any character");
    assertTrue(m.matches("v2.import.done"));
    assertTrue(m.matches("v2..done"), "* matches the empty run");
    assertFalse(m.matches("v10.import.done"));
    assertFalse(m.matches("v2.import.done.later"), "patterns match the whole type");
  }

  @Test
  void starMatchesAnyRunIncludingEmptyAndRegexCharactersAreLiteral() {
    GlobMatcher m = new GlobMatcher(List.of("*error*", "a+b(c)[d]$", "x*y*z"));
    assertTrue(m.matches("error"));
    assertTrue(m.matches("an_error_here"));
    assertTrue(m.matches("a+b(c)[d]$"));
    assertFalse(m.matches("aab(c)[d]"));
    assertTrue(m.matches("xyz"));
    assertTrue(m.matches("x.1.y.2.z"));
    assertFalse(m.matches("x.1.z.2.y"));
    assertFalse(m.matches(null));
    assertFalse(new GlobMatcher(List.of()).matches("anything"));
  }

  @Test
  void categoriesMatchExactlyNotAsPatterns() {
    PriorityRules rules =
        new PriorityRules(List.of(), List.of(" Security "), List.of(), List.of("debug"), List.of());
    assertEquals(Priority.HIGH, rules.classify("login", "security"));
    assertEquals(Priority.NORMAL, rules.classify("login", "security_audit"));
    assertEquals(Priority.LOW, rules.classify("login", "DEBUG"));
    assertEquals(Priority.NORMAL, rules.classify("login", "debugging"));
    assertEquals(Priority.NORMAL, rules.classify("login", null));
  }

  @Test
  void emptyRulesMakeEverythingNormal() {
    PriorityRules none = new PriorityRules(List.of(), List.of(), List.of(), List.of(), List.of());
    assertEquals(Priority.NORMAL, none.classify("payment_error", "error"));
    assertEquals(Priority.NORMAL, none.classify("cache_hit", "cache"));
  }

  @Test
  void rulesSurviveJavaSerializationAsFlinkShipsThem() throws Exception {
    PriorityRules copy =
        InstantiationUtil.clone(DEFAULTS, PriorityClassifierTest.class.getClassLoader());
    assertEquals(Priority.HIGH, copy.classify("payment_error", null));
    assertEquals(Priority.LOW, copy.classify("cache_hit", null));
    assertEquals(Priority.NORMAL, copy.classify("performance.response_time", null));
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

    assertEquals(
        List.of(
            Priority.HIGH,
            Priority.HIGH,
            Priority.LOW,
            Priority.NORMAL,
            Priority.NORMAL,
            Priority.HIGH),
        out.stream().map(e -> e.priority).toList());
    assertEquals(3, counter(metrics, "eventsHigh"));
    assertEquals(2, counter(metrics, "eventsNormal"));
    assertEquals(1, counter(metrics, "eventsLow"));
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
