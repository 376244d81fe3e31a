package dev.analytics.pipeline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.analytics.pipeline.ingest.ParserSettings;
import dev.analytics.pipeline.local.TrafficGenerator.Generated;
import dev.analytics.pipeline.local.TrafficGenerator.Incident;
import dev.analytics.pipeline.local.TrafficGenerator.Settings;
import dev.analytics.pipeline.model.DeadLetterReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {

  private static final long NOON = Instant.parse("2026-11-22T12:00:00Z").toEpochMilli();

  private static Settings settings(long seed, double rate, double invalid, double anomaly) {
    return new Settings(seed, rate, invalid, Settings.DEFAULT_START, anomaly);
  }

  @Test
  void sameSeedGivesByteIdenticalOutput() {
    Settings s = Settings.defaults(42);
    List<Generated> a = TrafficGenerator.batch(s, 50_000);
    List<Generated> b = TrafficGenerator.batch(s, 50_000);
    for (int i = 0; i < a.size(); i++) {
      Generated x = a.get(i);
      Generated y = b.get(i);
      assertThat(y.bytes()).as("record " + i).containsExactly(x.bytes());
      assertThat(y.valid()).isEqualTo(x.valid());
      assertThat(y.eventType()).isEqualTo(x.eventType());
      assertThat(y.eventTime()).isEqualTo(x.eventTime());
      assertThat(y.value()).isEqualTo(x.value());
      assertThat(y.anomaly()).isEqualTo(x.anomaly());
      assertThat(y.invalidKind()).isEqualTo(x.invalidKind());
    }
  }

  @Test
  void differentSeedGivesDifferentOutput() {
    List<Generated> a = TrafficGenerator.batch(Settings.defaults(1), 1000);
    List<Generated> b = TrafficGenerator.batch(Settings.defaults(2), 1000);
    int identical = 0;
    for (int i = 0; i < a.size(); i++) {
      if (Arrays.equals(a.get(i).bytes(), b.get(i).bytes())) {
        identical++;
      }
    }
    assertThat(identical).isEqualTo(0);
    Set<String> idsOfA = new HashSet<>();
    a.stream().filter(Generated::valid).forEach(g -> idsOfA.add(g.eventId()));
    assertThat(b.stream().filter(Generated::valid).noneMatch(g -> idsOfA.contains(g.eventId())))
        .isTrue();
  }

  @Test
  void validRecordsSatisfySchemaAndInvalidOnesBreakTheirRule() {
    List<Generated> records = TrafficGenerator.batch(settings(7, 1000, 0.2, 0.05), 100_000);
    Map<InvalidKind, Integer> kinds = new EnumMap<>(InvalidKind.class);
    Set<String> ids = new HashSet<>();
    Map<Character, Integer> timestampForms = new HashMap<>();
    int withPriority = 0;
    int withProperties = 0;
    int withUnknownField = 0;
    for (Generated g : records) {
      Reference r = Reference.check(g.bytes(), g.eventTime());
      String text = new String(g.bytes(), StandardCharsets.UTF_8);
      if (g.valid()) {
        assertThat(r.reason).as(() -> r.reason + " in a valid record: " + text).isNull();
        assertThat(g.invalidKind()).isNull();
        assertThat(r.eventId).as(text).isEqualTo(g.eventId());
        assertThat(r.eventType).as(text).isEqualTo(g.eventType());
        assertThat(r.timestamp).as(text).isEqualTo(g.eventTime());
        assertThat(r.value).as(text).isEqualTo(g.value());
        assertThat(ids.add(g.eventId())).as(() -> "duplicate event_id " + g.eventId()).isTrue();
        timestampForms.merge(r.timestampForm, 1, Integer::sum);
        withPriority += r.hasPriority ? 1 : 0;
        withProperties += r.hasProperties ? 1 : 0;
        withUnknownField += r.hasUnknownField ? 1 : 0;
      } else {
        assertThat(g.invalidKind()).isNotNull();
        assertThat(g.eventType()).isNull();
        assertThat(g.eventId()).isNull();
        assertThat(g.value()).isNull();
        assertThat(g.anomaly()).isNull();
        assertThat(g.invalidKind().acceptableReasons().contains(r.reason))
            .as(() -> g.invalidKind() + " judged " + r.reason + ": " + text)
            .isTrue();
        kinds.merge(g.invalidKind(), 1, Integer::sum);
      }
    }
    assertThat(kinds.keySet())
        .as("every invalid kind appears: " + kinds)
        .isEqualTo(Set.of(InvalidKind.values()));
    assertThat(timestampForms.keySet()).as("timestamp forms").isEqualTo(Set.of('Z', 'E', 'O'));
    assertThat(timestampForms.get('Z') > 8 * timestampForms.get('E'))
        .as("mostly ISO with Z")
        .isTrue();
    assertThat(withPriority > 100).as("explicit priorities: " + withPriority).isTrue();
    assertThat(withProperties > 1000).as("properties objects: " + withProperties).isTrue();
    assertThat(withUnknownField > 500).as("unknown fields: " + withUnknownField).isTrue();
  }

  @Test
  void eventTypesWithIdsAreValidManyAndLeaveTheRestOfTheStreamAsItWas() throws Exception {
    Settings with = new Settings(5, 1000, 0.01, Settings.DEFAULT_START, 0.02, 0.05);
    List<Generated> records = TrafficGenerator.batch(with, 100_000);
    dev.analytics.pipeline.ingest.EventParser parser =
        new dev.analytics.pipeline.ingest.EventParser(ParserSettings.DEFAULTS);
    Set<String> idTypes = new HashSet<>();
    long valid = 0;
    for (Generated g : records) {
      if (g.valid()) {
        valid++;
        assertThat(parser.parse(g.bytes()).eventType).isEqualTo(g.eventType());
        if (g.eventType().contains(".id_")) {
          idTypes.add(g.eventType());
        }
      }
    }
    long withId = records.stream().filter(g -> g.valid() && g.eventType().contains(".id_")).count();
    assertThat(withId / (double) valid)
        .as("share of events with an id in the type")
        .isCloseTo(0.05, within(0.005));
    int most = TrafficGenerator.eventTypeShares().size() * Settings.ID_TYPES;
    assertThat(idTypes.size() > 500 && idTypes.size() <= most)
        .as(idTypes.size() + " of " + most)
        .isTrue();

    // Share 0 draws nothing more: the stream of the five-argument settings, byte for byte.
    List<Generated> a =
        TrafficGenerator.batch(
            new Settings(5, 1000, 0.01, Settings.DEFAULT_START, 0.02, 0), 10_000);
    List<Generated> b =
        TrafficGenerator.batch(new Settings(5, 1000, 0.01, Settings.DEFAULT_START, 0.02), 10_000);
    for (int i = 0; i < a.size(); i++) {
      assertThat(b.get(i).bytes()).containsExactly(a.get(i).bytes());
    }
  }

  @Test
  void invalidFractionIsHonoured() {
    for (double fraction : new double[] {0.01, 0.05, 0.3}) {
      long invalid =
          TrafficGenerator.batch(settings(11, 1000, fraction, 0.02), 100_000).stream()
              .filter(g -> !g.valid())
              .count();
      // Six standard deviations of a binomial share over 100,000 records.
      double tolerance = 6 * Math.sqrt(fraction * (1 - fraction) / 100_000);
      assertThat(invalid / 100_000.0)
          .as("fraction " + fraction)
          .isCloseTo(fraction, within(tolerance));
    }
    assertThat(
            TrafficGenerator.batch(settings(3, 100, 0, 0), 10_000).stream()
                .allMatch(g -> g.valid()))
        .isTrue();
    assertThat(
            TrafficGenerator.batch(settings(3, 100, 1, 0), 10_000).stream()
                .noneMatch(g -> g.valid()))
        .isTrue();
  }

  @Test
  void everyEventTypeAppearsWithItsShare() {
    List<Generated> records = TrafficGenerator.batch(settings(5, 1000, 0, 0), 200_000);
    Map<String, Integer> counts = new HashMap<>();
    for (Generated g : records) {
      counts.merge(g.eventType(), 1, Integer::sum);
    }
    Map<String, Double> shares = TrafficGenerator.eventTypeShares();
    assertThat(counts.keySet()).isEqualTo(shares.keySet());
    assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum())
        .isCloseTo(1.0, within(1e-9));
    for (Map.Entry<String, Double> e : shares.entrySet()) {
      double observed = counts.get(e.getKey()) / 200_000.0;
      double sd = Math.sqrt(e.getValue() * (1 - e.getValue()) / 200_000);
      assertThat(observed).as(e.getKey()).isCloseTo(e.getValue(), within(6 * sd));
    }
    assertThat(counts.containsKey("payment.failed")).isTrue();
  }

  @Test
  void valuesAreRealistic() {
    List<Double> latencies = new ArrayList<>();
    double minMemory = Double.MAX_VALUE;
    double maxMemory = 0;
    for (Generated g : TrafficGenerator.batch(settings(9, 1000, 0, 0), 200_000)) {
      switch (g.eventType()) {
        case "performance.response_time" -> latencies.add(g.value());
        case "performance.memory_usage" -> {
          minMemory = Math.min(minMemory, g.value());
          maxMemory = Math.max(maxMemory, g.value());
        }
        case "performance.cache_hit_rate" -> assertThat(g.value() >= 0 && g.value() <= 1).isTrue();
        case "message_processed", "cache_hit", "cache_miss", "user.login", "api.error" ->
            assertThat(g.value()).isNull();
        default -> {}
      }
    }
    latencies.sort(null);
    double median = latencies.get(latencies.size() / 2);
    double p99 = latencies.get(latencies.size() * 99 / 100);
    assertThat(median > 50 && median < 120).as("median latency " + median).isTrue();
    assertThat(p99 > 4 * median).as("heavy tail: p99 " + p99 + " vs median " + median).isTrue();
    assertThat(minMemory > 300 && maxMemory < 700)
        .as("memory " + minMemory + ".." + maxMemory)
        .isTrue();
  }

  @Test
  void eventTimesAdvanceWithASmallOutOfOrderShare() {
    List<Generated> records = TrafficGenerator.batch(settings(13, 1000, 0.02, 0.02), 100_000);
    long max = Long.MIN_VALUE;
    int outOfOrder = 0;
    for (Generated g : records) {
      if (g.eventTime() < max) {
        outOfOrder++;
        assertThat(g.eventTime() >= max - 3000).as("at most 3 s late").isTrue();
        assertThat(g.valid()).as("only valid events report an earlier time").isTrue();
      }
      max = Math.max(max, g.eventTime());
    }
    assertThat(outOfOrder > 1000 && outOfOrder < 4000).as("out of order: " + outOfOrder).isTrue();
    long first = records.get(0).eventTime();
    assertThat(first >= Settings.DEFAULT_START - 3000 && first < Settings.DEFAULT_START + 1000)
        .isTrue();
    // 100,000 events at 1000/s times the night-time rhythm (0.3x-0.5x): several minutes.
    assertThat(max - first > 3 * 60_000).as("simulated span " + (max - first)).isTrue();
  }

  @Test
  void noEventReportsATimeBeforeTheStart() {
    // At 5,000/s the first 3 s hold enough early-reported events to reach before the start.
    List<Generated> records = TrafficGenerator.batch(settings(31, 5000, 0, 0), 30_000);
    assertThat(records)
        .filteredOn(Generated::valid)
        .allSatisfy(g -> assertThat(g.eventTime()).isGreaterThanOrEqualTo(Settings.DEFAULT_START));
  }

  @Test
  void anInjectedSpikeStartsAtTheNextMinuteAndMultipliesItsTypesRate() {
    TrafficGenerator generator = new TrafficGenerator(new Settings(29, 200, 0, NOON, 0));
    List<Generated> records = new ArrayList<>();
    Generated g;
    while ((g = generator.next()).eventTime() < NOON + 5 * 60_000 + 20_000) {
      records.add(g);
    }
    generator.injectSpike("api.error", 10, 3 * 60_000);
    while ((g = generator.next()).eventTime() < NOON + 12 * 60_000) {
      records.add(g);
    }
    assertThat(generator.incidents())
        .containsExactly(
            new Incident(
                TrafficGenerator.SPIKE, "api.error", NOON + 6 * 60_000, NOON + 9 * 60_000, 10.0));
    double before = perMinute(records, "api.error", NOON, NOON + 6 * 60_000);
    double inside = perMinute(records, "api.error", NOON + 6 * 60_000, NOON + 9 * 60_000);
    double after = perMinute(records, "api.error", NOON + 9 * 60_000, NOON + 12 * 60_000);
    assertThat(inside)
        .as("api.error per minute inside, before " + before)
        .isGreaterThan(6 * before);
    assertThat(after).isLessThan(2 * before);
    assertThat(records)
        .filteredOn(r -> TrafficGenerator.SPIKE.equals(r.anomaly()))
        .allSatisfy(r -> assertThat(r.eventType()).isEqualTo("api.error"))
        .hasSizeGreaterThan(1000);

    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> generator.injectSpike("page_view", 10, 60_000))
        .withMessageContaining("Not a generated event type: page_view");
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> generator.injectSpike("api.error", 0, 60_000));
  }

  @Test
  void dailyRhythmShowsInHourlyCounts() {
    TrafficGenerator generator = new TrafficGenerator(settings(17, 5, 0, 0));
    int[] perHour = new int[24];
    Generated g;
    while ((g = generator.next()).eventTime() < Settings.DEFAULT_START + 86_400_000L) {
      perHour[
          (int) Math.floorMod(g.eventTime() - Settings.DEFAULT_START, 86_400_000L) / 3_600_000]++;
    }
    assertThat(perHour[15] > 2 * perHour[3]).as(Arrays.toString(perHour)).isTrue();
    // 5/s x 1.5 x 3600 s at the peak, 5/s x 0.3 x 3600 s at night.
    assertThat(perHour[15]).isCloseTo(27_000, within(1_000));
    assertThat(perHour[3]).isCloseTo(5_400, within(500));
  }

  @Test
  void incidentsAreInjectedAndLabelled() {
    TrafficGenerator generator = new TrafficGenerator(new Settings(23, 50, 0, NOON, 0.3));
    List<Generated> records = new ArrayList<>();
    Generated g;
    while ((g = generator.next()).eventTime() < NOON + 2 * 3_600_000L) {
      records.add(g);
    }
    List<Incident> incidents = generator.incidents();
    Set<String> kinds = new HashSet<>();
    incidents.forEach(i -> kinds.add(i.kind()));
    assertThat(kinds)
        .isEqualTo(
            Set.of(TrafficGenerator.SPIKE, TrafficGenerator.DROP, TrafficGenerator.LATENCY_SPIKE));
    for (int i = 0; i < incidents.size(); i++) {
      Incident incident = incidents.get(i);
      assertThat(incident.startMillis() % 60_000).as("starts on a minute boundary").isEqualTo(0);
      long minutes = (incident.endMillis() - incident.startMillis()) / 60_000;
      assertThat(minutes >= 2 && minutes <= 6).as(incident.toString()).isTrue();
      if (i > 0) {
        assertThat(incidents.get(i - 1).endMillis() <= incident.startMillis())
            .as("one at a time")
            .isTrue();
      }
    }

    int labelled = 0;
    for (Generated r : records) {
      Incident around = covering(incidents, r.eventType(), r.eventTime());
      if (r.anomaly() != null) {
        labelled++;
        Incident labelledBy = coveringWithSlack(incidents, r.eventType(), r.eventTime());
        assertThat(labelledBy)
            .as("a labelled event lies inside an incident of its type")
            .isNotNull();
        assertThat(r.anomaly()).isEqualTo(labelledBy.kind());
      } else if (around != null
          && r.eventTime() >= around.startMillis() + 3000
          && r.eventTime() < around.endMillis() - 3000) {
        throw new AssertionError("unlabelled event inside " + around + ": " + r.eventTime());
      }
    }
    assertThat(labelled > 1000).as("labelled events: " + labelled).isTrue();

    // The rates and latencies really move: compare each incident with the 5 minutes before it.
    double spikeInside = 0;
    double spikeBefore = 0;
    double dropInside = 0;
    double dropBefore = 0;
    for (Incident incident : incidents) {
      long before = incident.startMillis() - 5 * 60_000;
      boolean quietBefore =
          incidents.stream()
              .noneMatch(o -> o.endMillis() > before && o.startMillis() < incident.startMillis());
      if (!quietBefore || incident.kind().equals(TrafficGenerator.LATENCY_SPIKE)) {
        continue;
      }
      double inside =
          perMinute(records, incident.eventType(), incident.startMillis(), incident.endMillis());
      double earlier = perMinute(records, incident.eventType(), before, incident.startMillis());
      if (incident.kind().equals(TrafficGenerator.SPIKE)) {
        spikeInside += inside;
        spikeBefore += earlier;
      } else {
        dropInside += inside;
        dropBefore += earlier;
      }
    }
    assertThat(spikeBefore > 0 && spikeInside > 2.5 * spikeBefore)
        .as(spikeInside + "/" + spikeBefore)
        .isTrue();
    assertThat(dropBefore > 0 && dropInside < 0.4 * dropBefore)
        .as(dropInside + "/" + dropBefore)
        .isTrue();

    List<Double> normal = new ArrayList<>();
    List<Double> spiked = new ArrayList<>();
    for (Generated r : records) {
      if (r.eventType().equals("performance.response_time")) {
        (TrafficGenerator.LATENCY_SPIKE.equals(r.anomaly()) ? spiked : normal).add(r.value());
      }
    }
    normal.sort(null);
    spiked.sort(null);
    assertThat(spiked.get(spiked.size() / 2) > 2.5 * normal.get(normal.size() / 2))
        .as(
            "latency spike medians "
                + spiked.get(spiked.size() / 2)
                + " vs "
                + normal.get(normal.size() / 2))
        .isTrue();
  }

  @Test
  void settingsAreValidated() {
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> settings(1, 0, 0, 0));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> settings(1, Double.NaN, 0, 0));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> settings(1, 10, 1.5, 0));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> settings(1, 10, 0, -0.1));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new Settings(1, 10, 0, 0, 0));
    assertThat(TrafficGenerator.batch(settings(1, 1e6, 0, 0), 10).isEmpty()).isFalse();
  }

  @Test
  void measuresGenerationRate() {
    TrafficGenerator warmUp = new TrafficGenerator(Settings.defaults(99));
    for (int i = 0; i < 200_000; i++) {
      warmUp.next();
    }
    TrafficGenerator generator = new TrafficGenerator(Settings.defaults(100));
    long bytes = 0;
    long start = System.nanoTime();
    for (int i = 0; i < 1_000_000; i++) {
      bytes += generator.next().bytes().length;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "TrafficGenerator: 1,000,000 records (%.1f MB) in %.2f s = %.0f records/s%n",
        bytes / 1e6, seconds, 1_000_000 / seconds);
    assertThat(bytes > 100_000_000L).as("average record over 100 bytes").isTrue();
  }

  private static Incident covering(List<Incident> incidents, String type, long time) {
    for (Incident i : incidents) {
      if (i.eventType().equals(type) && time >= i.startMillis() && time < i.endMillis()) {
        return i;
      }
    }
    return null;
  }

  /** Labels follow the clock, and an out-of-order event reports up to 3 s before it. */
  private static Incident coveringWithSlack(List<Incident> incidents, String type, long time) {
    for (Incident i : incidents) {
      if (i.eventType().equals(type) && time >= i.startMillis() - 3000 && time < i.endMillis()) {
        return i;
      }
    }
    return null;
  }

  private static double perMinute(List<Generated> records, String type, long from, long to) {
    long n =
        records.stream()
            .filter(r -> r.eventType().equals(type) && r.eventTime() >= from && r.eventTime() < to)
            .count();
    return n * 60_000.0 / (to - from);
  }

  /**
   * An independent reference check of schema v1 (Jackson streaming, strict UTF-8, the default
   * parser limits): the reason a record is a dead letter, or null and the fields of a valid one.
   */
  private static final class Reference {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Set<String> PRIORITIES = Set.of("high", "normal", "low");
    private static final Set<String> KNOWN =
        Set.of(
            "event_id",
            "event_type",
            "timestamp",
            "value",
            "category",
            "priority",
            "user_id",
            "tenant_id",
            "dimensions",
            "properties");

    DeadLetterReason reason;
    String eventId;
    String eventType;
    long timestamp;
    char timestampForm;
    Double value;
    boolean hasPriority;
    boolean hasProperties;
    boolean hasUnknownField;

    static Reference check(byte[] bytes) {
      Reference r = new Reference();
      try {
        r.reason = r.judge(bytes);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      return r;
    }

    /** {@link #check}, then the time against the record's arrival, as the job judges it. */
    static Reference check(byte[] bytes, long arrival) {
      Reference r = check(bytes);
      if (r.reason == null && r.timestamp - arrival > 10 * 60_000L) {
        r.reason = DeadLetterReason.TIMESTAMP_IN_FUTURE;
      }
      return r;
    }

    /** Whether a name or string holds U+0000 or a surrogate that is not half of a pair. */
    private static boolean unstorable(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == 0) {
          return true;
        }
        if (Character.isHighSurrogate(c)
            && i + 1 < s.length()
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(c)) {
          return true;
        }
      }
      return false;
    }

    private DeadLetterReason judge(byte[] bytes) throws IOException {
      if (bytes.length == 0) {
        return DeadLetterReason.EMPTY_RECORD;
      }
      String text;
      try {
        text =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
      } catch (CharacterCodingException e) {
        return DeadLetterReason.INVALID_UTF8;
      }
      JsonToken root;
      int maxDepth = 0;
      try (JsonParser p = JSON.createParser(text)) {
        root = p.nextToken();
        int depth = 0;
        for (JsonToken t = root; t != null; t = p.nextToken()) {
          if (t.isStructStart()) {
            maxDepth = Math.max(maxDepth, ++depth);
          } else if (t.isStructEnd()) {
            depth--;
          }
        }
      } catch (JsonProcessingException e) {
        return DeadLetterReason.MALFORMED_JSON;
      }
      if (maxDepth > ParserSettings.DEFAULTS.maxNestingDepth()) {
        return DeadLetterReason.NESTING_TOO_DEEP;
      }
      if (root != JsonToken.START_OBJECT) {
        return DeadLetterReason.NOT_AN_OBJECT;
      }
      try (JsonParser p = JSON.createParser(text)) {
        for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
          if ((t == JsonToken.FIELD_NAME && unstorable(p.currentName()))
              || (t == JsonToken.VALUE_STRING && unstorable(p.getText()))) {
            return DeadLetterReason.INVALID_UNICODE;
          }
        }
      }
      Set<String> seen = new HashSet<>();
      boolean hasTimestamp = false;
      try (JsonParser p = JSON.createParser(text)) {
        p.nextToken();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken t = p.nextToken();
          if (KNOWN.contains(name) && !seen.add(name)) {
            return DeadLetterReason.DUPLICATE_FIELD;
          }
          if (t == JsonToken.VALUE_NULL) {
            continue;
          }
          DeadLetterReason bad =
              switch (name) {
                case "event_id" -> {
                  if (t != JsonToken.VALUE_STRING) {
                    yield DeadLetterReason.WRONG_TYPE;
                  }
                  eventId = p.getText();
                  yield eventId.isEmpty()
                      ? DeadLetterReason.EMPTY_FIELD
                      : eventId.length() > 128 ? DeadLetterReason.FIELD_TOO_LONG : null;
                }
                case "event_type" -> {
                  if (t != JsonToken.VALUE_STRING) {
                    yield DeadLetterReason.WRONG_TYPE;
                  }
                  eventType = p.getText();
                  yield EVENT_TYPE.matcher(eventType).matches()
                      ? null
                      : DeadLetterReason.INVALID_EVENT_TYPE;
                }
                case "timestamp" -> {
                  hasTimestamp = true;
                  yield timestamp(p, t);
                }
                case "value" -> {
                  if (!t.isNumeric()) {
                    yield DeadLetterReason.WRONG_TYPE;
                  }
                  value = p.getDoubleValue();
                  yield Double.isFinite(value) ? null : DeadLetterReason.NON_FINITE_NUMBER;
                }
                case "priority" -> {
                  hasPriority = true;
                  yield t == JsonToken.VALUE_STRING && PRIORITIES.contains(p.getText())
                      ? null
                      : DeadLetterReason.INVALID_PRIORITY;
                }
                case "category", "user_id", "tenant_id" ->
                    t == JsonToken.VALUE_STRING ? null : DeadLetterReason.WRONG_TYPE;
                case "dimensions" -> dimensions(p, t);
                case "properties" -> {
                  hasProperties = true;
                  p.skipChildren();
                  yield t == JsonToken.START_OBJECT ? null : DeadLetterReason.WRONG_TYPE;
                }
                default -> {
                  hasUnknownField = true;
                  p.skipChildren();
                  yield null;
                }
              };
          if (bad != null) {
            return bad;
          }
        }
      }
      if (eventId == null || eventType == null || !hasTimestamp) {
        return DeadLetterReason.MISSING_FIELD;
      }
      return null;
    }

    private DeadLetterReason timestamp(JsonParser p, JsonToken t) throws IOException {
      if (t == JsonToken.VALUE_NUMBER_INT) {
        timestampForm = 'E';
        timestamp = p.getLongValue();
      } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
        return DeadLetterReason.INVALID_TIMESTAMP;
      } else if (t == JsonToken.VALUE_STRING) {
        try {
          OffsetDateTime parsed =
              OffsetDateTime.parse(p.getText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME);
          timestampForm = parsed.getOffset().getTotalSeconds() == 0 ? 'Z' : 'O';
          timestamp = parsed.toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
          return DeadLetterReason.INVALID_TIMESTAMP;
        }
      } else {
        return DeadLetterReason.WRONG_TYPE;
      }
      return timestamp >= ParserSettings.DEFAULTS.minTimestamp()
              && timestamp < ParserSettings.DEFAULTS.maxTimestamp()
          ? null
          : DeadLetterReason.TIMESTAMP_OUT_OF_RANGE;
    }

    private static DeadLetterReason dimensions(JsonParser p, JsonToken t) throws IOException {
      if (t != JsonToken.START_OBJECT) {
        p.skipChildren();
        return DeadLetterReason.WRONG_TYPE;
      }
      int count = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken v = p.nextToken();
        if (key.isEmpty()) {
          return DeadLetterReason.INVALID_DIMENSION_KEY;
        }
        if (v != JsonToken.VALUE_STRING) {
          return DeadLetterReason.WRONG_TYPE;
        }
        if (++count > 16) {
          return DeadLetterReason.TOO_MANY_DIMENSIONS;
        }
      }
      return null;
    }
  }
}
