package dev.analytics.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.analytics.pipeline.local.TrafficGenerator;
import dev.analytics.pipeline.model.AnalyticsEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;

/**
 * The fast path must be invisible: for every input, {@link EventParser#parse} (fast path first)
 * gives the same event, or the same rejection, as {@link EventParser#parseWithoutFastPath} (the
 * token-by-token path alone). Checked over realistic traffic, the bad-record corpus, numbers and
 * shapes chosen to hit the fast path's edges, and random mutations; each check also requires the
 * fast path to have taken a share of the valid records, so it cannot pass by always declining.
 */
class WellFormedEventReaderTest {
  private static final EventParser PARSER = new EventParser(ParserSettings.DEFAULTS);
  private static final WellFormedEventReader READER =
      new WellFormedEventReader(ParserSettings.DEFAULTS);

  private static final String HEAD =
      "{\"event_id\":\"e1\",\"event_type\":\"page.view\",\"timestamp\":\"2024-05-01T12:00:00Z\"";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Counts of one comparison run. */
  private static final class Tally {
    int inputs;
    int valid;
    int fast;
    int invalid;

    /** Invalid records the fast path rejected itself (with the full path's words). */
    int fastRejected;
  }

  /** Compares both paths on one input; fails with the input in hex if they differ. */
  private static void compare(EventParser parser, byte[] input, Tally tally) {
    Object full = outcome(parser, input, false);
    Object both = outcome(parser, input, true);
    assertThat(both).as(() -> "paths differ for " + describe(input)).isEqualTo(full);
    tally.inputs++;
    WellFormedEventReader reader = new WellFormedEventReader(settingsOf(parser));
    if (full instanceof AnalyticsEvent) {
      tally.valid++;
      if (fastOutcome(reader, input) != null) {
        tally.fast++;
      }
    } else {
      tally.invalid++;
      // (The reader alone may answer anything for bytes that are not UTF-8: it never sees them.)
      if (input != null && full.equals(fastOutcome(reader, input))) {
        tally.fastRejected++;
      }
    }
  }

  /** The fast path alone: its event, its rejection as reason|field|detail, or null. */
  private static Object fastOutcome(WellFormedEventReader reader, byte[] input) {
    try {
      return reader.read(input);
    } catch (InvalidEventException e) {
      return e.reason() + "|" + e.field() + "|" + e.detail();
    }
  }

  private static ParserSettings settingsOf(EventParser parser) {
    return parser == PARSER ? ParserSettings.DEFAULTS : STRICT;
  }

  private static Object outcome(EventParser parser, byte[] input, boolean fastPath) {
    try {
      return fastPath ? parser.parse(input) : parser.parseWithoutFastPath(input);
    } catch (InvalidEventException e) {
      return e.reason() + "|" + e.field() + "|" + e.detail();
    } catch (Throwable t) {
      return fail("unexpected " + t + " for " + describe(input), t);
    }
  }

  private static String describe(byte[] input) {
    return new String(input, StandardCharsets.UTF_8) + " (hex " + HexFormat.of().formatHex(input);
  }

  /** {@code n} dimensions {@code "<prefix>0":"v",...}, without braces. */
  private static String dimensions(int n, String prefix) {
    StringBuilder out = new StringBuilder();
    for (int k = 0; k < n; k++) {
      out.append(k == 0 ? "" : ",").append('"').append(prefix).append(k).append("\":\"v\"");
    }
    return out.toString();
  }

  private static final ParserSettings STRICT =
      new ParserSettings(
          400,
          4,
          Instant.parse("2024-01-01T00:00:00Z").toEpochMilli(),
          Instant.parse("2025-01-01T00:00:00Z").toEpochMilli());

  // -----------------------------------------------------------------------------------------

