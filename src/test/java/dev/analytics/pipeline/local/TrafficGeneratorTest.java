package dev.analytics.pipeline.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
      assertArrayEquals(x.bytes(), y.bytes(), "record " + i);
      assertEquals(x.valid(), y.valid());
      assertEquals(x.eventType(), y.eventType());
      assertEquals(x.eventTime(), y.eventTime());
      assertEquals(x.value(), y.value());
      assertEquals(x.anomaly(), y.anomaly());
      assertEquals(x.invalidKind(), y.invalidKind());
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
    assertEquals(0, identical);
    Set<String> idsOfA = new HashSet<>();
    a.stream().filter(Generated::valid).forEach(g -> idsOfA.add(g.eventId()));
    assertTrue(b.stream().filter(Generated::valid).noneMatch(g -> idsOfA.contains(g.eventId())));
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
        assertNull(r.reason, () -> r.reason + " in a valid record: " + text);
        assertNull(g.invalidKind());
        assertEquals(g.eventId(), r.eventId, text);
        assertEquals(g.eventType(), r.eventType, text);
        assertEquals(g.eventTime(), r.timestamp, text);
        assertEquals(g.value(), r.value, text);
        assertTrue(ids.add(g.eventId()), () -> "duplicate event_id " + g.eventId());
        timestampForms.merge(r.timestampForm, 1, Integer::sum);
        withPriority += r.hasPriority ? 1 : 0;
        withProperties += r.hasProperties ? 1 : 0;
        withUnknownField += r.hasUnknownField ? 1 : 0;
      } else {
        assertNotNull(g.invalidKind());
        assertNull(g.eventType());
        assertNull(g.eventId());
        assertNull(g.value());
        assertNull(g.anomaly());
        assertTrue(
            g.invalidKind().acceptableReasons().contains(r.reason),
            () -> g.invalidKind() + " judged " + r.reason + ": " + text);
        kinds.merge(g.invalidKind(), 1, Integer::sum);
      }
    }
    assertEquals(
        Set.of(InvalidKind.values()), kinds.keySet(), "every invalid kind appears: " + kinds);
    assertEquals(Set.of('Z', 'E', 'O'), timestampForms.keySet(), "timestamp forms");
    assertTrue(timestampForms.get('Z') > 8 * timestampForms.get('E'), "mostly ISO with Z");
    assertTrue(withPriority > 100, "explicit priorities: " + withPriority);
    assertTrue(withProperties > 1000, "properties objects: " + withProperties);
    assertTrue(withUnknownField > 500, "unknown fields: " + withUnknownField);
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
        assertEquals(g.eventType(), parser.parse(g.bytes()).eventType);
        if (g.eventType().contains(".id_")) {
          idTypes.add(g.eventType());
        }
      }
    }
    long withId = records.stream().filter(g -> g.valid() && g.eventType().contains(".id_")).count();
    assertEquals(0.05, withId / (double) valid, 0.005, "share of events with an id in the type");
    int most = TrafficGenerator.eventTypeShares().size() * Settings.ID_TYPES;
    assertTrue(idTypes.size() > 500 && idTypes.size() <= most, idTypes.size() + " of " + most);

    // Share 0 draws nothing more: the stream of the five-argument settings, byte for byte.
    List<Generated> a =
        TrafficGenerator.batch(
            new Settings(5, 1000, 0.01, Settings.DEFAULT_START, 0.02, 0), 10_000);
    List<Generated> b =
        TrafficGenerator.batch(new Settings(5, 1000, 0.01, Settings.DEFAULT_START, 0.02), 10_000);
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).bytes(), b.get(i).bytes());
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
      assertEquals(fraction, invalid / 100_000.0, tolerance, "fraction " + fraction);
    }
    assertTrue(
        TrafficGenerator.batch(settings(3, 100, 0, 0), 10_000).stream().allMatch(g -> g.valid()));
    assertTrue(
        TrafficGenerator.batch(settings(3, 100, 1, 0), 10_000).stream().noneMatch(g -> g.valid()));
  }

  @Test
  void everyEventTypeAppearsWithItsShare() {
    List<Generated> records = TrafficGenerator.batch(settings(5, 1000, 0, 0), 200_000);
    Map<String, Integer> counts = new HashMap<>();
    for (Generated g : records) {
      counts.merge(g.eventType(), 1, Integer::sum);
    }
    Map<String, Double> shares = TrafficGenerator.eventTypeShares();
    assertEquals(shares.keySet(), counts.keySet());
    assertEquals(1.0, shares.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
    for (Map.Entry<String, Double> e : shares.entrySet()) {
      double observed = counts.get(e.getKey()) / 200_000.0;
      double sd = Math.sqrt(e.getValue() * (1 - e.getValue()) / 200_000);
      assertEquals(e.getValue(), observed, 6 * sd, e.getKey());
    }
    assertTrue(counts.containsKey("payment.failed"));
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
        case "performance.cache_hit_rate" -> assertTrue(g.value() >= 0 && g.value() <= 1);
        case "message_processed", "cache_hit", "cache_miss", "user.login", "api.error" ->
            assertNull(g.value());
        default -> {}
      }
    }
    latencies.sort(null);
    double median = latencies.get(latencies.size() / 2);
    double p99 = latencies.get(latencies.size() * 99 / 100);
    assertTrue(median > 50 && median < 120, "median latency " + median);
    assertTrue(p99 > 4 * median, "heavy tail: p99 " + p99 + " vs median " + median);
    assertTrue(minMemory > 300 && maxMemory < 700, "memory " + minMemory + ".." + maxMemory);
  }

  @Test
  void eventTimesAdvanceWithASmallOutOfOrderShare() {
    List<Generated> records = TrafficGenerator.batch(settings(13, 1000, 0.02, 0.02), 100_000);
    long max = Long.MIN_VALUE;
    int outOfOrder = 0;
    for (Generated g : records) {
      if (g.eventTime() < max) {
        outOfOrder++;
        assertTrue(g.eventTime() >= max - 3000, "at most 3 s late");
        assertTrue(g.valid(), "only valid events report an earlier time");
      }
      max = Math.max(max, g.eventTime());
    }
    assertTrue(outOfOrder > 1000 && outOfOrder < 4000, "out of order: " + outOfOrder);
    long first = records.get(0).eventTime();
    assertTrue(first >= Settings.DEFAULT_START - 3000 && first < Settings.DEFAULT_START + 1000);
    // 100,000 events at 1000/s times the night-time rhythm (0.3x-0.5x): several minutes.
    assertTrue(max - first > 3 * 60_000, "simulated span " + (max - first));
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
    assertTrue(perHour[15] > 2 * perHour[3], Arrays.toString(perHour));
    // 5/s x 1.5 x 3600 s at the peak, 5/s x 0.3 x 3600 s at night.
    assertEquals(27_000, perHour[15], 1_000);
    assertEquals(5_400, perHour[3], 500);
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
    assertEquals(
        Set.of(TrafficGenerator.SPIKE, TrafficGenerator.DROP, TrafficGenerator.LATENCY_SPIKE),
        kinds);
    for (int i = 0; i < incidents.size(); i++) {
      Incident incident = incidents.get(i);
      assertEquals(0, incident.startMillis() % 60_000, "starts on a minute boundary");
      long minutes = (incident.endMillis() - incident.startMillis()) / 60_000;
      assertTrue(minutes >= 2 && minutes <= 6, incident.toString());
      if (i > 0) {
        assertTrue(incidents.get(i - 1).endMillis() <= incident.startMillis(), "one at a time");
      }
    }

    int labelled = 0;
    for (Generated r : records) {
      Incident around = covering(incidents, r.eventType(), r.eventTime());
      if (r.anomaly() != null) {
        labelled++;
        Incident labelledBy = coveringWithSlack(incidents, r.eventType(), r.eventTime());
        assertNotNull(labelledBy, "a labelled event lies inside an incident of its type");
        assertEquals(labelledBy.kind(), r.anomaly());
      } else if (around != null
          && r.eventTime() >= around.startMillis() + 3000
          && r.eventTime() < around.endMillis() - 3000) {
        throw new AssertionError("unlabelled event inside " + around + ": " + r.eventTime());
      }
    }
    assertTrue(labelled > 1000, "labelled events: " + labelled);

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
    assertTrue(spikeBefore > 0 && spikeInside > 2.5 * spikeBefore, spikeInside + "/" + spikeBefore);
    assertTrue(dropBefore > 0 && dropInside < 0.4 * dropBefore, dropInside + "/" + dropBefore);

    List<Double> normal = new ArrayList<>();
    List<Double> spiked = new ArrayList<>();
    for (Generated r : records) {
      if (r.eventType().equals("performance.response_time")) {
        (TrafficGenerator.LATENCY_SPIKE.equals(r.anomaly()) ? spiked : normal).add(r.value());
      }
    }
    normal.sort(null);
    spiked.sort(null);
    assertTrue(
        spiked.get(spiked.size() / 2) > 2.5 * normal.get(normal.size() / 2),
        "latency spike medians "
            + spiked.get(spiked.size() / 2)
            + " vs "
            + normal.get(normal.size() / 2));
  }

  @Test
  void settingsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> settings(1, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> settings(1, Double.NaN, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> settings(1, 10, 1.5, 0));
    assertThrows(IllegalArgumentException.class, () -> settings(1, 10, 0, -0.1));
    assertThrows(IllegalArgumentException.class, () -> new Settings(1, 10, 0, 0, 0));
    assertFalse(TrafficGenerator.batch(settings(1, 1e6, 0, 0), 10).isEmpty());
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
    assertTrue(bytes > 100_000_000L, "average record over 100 bytes");
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
