package dev.analytics.pipeline.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.analytics.pipeline.local.InvalidKind;
import dev.analytics.pipeline.local.TrafficGenerator;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What every sink must hold, computed from the produced stream without any of the job's code: the
 * records are regenerated from the seed, checked byte for byte against what the input topic holds
 * (so the expectation is about what was really acknowledged, each record once), and parsed with
 * plain Jackson. Valid events are folded into exact statistics per (granularity, event type,
 * aggregation dimensions, window); invalid ones are remembered by their topic position.
 *
 * <p>The rules it re-implements, from docs/architecture.md and {@link ChaosRun#jobArguments}:
 * tumbling windows of 1 minute with 1 h and 1 d rollups aligned to the epoch; sampling rate 1 for
 * every type (estimated count = kept count = events); the aggregation key is the event type plus
 * {@link #AGGREGATION_DIMENSIONS}; an event is high priority when its type matches one of the glob
 * patterns ({@code *}, {@code ?}, case-insensitive, whole type) of {@value #HIGH_EVENT_TYPES_KEY}
 * in force at its event time ({@value #HIGH_EVENT_TYPES} until the run changes them through the
 * control topic, {@link ChaosControl}) or its category is error, failure, critical or security (its
 * own {@code priority} field is not trusted: {@code priority.trust-explicit} is empty by default);
 * the daily counters count the 1-minute windows' events per event type, UTC day and the {@link
 * #DAILY_DIMENSIONS} of the window key.
 */
final class ExpectedResults {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The job's aggregation.dimensions (see {@link ChaosRun#jobArguments}). */
  static final Map<String, List<String>> AGGREGATION_DIMENSIONS =
      Map.of("api.error", List.of("error_type"), "performance.response_time", List.of("endpoint"));

  static final List<String> DAILY_DIMENSIONS =
      List.of("template_id", "jurisdiction", "delivery_method", "utm_source", "error_type");

  static final Map<String, Long> GRANULARITIES =
      Map.of("1m", 60_000L, "1h", 3_600_000L, "1d", 86_400_000L);

  /** The job's default priority.high.event-types. */
  static final String HIGH_EVENT_TYPES = "*error*;*fail*;*critical*;*exception*;*crash*";

  static final String HIGH_EVENT_TYPES_KEY = "priority.high.event-types";

  private static final Set<String> HIGH_CATEGORIES =
      Set.of("error", "failure", "critical", "security");

  /** Identity of a window row: granularity, event type, dimensions (sorted), window start. */
  record WindowKey(String granularity, String eventType, String dimensions, long windowStart)
      implements Comparable<WindowKey> {
    @Override
    public int compareTo(WindowKey o) {
      return toString().compareTo(o.toString());
    }
  }

  /** Exact statistics of one window. */
  static final class Stats {
    long count;
    double sum;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double[] values = new double[4];
    int valueCount;

    void add(Double value) {
      count++;
      if (value != null) {
        if (valueCount == values.length) {
          values = Arrays.copyOf(values, values.length * 2);
        }
        values[valueCount++] = value;
        sum += value;
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
    }

    /** The element of rank floor(q (n - 1)) of the sorted values (the job's definition). */
    double quantile(double q) {
      return values[(int) Math.floor(q * (valueCount - 1))];
    }

    void sort() {
      values = Arrays.copyOf(values, valueCount);
      Arrays.sort(values);
    }
  }

  final long records;
  final long invalid;
  final Map<WindowKey, Stats> windows = new TreeMap<>();
  final Set<String> highPriorityIds = new HashSet<>();

  /** "partition/offset" of every invalid record, with how it is broken. */
  final Map<String, InvalidKind> invalidRecords = new HashMap<>();

  /**
   * The invalid records per dead-letter topic: each job has its own ({@link #union} of two jobs
   * keeps both); {@link #invalidRecords} is the one of {@link #compute}'s job.
   */
  final Map<String, Map<String, InvalidKind>> invalidByDeadLetterTopic = new TreeMap<>();

  /** "event_type|template_id|jurisdiction|delivery_method|utm_source|error_type|day" -> count. */
  final Map<String, Long> dailyCounters = new TreeMap<>();

  private ExpectedResults(long records, long invalid) {
    this.records = records;
    this.invalid = invalid;
  }

  /**
   * Reads the input topic, checks it holds exactly the first {@code n} generated records (record i
   * at partition i mod P, offset i div P), and computes the expectation from them.
   */
  static ExpectedResults compute(
      String bootstrap,
      String topic,
      String deadLetterTopic,
      int partitions,
      TrafficGenerator.Settings settings,
      long n,
      List<ChaosControl.Change> changes)
      throws IOException {
    TreeMap<Long, Pattern> highTypes = new TreeMap<>();
    highTypes.put(Long.MIN_VALUE, glob(HIGH_EVENT_TYPES));
    for (ChaosControl.Change c : changes) {
      if (!c.key().equals(HIGH_EVENT_TYPES_KEY)) {
        throw new IllegalArgumentException("the expectation does not model " + c);
      }
      highTypes.put(c.effectiveFrom(), glob(c.value()));
    }
    TrafficGenerator generator = new TrafficGenerator(settings);
    long invalid = 0;
    List<Object[]> valid = new ArrayList<>();
    ExpectedResults expected;
    Map<String, InvalidKind> invalidRecords = new HashMap<>();
    Set<String> high = new HashSet<>();
    Map<WindowKey, Stats> windows = new HashMap<>();
    Map<String, Long> daily = new TreeMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
      long total = ends.values().stream().mapToLong(Long::longValue).sum();
      if (total != n) {
        throw new AssertionError(
            "the input topic holds " + total + " records, " + n + " were acknowledged: " + ends);
      }
      // Partition p's records in offset order; the generator's order interleaves partitions.
      Map<Integer, List<ConsumerRecord<byte[], byte[]>>> buffered = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        buffered.put(p, new java.util.LinkedList<>());
      }
      for (long i = 0; i < n; i++) {
        int p = (int) (i % partitions);
        long offset = i / partitions;
        List<ConsumerRecord<byte[], byte[]>> queue = buffered.get(p);
        while (queue.isEmpty()) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(5))) {
            buffered.get(r.partition()).add(r);
          }
        }
        ConsumerRecord<byte[], byte[]> record = queue.remove(0);
        TrafficGenerator.Generated g = generator.next();
        if (record.offset() != offset || !Arrays.equals(record.value(), g.bytes())) {
          throw new AssertionError(
              "the input topic does not hold the generated stream: record "
                  + i
                  + " expected at "
                  + p
                  + "/"
                  + offset
                  + ", found offset "
                  + record.offset()
                  + (Arrays.equals(record.value(), g.bytes()) ? "" : " with other bytes"));
        }
        if (!g.valid()) {
          invalid++;
          invalidRecords.put(p + "/" + offset, g.invalidKind());
          continue;
        }
        fold(JSON.readTree(g.bytes()), g, highTypes, windows, high, daily);
      }
    }
    expected = new ExpectedResults(n, invalid);
    expected.invalidRecords.putAll(invalidRecords);
    expected.invalidByDeadLetterTopic.put(deadLetterTopic, expected.invalidRecords);
    expected.highPriorityIds.addAll(high);
    expected.windows.putAll(windows);
    expected.windows.values().forEach(Stats::sort);
    expected.dailyCounters.putAll(daily);
    valid.clear();
    return expected;
  }

  /**
   * What the sinks hold when two jobs write into them side by side (production and a backfill of
   * other days): the windows, daily counters and high-priority events of both, which must not
   * overlap (a window or a day of both would be two writers of one row), and each job's dead
   * letters in its own topic.
   */
  static ExpectedResults union(ExpectedResults a, ExpectedResults b) {
    ExpectedResults u = new ExpectedResults(a.records + b.records, a.invalid + b.invalid);
    for (ExpectedResults part : List.of(a, b)) {
      for (Map.Entry<WindowKey, Stats> w : part.windows.entrySet()) {
        if (u.windows.put(w.getKey(), w.getValue()) != null) {
          throw new IllegalArgumentException("both jobs have window " + w.getKey());
        }
      }
      for (Map.Entry<String, Long> d : part.dailyCounters.entrySet()) {
        if (u.dailyCounters.put(d.getKey(), d.getValue()) != null) {
          throw new IllegalArgumentException("both jobs count " + d.getKey());
        }
      }
      for (String id : part.highPriorityIds) {
        if (!u.highPriorityIds.add(id)) {
          throw new IllegalArgumentException("both jobs have event " + id);
        }
      }
      for (Map.Entry<String, Map<String, InvalidKind>> t :
          part.invalidByDeadLetterTopic.entrySet()) {
        if (u.invalidByDeadLetterTopic.put(t.getKey(), t.getValue()) != null) {
          throw new IllegalArgumentException("both jobs write dead letters to " + t.getKey());
        }
      }
    }
    return u;
  }

  private static void fold(
      JsonNode e,
      TrafficGenerator.Generated g,
      TreeMap<Long, Pattern> highTypes,
      Map<WindowKey, Stats> windows,
      Set<String> high,
      Map<String, Long> daily) {
    String type = e.get("event_type").asText();
    JsonNode ts = e.get("timestamp");
    long time =
        ts.isNumber() ? ts.asLong() : OffsetDateTime.parse(ts.asText()).toInstant().toEpochMilli();
    if (time != g.eventTime()) {
      throw new AssertionError("event time of " + g.eventId() + ": " + ts + " vs " + g.eventTime());
    }
    JsonNode v = e.get("value");
    Double value = v == null || v.isNull() ? null : v.asDouble();
    TreeMap<String, String> dims = new TreeMap<>();
    JsonNode all = e.get("dimensions");
    for (String d : AGGREGATION_DIMENSIONS.getOrDefault(type, List.of())) {
      if (all != null && all.has(d)) {
        dims.put(d, all.get(d).asText());
      }
    }
    String dimensions = dims.toString();
    for (Map.Entry<String, Long> gran : GRANULARITIES.entrySet()) {
      long start = time - Math.floorMod(time, gran.getValue());
      windows
          .computeIfAbsent(new WindowKey(gran.getKey(), type, dimensions, start), k -> new Stats())
          .add(value);
    }
    StringBuilder bucket = new StringBuilder(type);
    for (String d : DAILY_DIMENSIONS) {
      bucket.append('|').append(dims.getOrDefault(d, ""));
    }
    bucket.append('|').append(LocalDate.ofInstant(Instant.ofEpochMilli(time), ZoneOffset.UTC));
    daily.merge(bucket.toString(), 1L, Long::sum);

    JsonNode category = e.get("category");
    boolean isHigh =
        highTypes.floorEntry(time).getValue().matcher(type).matches()
            || (category != null && HIGH_CATEGORIES.contains(category.asText()));
    if (isHigh) {
      high.add(e.get("event_id").asText());
    }
  }

  /** A list of globs (a;b) as one anchored, case-insensitive regular expression. */
  static Pattern glob(String globs) {
    StringBuilder regex = new StringBuilder();
    for (String g : globs.split(";")) {
      regex.append(regex.length() == 0 ? "" : "|");
      for (char c : g.trim().toCharArray()) {
        regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("enable.auto.commit", "false");
    p.put("max.poll.records", "5000");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  long validEvents() {
    return records - invalid;
  }

  /** Windows per granularity. */
  Map<String, Long> windowCounts() {
    Map<String, Long> counts = new TreeMap<>();
    windows.keySet().forEach(k -> counts.merge(k.granularity(), 1L, Long::sum));
    return counts;
  }
}