  @Test
  void agreesOnGeneratedTrafficAndTakesMostValidRecords() {
    Tally tally = new Tally();
    for (var g :
        TrafficGenerator.batch(
            new TrafficGenerator.Settings(
                7, 1000, 0.10, TrafficGenerator.Settings.DEFAULT_START, 0.02),
            50_000)) {
      compare(PARSER, g.bytes(), tally);
    }

    assertThat(tally.valid > 40_000).as("valid: " + tally.valid).isTrue();
    // The generator writes escapes into kept strings now and then; everything else is plain.
    assertThat(tally.fast > 0.95 * tally.valid)
        .as("fast " + tally.fast + " of " + tally.valid)
        .isTrue();
    // Broken records of 15 of the generator's 25 kinds are plain JSON that breaks a field rule.
    assertThat(tally.fastRejected > 0.45 * tally.invalid)
        .as("rejected by the fast path: " + tally.fastRejected + " of " + tally.invalid)
        .isTrue();
  }

  @Test
  void agreesOnEveryBadRecordOfTheCorpus() {
    Tally tally = new Tally();
    EventParserTest.badRecords()
        .forEach(a -> compare(PARSER, (byte[]) ((Named<?>) a.get()[0]).getPayload(), tally));

    assertThat(tally.inputs > 80).as("inputs: " + tally.inputs).isTrue();
    assertThat(tally.valid).isEqualTo(0);
  }

  @Test
  void agreesOnShapesAtTheEdgesOfTheFastPath() {
    List<String> records = new ArrayList<>();
    for (String tail :
        List.of(
            "}",
            " }",
            ",\"value\":null}",
            ",\"value\":-0}",
            ",\"value\":-0.0}",
            ",\"value\":0}",
            ",\"value\":123456789012345678}",
            ",\"value\":1234567890123456789}",
            ",\"value\":9007199254740993}",
            ",\"value\":9007199254740993.0}",
            ",\"value\":1e22}",
            ",\"value\":1e23}",
            ",\"value\":1E-22}",
            ",\"value\":1e-400}",
            ",\"value\":1e400}",
            ",\"value\":1e999999999}",
            ",\"value\":0.1}",
            ",\"value\":2.2250738585072011e-308}",
            ",\"value\":01}",
            ",\"value\":1.}",
            ",\"value\":.5}",
            ",\"value\":+1}",
            ",\"value\":1e}",
            ",\"value\":NaN}",
            ",\"value\":-Infinity}",
            ",\"value\":\"1\"}",
            ",\"event\\u005fid\":\"dup\"}",
            ",\"\\u0076alue\":5}",
            ",\"priority\":\"HiGh\"}",
            ",\"priority\":\"hıgh\"}",
            ",\"priority\":\"urgent\"}",
            ",\"priority\":null,\"category\":null,\"user_id\":null,\"tenant_id\":null}",
            ",\"category\":\"\"}",
            ",\"category\":\"caf\\u00e9\"}",
            ",\"category\":\"café\"}",
            ",\"category\":\"" + "é".repeat(128) + "\"}",
            ",\"category\":\"" + "é".repeat(129) + "\"}",
            ",\"category\":\"" + "😀".repeat(128) + "\"}",
            ",\"dimensions\":{}}",
            ",\"dimensions\":null}",
            ",\"dimensions\":{\"a\":\"1\",\"a\":\"2\"}}",
            ",\"dimensions\":{\"a\":\"1\",}}",
            ",\"dimensions\":{\"a b\":\"1\"}}",
            ",\"dimensions\":{\"\":\"1\"}}",
            ",\"dimensions\":{\"a\":1}}",
            ",\"dimensions\":{\"a\":\"" + "v".repeat(256) + "\"}}",
            ",\"dimensions\":{\"a\":\"" + "v".repeat(257) + "\"}}",
            ",\"dimensions\":{\"" + "k".repeat(64) + "\":\"v\"}}",
            ",\"dimensions\":{\"" + "k".repeat(65) + "\":\"v\"}}",
            ",\"properties\":{}}",
            ",\"properties\":{ \"a\" : [ 1 , { \"b\" : null } , [ ] , { } ] }}",
            ",\"properties\":{\"s\":\"\\ud83d\\ude00 \\\" \\/ \\b\\f\\n\\r\\t\"}}",
            ",\"properties\":{\"s\":\"\\x\"}}",
            ",\"properties\":{\"s\":\"\\u12G4\"}}",
            ",\"properties\":[1]}",
            ",\"properties\":{\"a\":[1,]}}",
            ",\"properties\":{\"a\":[1}}",
            ",\"properties\":{\"a\":{\"b\":1]}}",
            ",\"properties\":{\"a\":tru}}",
            ",\"properties\":{\"a\":nulls}}",
            ",\"extra\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}",
            ",\"extra\":true,\"extra\":false}",
            "}  \n\t",
            "}x",
            "}}",
            ",}",
            // Rule violations of plain records, which the fast path reports itself, and what
            // must take precedence over them: a syntax error, an unstorable escape or deep
            // nesting anywhere after them.
            ",\"event_id\":\"x\"}",
            ",\"event_id\":\"x\",\"value\":\"bad\"}",
            ",\"value\":\"1\",\"timestamp\":}",
            ",\"value\":true,\"x\":[1,}",
            ",\"value\":\"x\"}x",
            ",\"value\":\"x\",\"note\":\"\\u0000\"}",
            ",\"value\":\"x\",\"note\":\"\\ud800\"}",
            ",\"value\":\"x\",\"n\\u0061me\":1}",
            ",\"value\":\"x\",\"p\":" + "[".repeat(40) + "]".repeat(40) + "}",
            ",\"value\":\"x\",\"value\":\"y\"}",
            ",\"value\":{\"a\":1}}",
            ",\"value\":[1]}",
            ",\"value\":tru}",
            ",\"value\":-1e999}",
            ",\"value\":1E400}",
            ",\"value\":-Infinity,\"category\":5}",
            ",\"category\":5}",
            ",\"category\":\"" + "x".repeat(129) + "\"}",
            ",\"user_id\":false}",
            ",\"tenant_id\":{}}",
            ",\"tenant_id\":nul}",
            ",\"priority\":\"" + "h".repeat(200) + "\"}",
            ",\"priority\":1}",
            ",\"priority\":\"\"}",
            ",\"dimensions\":[]}",
            ",\"dimensions\":\"a\"}",
            ",\"dimensions\":{\"a\":\"1\",\"b\":2}}",
            ",\"dimensions\":{\"a\":null}}",
            ",\"dimensions\":{\"a\":NaN}}",
            ",\"dimensions\":{\"a\":\"1\" \"b\":\"2\"}}",
            ",\"dimensions\":{\"a\"  \"1\"}}",
            ",\"dimensions\":{\"a b\"  \"1\"}}",
            ",\"dimensions\":{\"" + "😀".repeat(40) + "\":\"1\"}}",
            ",\"dimensions\":{" + dimensions(17, "k") + "}}",
            ",\"dimensions\":{" + dimensions(16, "k") + ",\"bad key\":\"v\"}}",
            ",\"dimensions\":{" + dimensions(16, "k") + ",\"k\\u0031\":\"v\"}}",
            ",\"dimensions\":{" + dimensions(16, "k") + ",\"x\":}}",
            ",\"properties\":\"x\"}",
            ",\"properties\":5}")) {
      records.add(HEAD + tail);
    }
    records.add(HEAD.replace("\"2024-05-01T12:00:00Z\"", "1714564800000") + "}");
    records.add(HEAD.replace("\"2024-05-01T12:00:00Z\"", "1714564800000.0") + "}");
    records.add(HEAD.replace("\"2024-05-01T12:00:00Z\"", "-0") + "}");
    records.add(HEAD.replace("\"2024-05-01T12:00:00Z\"", "17145648000000000000") + "}");
    records.add(HEAD.replace("\"2024-05-01T12:00:00Z\"", "\"2024-05-01T14:00:00.5+02:00\"") + "}");
    records.add(HEAD.replace("\"2024-05-01T12:00:00Z\"", "\"2024-05-01T12:00:00\"") + "}");
    records.add(HEAD.replace("\"2024-05-01T12:00:00Z\"", "\"2024-02-30T12:00:00Z\"") + "}");
    records.add(HEAD.replace("\"2024-05-01T12:00:00Z\"", "\"2024-05-01T12:00:00\\u005a\"") + "}");
    records.add(HEAD.replace("\"e1\"", "\"\"") + "}");
    records.add(HEAD.replace("\"e1\"", "null") + "}");
    records.add(HEAD.replace("\"page.view\"", "\"page view\"") + "}");
    records.add(HEAD.replace("\"page.view\"", "\"page\\u002eview\"") + "}");
    records.add("\uFEFF" + HEAD + "}");
    records.add("{\"event_id\":\"e1\",\"event_type\":\"t\"}");
    records.add("{}");
    records.add("[]");
    for (String timestamp :
        List.of(
            "null",
            "true",
            "{}",
            "[1]",
            "-0",
            "1",
            "1714564800",
            "-5",
            "\"2999-01-01T00:00:00Z\"")) {
      records.add(HEAD.replace("\"2024-05-01T12:00:00Z\"", timestamp) + "}");
    }
    for (String id : List.of("5", "[]", "{}", "false", "\"" + "i".repeat(129) + "\"")) {
      records.add(HEAD.replace("\"e1\"", id) + "}");
    }
    records.add(HEAD.replace("\"page.view\"", "\"\"") + "}");
    records.add(HEAD.replace("\"page.view\"", "null") + "}");
    records.add(HEAD.replace("\"page.view\"", "\"p\u00e4ge\"") + "}");
    records.add("{\"event_type\":\"t\",\"timestamp\":1714564800000}");
    records.add("{\"event_id\":\"e\",\"timestamp\":1714564800000}");
    records.add("{\"event_id\":\"e\",\"event_type\":\"t\",\"event_type\":\"u\"}");

    Tally tally = new Tally();
    for (String r : records) {
      compare(PARSER, utf8(r), tally);
    }
    assertThat(tally.fast > 30).as("fast: " + tally.fast + " of " + tally.valid).isTrue();
    assertThat(tally.fastRejected > 15)
        .as("rejected by the fast path: " + tally.fastRejected)
        .isTrue();
  }

  /**
   * Valid and invalid UTF-8 sequences in every kind of string and outside strings: both paths
   * agree, and the fast path reads every valid record (its strings decoded as UTF-8).
   */
  @Test
  void agreesOnMultiByteAndInvalidUtf8WhereverItIs() {
    byte[][] sequences = {
      {(byte) 0xC3, (byte) 0xA9}, // é
      {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}, // U+1F600
      {(byte) 0xC3}, // truncated
      {(byte) 0xC3, 0x28}, // bad continuation
      {(byte) 0xC0, (byte) 0xAF}, // overlong
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // surrogate
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
      {(byte) 0x80}, // lone continuation
      {(byte) 0xFF}
    };
    String marker = "@@";
    List<String> templates =
        List.of(
            "{\"event_id\":\"e@@1\",\"event_type\":\"page.view\",\"timestamp\":1714564800000}",
            "{\"event_id\":\"e1\",\"event_type\":\"page@@view\",\"timestamp\":1714564800000}",
            HEAD + ",\"category\":\"caf@@\",\"user_id\":\"u\",\"tenant_id\":\"t\"}",
            HEAD + ",\"user_id\":\"@@\"}",
            HEAD + ",\"tenant_id\":\"x@@x@@x\"}",
            HEAD + ",\"priority\":\"h@@igh\"}",
            HEAD + ",\"dimensions\":{\"country\":\"@@\",\"city\":\"K@@ln\"}}",
            HEAD + ",\"dimensions\":{\"c@@\":\"x\"}}",
            HEAD + ",\"properties\":{\"k@@\":\"v@@ \\\" \\u00e9 @@\",\"n\":[\"@@\"]}}",
            HEAD + ",\"unknown_@@\":\"@@\"}",
            HEAD + ",\"value\":1@@}",
            HEAD + "@@}",
            HEAD + ",\"timestamp_text\":\"2024-05-01T12:00:00@@Z\"}");
    Tally tally = new Tally();
    for (String template : templates) {
      for (byte[] sequence : sequences) {
        String[] parts = template.split(marker, -1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; k < parts.length; k++) {
          out.writeBytes(utf8(parts[k]));
          if (k < parts.length - 1) {
            out.writeBytes(sequence);
          }
        }
        compare(PARSER, out.toByteArray(), tally);
      }
    }
    // é and U+1F600 in the event id, category, user, tenant, dimension values, properties and
    // unknown fields: 2 sequences x 8 templates, all valid and all read by the fast path.
    assertThat(tally.valid).as("valid records").isEqualTo(16);
    assertThat(tally.fast).as("read by the fast path").isEqualTo(16);
  }

  @Test
  void agreesOnUnicodeEscapesWhereverTheyAre() {
    String[] escapes = {
      "\\u00e9", // é
      "\\ud83d\\ude00", // U+1F600 as a pair
      "\\ud800", // unpaired high
      "\\udfff", // unpaired low
      "\\ude00\\ud83d", // reversed pair
      "\\ud800\\u0041", // high, then not a low
      "\\u0000", // NUL
      "\\\\ud800", // an escaped backslash, then text
    };
    List<String> templates =
        List.of(
            "{\"event_id\":\"e@@1\",\"event_type\":\"page.view\",\"timestamp\":1714564800000}",
            HEAD + ",\"category\":\"caf@@\"}",
            HEAD + ",\"dimensions\":{\"country\":\"@@\",\"city\":\"K@@ln\"}}",
            HEAD + ",\"dimensions\":{\"c@@\":\"x\"}}",
            HEAD + ",\"properties\":{\"k@@\":\"v@@\",\"n\":[\"@@\"]}}",
            HEAD + ",\"unknown_@@\":\"@@\"}",
            HEAD + ",\"x\":\"@@\",\"value\":\"not a number\"}");
    Tally tally = new Tally();
    Map<String, Integer> reasons = new TreeMap<>();
    for (String template : templates) {
      for (String escape : escapes) {
        byte[] input = utf8(template.replace("@@", escape));
        compare(PARSER, input, tally);
        reasons.merge(outcome(PARSER, input, true).toString().split("\\|")[0], 1, Integer::sum);
      }
    }
    // 5 of the 8 escapes are not storable text, in every template (before any field rule); the 3
    // others give valid events except in a dimension key (not a name character) and beside the
    // wrong type of the last template.
    assertThat((int) reasons.getOrDefault("INVALID_UNICODE", 0))
        .as(reasons.toString())
        .isEqualTo(5 * 7);
    assertThat(tally.valid).as("valid records").isEqualTo(3 * 5);
  }

  @Test
  void agreesOnConfiguredLimits() {
    EventParser strict = new EventParser(STRICT);
    Tally tally = new Tally();
    for (String tail :
        List.of(
            "}",
            ",\"x\":{}}",
            ",\"x\":{\"y\":1}}",
            ",\"x\":{\"y\":[]}}",
            ",\"x\":{\"y\":[[]]}}",
            ",\"x\":[[1]]}",
            ",\"pad\":\"" + "x".repeat(300) + "\"}")) {
      compare(strict, utf8(HEAD + tail), tally);
      compare(strict, utf8(HEAD.replace("2024-05-01", "2025-01-01") + tail), tally);
    }
    assertThat(tally.fast >= 1).as("fast: " + tally.fast).isTrue();
  }

  @Test
  void readsDecimalNumbersBitForBitLikeDoubleParseDouble() {
    Random random = new Random(20261122L);
    Tally tally = new Tally();
    for (int i = 0; i < 20_000; i++) {
      String number =
          switch (random.nextInt(3)) {
            case 0 -> Double.toString(Double.longBitsToDouble(random.nextLong()));
            case 1 -> Double.toString(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
            default -> randomDecimal(random);
          };
      compare(PARSER, utf8(HEAD + ",\"value\":" + number + "}"), tally);
    }
    assertThat(tally.fast > 10_000).as("fast: " + tally.fast + " of " + tally.valid).isTrue();
  }

  private static String randomDecimal(Random random) {
    StringBuilder s = new StringBuilder();
    if (random.nextBoolean()) {
      s.append('-');
    }
    int intDigits = 1 + random.nextInt(20);
    s.append(intDigits == 1 ? (char) ('0' + random.nextInt(10)) : (char) ('1' + random.nextInt(9)));
    for (int k = 1; k < intDigits; k++) {
      s.append((char) ('0' + random.nextInt(10)));
    }
    if (random.nextBoolean()) {
      s.append('.');
      for (int k = 0, n = 1 + random.nextInt(20); k < n; k++) {
        s.append((char) ('0' + random.nextInt(10)));
      }
    }
    if (random.nextInt(3) == 0) {
      s.append(random.nextBoolean() ? 'e' : 'E');
      s.append(random.nextBoolean() ? "" : random.nextBoolean() ? "+" : "-");
      s.append(random.nextInt(random.nextBoolean() ? 30 : 400));
    }
    return s.toString();
  }

  @Test
  void agreesOnRandomMutationsOfPlainRecords() {
    List<byte[]> seeds = new ArrayList<>();
    for (var g :
        TrafficGenerator.batch(
            new TrafficGenerator.Settings(
                11, 1000, 0.0, TrafficGenerator.Settings.DEFAULT_START, 0.02),
            200)) {
      seeds.add(g.bytes());
    }
    byte[] alphabet = utf8("{}[],:\"\\ 0123456789.eE+-truefalsnNIaiyu_");
    Random random = new Random(42L);
    Tally tally = new Tally();
    for (int i = 0; i < 30_000; i++) {
      byte[] input = EventParserTest.mutate(seeds.get(i % seeds.size()), alphabet, random);
      compare(PARSER, input, tally);
    }
    assertThat(tally.valid > 1_000).as("valid: " + tally.valid).isTrue();
    assertThat(tally.fast > 500).as("fast: " + tally.fast).isTrue();
    assertThat(tally.fastRejected > 500)
        .as("rejected by the fast path: " + tally.fastRejected)
        .isTrue();
  }

  /**
   * The recogniser of a date-time without zone answers yes only where the formatters refuse the
   * text with an offset and accept it without one (the full path's test for that message).
   */
  @Test
  void recognisesADateTimeWithoutZoneExactlyWhereTheFormattersDo() {
    List<String> texts = new ArrayList<>();
    for (String date :
        List.of("2024-05-01", "2024-02-29", "2023-02-29", "0000-01-01", "2024-13-01")) {
      for (String time :
          List.of(
              "12:00:00",
              "23:59:59.5",
              "00:00:00.123456789",
              "00:00:00.1234567890",
              "24:00:00",
              "23:59:60",
              "12:00",
              "12:00:00.")) {
        for (String zone : List.of("", "Z", "+02:00", "+18:00", " ")) {
          texts.add(date + "T" + time + zone);
          texts.add(date + "t" + time + zone);
        }
      }
    }
    int recognised = 0;
    for (String text : texts) {
      byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
      if (WellFormedEventReader.isLocalDateTime(b, 0, b.length)) {
        recognised++;
        assertThat(parses(DateTimeFormatter.ISO_LOCAL_DATE_TIME, text)).as(text).isTrue();
        assertThat(parses(DateTimeFormatter.ISO_OFFSET_DATE_TIME, text)).as(text).isFalse();
      }
    }
    assertThat(recognised)
        .as("3 valid dates x 3 times with seconds and at most 9 decimals")
        .isEqualTo(9);
  }

  private static boolean parses(DateTimeFormatter formatter, String text) {
    try {
      formatter.parse(text);
      return true;
    } catch (DateTimeException e) {
      return false;
    }
  }

  @Test
  void declinesInsteadOfThrowingOnTruncatedInput() throws InvalidEventException {
    byte[] record = utf8(HEAD + ",\"properties\":{\"a\":[true,false,null,\"x\",-1.5e3]}}");
    assertThat(READER.read(record)).isNotNull();
    for (int n = 0; n < record.length; n++) {
      assertThat(READER.read(java.util.Arrays.copyOf(record, n)))
          .as("prefix of " + n + " bytes")
          .isNull();
    }
  }
}
