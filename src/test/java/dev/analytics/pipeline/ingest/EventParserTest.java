package dev.analytics.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.fail;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.model.Priority;
import dev.analytics.pipeline.testing.TestEvents;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EventParserTest {
  private static final EventParser PARSER = new EventParser(ParserSettings.DEFAULTS);

  private static final String TS = "2024-05-01T12:00:00Z";
  private static final long TS_MS = Instant.parse(TS).toEpochMilli();

  /** A valid minimal event whose fields are followed by {@code rest} (which starts with ','). */
  private static String base(String rest) {
    return "{\"event_id\":\"e1\",\"event_type\":\"page.view\",\"timestamp\":\""
        + TS
        + "\""
        + rest
        + "}";
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static AnalyticsEvent parse(String json) throws InvalidEventException {
    return PARSER.parse(utf8(json));
  }

  private static AnalyticsEvent expected(String id, String type, long ts) {
    return TestEvents.event(id, type, ts);
  }

  // -----------------------------------------------------------------------------------------
  // Valid events

  @Test
  void shouldFindTheFirstNonAsciiByteAtEveryOffsetAndLength() {
    for (int length = 0; length < 40; length++) {
      for (int at = 0; at <= length; at++) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) 'a');
        if (at < length) {
          b[at] = (byte) 0xC3;
        }
        assertThat(EventParser.firstNonAscii(b))
            .as("length " + length + ", at " + at)
            .isEqualTo(at);
      }
    }
  }

  @Test
  void parsesAFullEventWithEveryField() throws Exception {
    String json =
        "{\"event_id\":\"evt-42\",\"event_type\":\"performance.response_time\","
            + "\"timestamp\":\"2024-05-01T12:00:00.123Z\",\"value\":12.5,\"category\":\"performance\","
            + "\"priority\":\"high\",\"user_id\":\"u-7\",\"tenant_id\":\"acme\","
            + "\"dimensions\":{\"region\":\"eu-west\",\"endpoint\":\"/api/v1\"},"
            + "\"properties\":{\"trace\":\"abc\",\"n\":[1,2,3]}}";
    AnalyticsEvent want = expected("evt-42", "performance.response_time", TS_MS + 123);
    want.value = 12.5;
    want.hasValue = true;
    want.category = "performance";
    want.priority = Priority.HIGH;
    want.userId = "u-7";
    want.tenantId = "acme";
    want.dimensions.put("region", "eu-west");
    want.dimensions.put("endpoint", "/api/v1");
    want.properties = "{\"trace\":\"abc\",\"n\":[1,2,3]}";

    AnalyticsEvent got = parse(json);

    assertThat(got).isEqualTo(want);
    assertThat(got.weight).isEqualTo(1.0);
    assertThat(got.sampleRate).isEqualTo(1.0);
  }

  @Test
  void acceptsEscapedSurrogatePairsAndEscapesThatOnlyLookLikeThem() throws Exception {
    // An emoji as two escapes (Python's json.dumps writes them so), a valid pair in a key, and an
    // escaped backslash before "ud800", which is text, not an escape.
    AnalyticsEvent got =
        parse(
            base(
                ",\"user_id\":\"\\ud83d\\ude00\",\"dimensions\":{\"region\":\"\\\\ud800\"},"
                    + "\"properties\":{\"\\ud83d\\ude00\":\"\\u00e9\"}"));

    assertThat(got.userId).isEqualTo("\uD83D\uDE00");
    assertThat(got.dimensions.get("region")).isEqualTo("\\ud800");
    assertThat(EventParser.hasUnstorableEscape(utf8(base(",\"a\":\"\\ud83d\\ude00\"")))).isTrue();
    assertThat(EventParser.hasUnstorableEscape(utf8(base(",\"a\":\"\\\\ud800\\u00e9\""))))
        .isFalse();
    assertThat(EventParser.firstUnstorable("a\uD83D\uDE00b")).isEqualTo(-1);
    assertThat(EventParser.firstUnstorable("a\uD83Db")).isEqualTo(1);
    assertThat(EventParser.firstUnstorable("\u0000")).isEqualTo(0);
  }

  @Test
  void aSyntaxErrorWinsOverInvalidUnicode() {
    InvalidEventException e =
        assertThatExceptionOfType(InvalidEventException.class)
            .isThrownBy(() -> parse(base(",\"user_id\":\"\\ud800\",\"x\":}")))
            .actual();
    assertThat(e.reason()).isEqualTo(DeadLetterReason.MALFORMED_JSON);
  }

  @Test
  void parsesAMinimalEvent() throws Exception {
    AnalyticsEvent got = parse(base(""));

    assertThat(got).isEqualTo(expected("e1", "page.view", TS_MS));
    assertThat(got.hasValue).isEqualTo(false);
    assertThat(got.priority).isEqualTo(null);
    assertThat(got.dimensions).isEqualTo(Map.of());
    assertThat(got.properties).isEqualTo(null);
    assertThat(got.weight).isEqualTo(1.0);
    assertThat(got.sampleRate).isEqualTo(1.0);
  }

  @Test
  void readsEpochMillisecondTimestamps() throws Exception {
    String json = "{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":1714564800123}";

    assertThat(parse(json)).isEqualTo(expected("e1", "t", 1714564800123L));
  }

  @Test
  void readsIntegralNumericTimestampsWrittenAsFloats() throws Exception {
    assertThat(parse("{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":1.7e12}"))
        .isEqualTo(expected("e1", "t", 1700000000000L));
    assertThat(parse("{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":1714564800123.000}"))
        .isEqualTo(expected("e1", "t", 1714564800123L));
  }

  @Test
  void convertsOffsetTimestampsToUtc() throws Exception {
    String json =
        "{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":\"2024-05-01T14:30:00+02:00\"}";

    assertThat(parse(json))
        .isEqualTo(expected("e1", "t", Instant.parse("2024-05-01T12:30:00Z").toEpochMilli()));
  }

  @Test
  void treatsNullOptionalFieldsAsAbsent() throws Exception {
    String json =
        base(
            ",\"value\":null,\"category\":null,\"priority\":null,\"user_id\":null,"
                + "\"tenant_id\":null,\"dimensions\":null,\"properties\":null");

    assertThat(parse(json)).isEqualTo(expected("e1", "page.view", TS_MS));
  }

  @Test
  void keepsUnicodeStrings() throws Exception {
    String json =
        "{\"event_id\":\"évé-日本-😀\",\"event_type\":\"t\",\"timestamp\":\""
            + TS
            + "\",\"category\":\"caf\\u00e9\",\"user_id\":\"Łukasz\","
            + "\"dimensions\":{\"city\":\"São Paulo 🌎\"}}";
    AnalyticsEvent want = expected("évé-日本-😀", "t", TS_MS);
    want.category = "café";
    want.userId = "Łukasz";
    want.dimensions.put("city", "São Paulo 🌎");

    assertThat(parse(json)).isEqualTo(want);
  }

  @Test
  void ignoresUnknownFieldsIncludingNestedOnes() throws Exception {
    String json =
        "{\"schema\":1,\"event_id\":\"e1\",\"meta\":{\"a\":[1,{\"b\":null,\"c\":[true,false]}],"
            + "\"event_id\":\"not-me\"},\"event_type\":\"page.view\",\"huge\":1e400,"
            + "\"timestamp\":\""
            + TS
            + "\",\"list\":[[[]]],\"s\":\"x\"}";

    assertThat(parse(json)).isEqualTo(expected("e1", "page.view", TS_MS));
  }

  @Test
  void keepsThePropertiesObjectTextExactly() throws Exception {
    String props =
        "{ \"nested\" : { \"list\": [1, 2.50, -3e2, \"x\\\"y\\u00e9\"] },\n"
            + "  \"unicode\": \"日本 😀\", \"empty\": {}, \"null\": null }";
    AnalyticsEvent got = parse(base(",\"properties\": " + props + " ,\"value\":1"));

    assertThat(got.properties).isEqualTo(props);
    assertThat(got.value).isEqualTo(1.0);
  }

  @Test
  void acceptsALeadingUtf8ByteOrderMark() throws Exception {
    byte[] body = utf8(base(",\"properties\":{\"k\":\"v\"}"));
    byte[] withBom = new byte[body.length + 3];
    withBom[0] = (byte) 0xEF;
    withBom[1] = (byte) 0xBB;
    withBom[2] = (byte) 0xBF;
    System.arraycopy(body, 0, withBom, 3, body.length);

    AnalyticsEvent got = PARSER.parse(withBom);

    AnalyticsEvent want = expected("e1", "page.view", TS_MS);
    want.properties = "{\"k\":\"v\"}";
    assertThat(got).isEqualTo(want);
  }

  @Test
  void readsPrioritiesCaseInsensitivelyAndIntegerValues() throws Exception {
    AnalyticsEvent got = parse(base(",\"priority\":\"LoW\",\"value\":-7"));

    assertThat(got.priority).isEqualTo(Priority.LOW);
    assertThat(got.value).isEqualTo(-7.0);
    assertThat(got.hasValue).isEqualTo(true);
    assertThat(parse(base(",\"priority\":\"NORMAL\"")).priority).isEqualTo(Priority.NORMAL);
  }

  @Test
  void acceptsLimitsExactly() throws Exception {
    StringBuilder dims = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      dims.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    String key64 = "k".repeat(64);
    String json =
        "{\"event_id\":\""
            + "😀".repeat(128)
            + "\",\"event_type\":\""
            + "a".repeat(128)
            + "\",\"timestamp\":"
            + Instant.parse("2000-01-01T00:00:00Z").toEpochMilli()
            + ",\"dimensions\":{"
            + dims
            + "},\"category\":\""
            + "c".repeat(128)
            + "\",\"x\":{\"d\":{\""
            + key64
            + "\":\""
            + "v".repeat(256)
            + "\"}}}";

    AnalyticsEvent got = parse(json);

    assertThat(got.eventId.codePointCount(0, got.eventId.length())).isEqualTo(128);
    assertThat(got.dimensions.size()).isEqualTo(16);
    assertThat(got.timestamp).isEqualTo(Instant.parse("2000-01-01T00:00:00Z").toEpochMilli());

    // 32 levels (the top-level object is level 1) is the default limit, and is accepted.
    assertThat(parse(base(",\"x\":" + nested(31)))).isEqualTo(expected("e1", "page.view", TS_MS));
  }

  @Test
  void acceptsTrailingWhitespace() throws Exception {
    assertThat(parse(base("") + " \r\n\t")).isEqualTo(expected("e1", "page.view", TS_MS));
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(PARSER);
    }
    EventParser copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (EventParser) in.readObject();
    }

    assertThat(copy.parse(utf8(base("")))).isEqualTo(expected("e1", "page.view", TS_MS));
    InvalidEventException e =
        assertThatExceptionOfType(InvalidEventException.class)
            .isThrownBy(() -> copy.parse(utf8(base(",\"x\":" + nested(40)))))
            .actual();
    assertThat(e.reason()).isEqualTo(DeadLetterReason.NESTING_TOO_DEEP);
  }

  @Test
  void rejectsUnusableSettings() {
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new EventParser(new ParserSettings(0, 32, 0, 1)));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new EventParser(new ParserSettings(10, 0, 0, 1)));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new EventParser(new ParserSettings(10, 32, 5, 5)));
  }

  @Test
  void fastTimestampPathAgreesWithTheIsoFormatter() {
    Random random = new Random(42L);
    // The first six are the forms the fast path is for; the rest it must leave to the formatter.
    String[] offsets = {
      "Z",
      "+00:00",
      "-00:00",
      "+02:00",
      "-05:30",
      "+17:59",
      "z",
      "+18:00",
      "-18:00",
      "+19:00",
      "+02:60",
      "+0200",
      "+02",
      "+02:00:30",
      ""
    };
    int fast = 0;
    for (int i = 0; i < 20_000; i++) {
      boolean canonical = true;
      StringBuilder s = new StringBuilder();
      int year = random.nextInt(10) == 0 ? random.nextInt(10_000) : 1990 + random.nextInt(120);
      s.append(String.format("%04d-%02d-%02d", year, random.nextInt(14), random.nextInt(33)));
      boolean upperT = random.nextInt(50) != 0;
      canonical &= upperT;
      s.append(upperT ? 'T' : 't');
      s.append(String.format("%02d:%02d", random.nextInt(25), random.nextInt(61)));
      if (random.nextInt(20) != 0) {
        s.append(String.format(":%02d", random.nextInt(61)));
      } else {
        canonical = false;
      }
      if (random.nextBoolean()) {
        int digits = random.nextInt(11);
        canonical &= digits >= 1 && digits <= 9;
        s.append('.');
        for (int d = 0; d < digits; d++) {
          s.append((char) ('0' + random.nextInt(10)));
        }
      }
      int offset = random.nextInt(offsets.length);
      canonical &= offset < 6;
      s.append(offsets[offset]);
      String text = s.toString();

      Long formatter;
      try {
        formatter =
            java.time.OffsetDateTime.parse(
                    text, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                .toInstant()
                .toEpochMilli();
      } catch (java.time.DateTimeException e) {
        formatter = null;
      }
      long got = EventParser.fastIsoMillis(text);
      if (canonical && formatter != null) {
        // Every valid string of the common form takes the fast path, with the same result.
        assertThat(got).as(text).isEqualTo(formatter);
        fast++;
      } else if (got != EventParser.NOT_FAST) {
        assertThat(Long.valueOf(got)).as(text).isEqualTo(formatter);
        fast++;
      }
    }
    assertThat(fast > 3_000).as("fast path taken " + fast + " times").isTrue();
    assertThat(EventParser.fastIsoMillis("1969-12-31T23:59:59.9999Z"))
        .isEqualTo(Instant.parse("1969-12-31T23:59:59.999Z").toEpochMilli());
    assertThat(EventParser.fastIsoMillis("2024-03-01T00:00:00.500+02:00"))
        .isEqualTo(Instant.parse("2024-02-29T22:00:00.5Z").toEpochMilli());
    assertThat(EventParser.fastIsoMillis("2023-02-29T00:00:00Z")).isEqualTo(EventParser.NOT_FAST);
  }

  // -----------------------------------------------------------------------------------------
  // Bad records

  /** {@code levels} nested arrays, e.g. 2 -> "[[]]". */
  private static String nested(int levels) {
    return "[".repeat(levels) + "]".repeat(levels);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  private static Arguments bad(
      String name, byte[] record, DeadLetterReason reason, String field, String detail) {
    return Arguments.of(Named.of(name, record), reason, field, detail);
  }

  private static Arguments bad(
      String name, String record, DeadLetterReason reason, String field, String detail) {
    return bad(name, utf8(record), reason, field, detail);
  }

  static Stream<Arguments> badRecords() {
    DeadLetterReason empty = DeadLetterReason.EMPTY_RECORD;
    DeadLetterReason large = DeadLetterReason.RECORD_TOO_LARGE;
    DeadLetterReason utf8 = DeadLetterReason.INVALID_UTF8;
    DeadLetterReason malformed = DeadLetterReason.MALFORMED_JSON;
    DeadLetterReason notObject = DeadLetterReason.NOT_AN_OBJECT;
    DeadLetterReason deep = DeadLetterReason.NESTING_TOO_DEEP;
    DeadLetterReason duplicate = DeadLetterReason.DUPLICATE_FIELD;
    DeadLetterReason missing = DeadLetterReason.MISSING_FIELD;
    DeadLetterReason wrongType = DeadLetterReason.WRONG_TYPE;
    DeadLetterReason emptyField = DeadLetterReason.EMPTY_FIELD;
    DeadLetterReason tooLong = DeadLetterReason.FIELD_TOO_LONG;
    DeadLetterReason badType = DeadLetterReason.INVALID_EVENT_TYPE;
    DeadLetterReason badTs = DeadLetterReason.INVALID_TIMESTAMP;
    DeadLetterReason tsRange = DeadLetterReason.TIMESTAMP_OUT_OF_RANGE;
    DeadLetterReason nonFinite = DeadLetterReason.NON_FINITE_NUMBER;
    DeadLetterReason badPriority = DeadLetterReason.INVALID_PRIORITY;
    DeadLetterReason tooMany = DeadLetterReason.TOO_MANY_DIMENSIONS;
    DeadLetterReason badKey = DeadLetterReason.INVALID_DIMENSION_KEY;
    DeadLetterReason unicode = DeadLetterReason.INVALID_UNICODE;

    String valid = base("");
    String id = "\"event_id\":\"e1\"";
    String type = "\"event_type\":\"t\"";
    String ts = "\"timestamp\":\"" + TS + "\"";
    StringBuilder dims17 = new StringBuilder();
    for (int i = 1; i <= 17; i++) {
      dims17.append(i == 1 ? "" : ",").append("\"d").append(i).append("\":\"v\"");
    }
    byte[] huge = utf8(base(",\"pad\":\"" + "x".repeat(1 << 20) + "\""));

    return Stream.of(
        // Record as a whole
        bad("null value", (byte[]) null, empty, null, "the record has no value"),
        bad("empty record", new byte[0], empty, null, "is empty (0 bytes)"),
        bad("whitespace only", " \n\t ", malformed, null, "only whitespace"),
        bad(
            "huge payload",
            huge,
            large,
            null,
            "the record has " + huge.length + " bytes, more than the limit of 1048576 bytes"),
        // Unicode that JSON can escape but no database stores as sent
        bad(
            "unpaired high surrogate in a dimension value",
            base(",\"dimensions\":{\"region\":\"eu\\ud800\"}"),
            unicode,
            "dimensions.region",
            "a string at /dimensions/region holds the unpaired surrogate U+D800 at index 2"),
        bad(
            "unpaired low surrogate in event_id",
            "{\"event_id\":\"\\udc00x\",\"event_type\":\"t\",\"timestamp\":\"" + TS + "\"}",
            unicode,
            "event_id",
            "holds the unpaired surrogate U+DC00 at index 0"),
        bad(
            "high surrogate followed by a non-surrogate escape",
            base(",\"user_id\":\"\\udbff\\u0041\""),
            unicode,
            "user_id",
            "U+DBFF at index 0"),
        bad(
            "reversed surrogate pair in properties",
            base(",\"properties\":{\"a\":[\"\\ude00\\ud83d\"]}"),
            unicode,
            "properties",
            "a string at /properties/a/0 holds the unpaired surrogate U+DE00"),
        bad(
            "unpaired surrogate in a dimension key",
            base(",\"dimensions\":{\"k\\ud800\":\"v\"}"),
            unicode,
            "dimensions",
            "a name at /dimensions/k\uFFFD holds the unpaired surrogate U+D800 at index 1"),
        bad(
            "NUL in a dimension value",
            base(",\"dimensions\":{\"region\":\"e\\u0000u\"}"),
            unicode,
            "dimensions.region",
            "holds U+0000 at index 1; PostgreSQL text and jsonb cannot store it"),
        bad(
            "NUL in an unknown field's name",
            base(",\"x\\u0000\":1"),
            unicode,
            null,
            "a name at /x\uFFFD holds U+0000"),
        // UTF-8
        bad(
            "lone continuation byte",
            concat(utf8("{\"event_id\":\"a"), bytes(0x80), utf8("\"}")),
            utf8,
            null,
            "invalid UTF-8 at byte offset 14: malformed sequence of 1 byte(s) (80)"),
        bad(
            "overlong encoding of '/'",
            concat(utf8("{\"event_id\":\"a"), bytes(0xC0, 0xAF), utf8("\"}")),
            utf8,
            null,
            "invalid UTF-8 at byte offset 14: malformed sequence of 1 byte(s) (C0)"),
        bad(
            "truncated multibyte at the end",
            concat(utf8("{\"event_id\":\"a\"} "), bytes(0xE2, 0x82)),
            utf8,
            null,
            "invalid UTF-8 at byte offset 17: truncated or malformed sequence of 2 byte(s) (E2 82)"),
        bad(
            "truncated multibyte before a quote",
            concat(utf8("{\"event_id\":\""), bytes(0xF0, 0x9F, 0x98), utf8("\"}")),
            utf8,
            null,
            "invalid UTF-8 at byte offset 13: malformed sequence of 3 byte(s) (F0 9F 98)"),
        bad(
            "UTF-16 surrogate encoded in UTF-8",
            concat(utf8("{\"event_id\":\""), bytes(0xED, 0xA0, 0x80), utf8("\"}")),
            utf8,
            null,
            "invalid UTF-8 at byte offset 13: malformed sequence of 3 byte(s) (ED A0 80)"),
        // Syntax
        bad(
            "trailing comma",
            "{\"event_id\":\"e1\",}",
            malformed,
            null,
            "Unexpected character ('}' (code 125)): was expecting double-quote to start field name"
                + " (line 1, column 18)"),
        bad(
            "single quotes",
            "{'event_id':'e1'}",
            malformed,
            null,
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name"
                + " (line 1, column 2)"),
        bad(
            "bare word value",
            "{\"event_id\":nope}",
            malformed,
            null,
            "Unrecognized token 'nope': was expecting"),
        bad(
            "truncated mid-string",
            "{\"event_id\":\"e1\",\"event_type\":\"page.vi",
            malformed,
            null,
            "Unexpected end-of-input in VALUE_STRING (line 1, column 39)"),
        bad(
            "truncated mid-number (the cut timestamp is not reported as out of range)",
            "{" + id + "," + type + ",\"timestamp\":17145",
            malformed,
            null,
            "Unexpected end-of-input: expected close marker for Object (start marker at [line: 1,"
                + " column: 1]) (line 1, column 52)"),
        bad(
            "truncated mid-object",
            valid.substring(0, valid.length() - 1) + ",\"dimensions\":{\"a\":\"b\"",
            malformed,
            null,
            "Unexpected end-of-input: expected close marker for Object (start marker at [line: 1,"
                + " column: "
                + (valid.length() + 14)
                + "]) (line 1, column "
                + (valid.length() + 22)
                + ")"),
        bad(
            "truncated after a field error: syntax wins",
            "{\"event_id\":5,\"event_type\":\"t",
            malformed,
            null,
            "Unexpected end-of-input in VALUE_STRING"),
        bad(
            "trailing garbage",
            valid + " x",
            malformed,
            null,
            "Unrecognized token 'x': was expecting"),
        bad(
            "two objects",
            valid + "{}",
            malformed,
            null,
            "trailing content after the top-level value: an object at line 1, column "
                + (valid.length() + 1)),
        bad(
            "trailing content after a field error",
            "{\"event_id\":1}}",
            malformed,
            null,
            "Unexpected close marker '}'"),
        bad(
            "NUL bytes that would look like UTF-16",
            bytes('{', 0, '}', 0),
            malformed,
            null,
            "NUL byte at byte offset 1"),
        bad(
            "double byte order mark",
            concat(bytes(0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF), utf8(valid)),
            malformed,
            null,
            "Unexpected non-ASCII character outside a string [Jackson: Invalid UTF-8 start byte 0xbb]"),
        // Not an object
        bad("JSON array", "[1,2]", notObject, null, "must be a JSON object, found an array"),
        bad("JSON string", "\"hello\"", notObject, null, "found a string"),
        bad("JSON number", "42", notObject, null, "found a number"),
        bad("JSON null", "null", notObject, null, "found null"),
        bad("JSON boolean", "true", notObject, null, "found a boolean"),
        // Nesting
        bad(
            "10,000 nested arrays in an unknown field",
            base(",\"x\":" + nested(10_000)),
            deep,
            null,
            "JSON nesting deeper than 32 levels (the top-level object is level 1) at line 1,"
                + " column "
                + (valid.length() + 5 + 32)),
        bad(
            "10,000 nested arrays at the top level",
            nested(10_000),
            deep,
            null,
            "JSON nesting deeper than 32 levels"),
        bad(
            "one level too deep in properties",
            base(",\"properties\":{\"a\":" + nested(31) + "}"),
            deep,
            null,
            "JSON nesting deeper than 32 levels"),
        // Duplicates
        bad(
            "duplicate event_id",
            "{\"event_id\":\"a\",\"event_id\":\"b\"," + type + "," + ts + "}",
            duplicate,
            "event_id",
            "field event_id appears more than once"),
        bad(
            "duplicate null value",
            base(",\"value\":null,\"value\":1"),
            duplicate,
            "value",
            "field value appears more than once"),
        bad(
            "duplicate dimension key",
            base(",\"dimensions\":{\"k\":\"a\",\"k\":\"b\"}"),
            duplicate,
            "dimensions.k",
            "dimension k appears more than once"),
        // event_id
        bad(
            "missing event_id",
            "{" + type + "," + ts + "}",
            missing,
            "event_id",
            "required field event_id is absent"),
        bad(
            "null event_id",
            "{\"event_id\":null," + type + "," + ts + "}",
            missing,
            "event_id",
            "required field event_id is null"),
        bad(
            "empty event_id",
            "{\"event_id\":\"\"," + type + "," + ts + "}",
            emptyField,
            "event_id",
            "required field event_id is an empty string"),
        bad(
            "numeric event_id",
            "{\"event_id\":42," + type + "," + ts + "}",
            wrongType,
            "event_id",
            "event_id: expected a string, got number"),
        bad(
            "object event_id",
            "{\"event_id\":{\"a\":1}," + type + "," + ts + "}",
            wrongType,
            "event_id",
            "event_id: expected a string, got object"),
        bad(
            "too-long event_id",
            "{\"event_id\":\"" + "é".repeat(129) + "\"," + type + "," + ts + "}",
            tooLong,
            "event_id",
            "event_id has 129 characters, more than the limit of 128"),
        // event_type
        bad(
            "missing event_type",
            "{" + id + "," + ts + "}",
            missing,
            "event_type",
            "required field event_type is absent"),
        bad(
            "empty event_type",
            "{" + id + ",\"event_type\":\"\"," + ts + "}",
            emptyField,
            "event_type",
            "required field event_type is an empty string"),
        bad(
            "boolean event_type",
            "{" + id + ",\"event_type\":true," + ts + "}",
            wrongType,
            "event_type",
            "event_type: expected a string, got boolean"),
        bad(
            "event_type with a space",
            "{" + id + ",\"event_type\":\"page view\"," + ts + "}",
            badType,
            "event_type",
            "event_type 'page view' has the forbidden character ' ' (U+0020) at index 4;"
                + " allowed are [A-Za-z0-9_.:-]"),
        bad(
            "event_type with a slash",
            "{" + id + ",\"event_type\":\"a/b\"," + ts + "}",
            badType,
            "event_type",
            "forbidden character '/' (U+002F) at index 1"),
        bad(
            "event_type with an emoji",
            "{" + id + ",\"event_type\":\"ok😀\"," + ts + "}",
            badType,
            "event_type",
            "forbidden character '😀' (U+1F600) at index 2"),
        bad(
            "event_type with a quote",
            "{" + id + ",\"event_type\":\"a\\\"b\"," + ts + "}",
            badType,
            "event_type",
            "forbidden character '\"' (U+0022) at index 1"),
        bad(
            "too-long event_type",
            "{" + id + ",\"event_type\":\"" + "a".repeat(129) + "\"," + ts + "}",
            tooLong,
            "event_type",
            "event_type has 129 characters, more than the limit of 128"),
        // timestamp
        bad(
            "missing timestamp",
            "{" + id + "," + type + "}",
            missing,
            "timestamp",
            "required field timestamp is absent"),
        bad(
            "null timestamp",
            "{" + id + "," + type + ",\"timestamp\":null}",
            missing,
            "timestamp",
            "required field timestamp is null"),
        bad(
            "unparseable timestamp",
            "{" + id + "," + type + ",\"timestamp\":\"yesterday\"}",
            badTs,
            "timestamp",
            "timestamp 'yesterday' is not ISO-8601 date-time with an offset"),
        bad(
            "invalid month",
            "{" + id + "," + type + ",\"timestamp\":\"2024-13-01T00:00:00Z\"}",
            badTs,
            "timestamp",
            "Invalid value for MonthOfYear (valid values 1 - 12): 13"),
        bad(
            "timestamp without zone",
            "{" + id + "," + type + ",\"timestamp\":\"2024-05-01T12:00:00\"}",
            badTs,
            "timestamp",
            "timestamp '2024-05-01T12:00:00' has no zone or offset"),
        bad(
            "date-only timestamp",
            "{" + id + "," + type + ",\"timestamp\":\"2024-05-01\"}",
            badTs,
            "timestamp",
            "timestamp '2024-05-01' is not ISO-8601 date-time with an offset"),
        bad(
            "ISO timestamp in 1970",
            "{" + id + "," + type + ",\"timestamp\":\"1970-01-01T00:00:01Z\"}",
            tsRange,
            "timestamp",
            "timestamp 1000 (1970-01-01T00:00:01Z) is outside"
                + " [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z)"),
        bad(
            "epoch seconds instead of milliseconds",
            "{" + id + "," + type + ",\"timestamp\":1714564800}",
            tsRange,
            "timestamp",
            "timestamp 1714564800 (1970-01-20T20:16:04.800Z) is outside"
                + " [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z); it looks like epoch seconds,"
                + " but epoch milliseconds are expected"),
        bad(
            "timestamp in year 3000",
            "{" + id + "," + type + ",\"timestamp\":32503680000000}",
            tsRange,
            "timestamp",
            "timestamp 32503680000000 (3000-01-01T00:00:00Z) is outside"
                + " [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z)"),
        bad(
            "negative timestamp",
            "{" + id + "," + type + ",\"timestamp\":-1}",
            tsRange,
            "timestamp",
            "timestamp -1 (1969-12-31T23:59:59.999Z) is outside"),
        bad(
            "upper bound is exclusive",
            "{" + id + "," + type + ",\"timestamp\":\"2100-01-01T00:00:00Z\"}",
            tsRange,
            "timestamp",
            "(2100-01-01T00:00:00Z) is outside"),
        bad(
            "timestamp beyond 64 bits",
            "{" + id + "," + type + ",\"timestamp\":99999999999999999999}",
            tsRange,
            "timestamp",
            "timestamp '99999999999999999999' does not fit in 64-bit epoch milliseconds"),
        bad(
            "fractional epoch milliseconds",
            "{" + id + "," + type + ",\"timestamp\":1714564800000.5}",
            badTs,
            "timestamp",
            "timestamp '1714564800000.5' has a fraction; expected integral epoch milliseconds"),
        bad(
            "boolean timestamp",
            "{" + id + "," + type + ",\"timestamp\":false}",
            wrongType,
            "timestamp",
            "timestamp: expected a string or a number, got boolean"),
        bad(
            "object timestamp",
            "{" + id + "," + type + ",\"timestamp\":{\"s\":1}}",
            wrongType,
            "timestamp",
            "timestamp: expected a string or a number, got object"),
        bad(
            "NaN timestamp",
            "{" + id + "," + type + ",\"timestamp\":NaN}",
            nonFinite,
            "timestamp",
            "NaN at /timestamp is not a finite number"),
        bad(
            "overflowing timestamp",
            "{" + id + "," + type + ",\"timestamp\":1e400}",
            nonFinite,
            "timestamp",
            "timestamp '1e400' overflows a double"),
        // value
        bad(
            "NaN value",
            base(",\"value\":NaN"),
            nonFinite,
            "value",
            "NaN at /value is not a finite number; JSON has no NaN or Infinity"),
        bad(
            "Infinity value",
            base(",\"value\":Infinity"),
            nonFinite,
            "value",
            "Infinity at /value is not a finite number"),
        bad(
            "-Infinity value",
            base(",\"value\":-Infinity"),
            nonFinite,
            "value",
            "-Infinity at /value is not a finite number"),
        bad(
            "1e400 value",
            base(",\"value\":1e400"),
            nonFinite,
            "value",
            "value '1e400' overflows a double"),
        bad(
            "400-digit integer value",
            base(",\"value\":-" + "9".repeat(400)),
            nonFinite,
            "value",
            "overflows a double"),
        bad(
            "string value",
            base(",\"value\":\"12\""),
            wrongType,
            "value",
            "value: expected a number or null, got string"),
        bad(
            "boolean value",
            base(",\"value\":true"),
            wrongType,
            "value",
            "value: expected a number or null, got boolean"),
        // Optional strings
        bad(
            "numeric category",
            base(",\"category\":5"),
            wrongType,
            "category",
            "category: expected a string or null, got number"),
        bad(
            "object user_id",
            base(",\"user_id\":{}"),
            wrongType,
            "user_id",
            "user_id: expected a string or null, got object"),
        bad(
            "array tenant_id",
            base(",\"tenant_id\":[\"a\"]"),
            wrongType,
            "tenant_id",
            "tenant_id: expected a string or null, got array"),
        bad(
            "too-long tenant_id",
            base(",\"tenant_id\":\"" + "t".repeat(129) + "\""),
            tooLong,
            "tenant_id",
            "tenant_id has 129 characters, more than the limit of 128"),
        // priority
        bad(
            "unknown priority",
            base(",\"priority\":\"urgent\""),
            badPriority,
            "priority",
            "priority 'urgent' is not one of high, normal, low"),
        bad(
            "numeric priority",
            base(",\"priority\":1"),
            wrongType,
            "priority",
            "priority: expected a string or null, got number"),
        // dimensions
        bad(
            "17 dimensions",
            base(",\"dimensions\":{" + dims17 + "}"),
            tooMany,
            "dimensions",
            "dimensions has more than 16 entries"),
        bad(
            "numeric dimension value",
            base(",\"dimensions\":{\"region\":5}"),
            wrongType,
            "dimensions.region",
            "dimensions.region: expected a string, got number"),
        bad(
            "object dimension value",
            base(",\"dimensions\":{\"region\":{\"a\":\"b\"}}"),
            wrongType,
            "dimensions.region",
            "dimensions.region: expected a string, got object"),
        bad(
            "null dimension value",
            base(",\"dimensions\":{\"region\":null}"),
            wrongType,
            "dimensions.region",
            "dimensions.region: expected a string, got null"),
        bad(
            "too-long dimension value",
            base(",\"dimensions\":{\"path\":\"" + "p".repeat(257) + "\"}"),
            tooLong,
            "dimensions.path",
            "dimensions.path has 257 characters, more than the limit of 256"),
        bad(
            "dimension key with a space",
            base(",\"dimensions\":{\"bad key\":\"v\"}"),
            badKey,
            "dimensions",
            "dimension key 'bad key' has the forbidden character ' ' (U+0020) at index 3"),
        bad(
            "empty dimension key",
            base(",\"dimensions\":{\"\":\"v\"}"),
            badKey,
            "dimensions",
            "dimension key '' is empty"),
        bad(
            "too-long dimension key",
            base(",\"dimensions\":{\"" + "k".repeat(65) + "\":\"v\"}"),
            badKey,
            "dimensions",
            "has 65 characters, more than the limit of 64"),
        bad(
            "dimensions as an array",
            base(",\"dimensions\":[\"a\"]"),
            wrongType,
            "dimensions",
            "dimensions: expected an object or null, got array"),
        // properties and unknown fields
        bad(
            "properties as a string",
            base(",\"properties\":\"{}\""),
            wrongType,
            "properties",
            "properties: expected an object or null, got string"),
        bad(
            "NaN inside properties",
            base(",\"properties\":{\"a\":[1,NaN]}"),
            nonFinite,
            "properties",
            "NaN at /properties/a/1 is not a finite number"),
        bad(
            "Infinity inside an unknown field",
            base(",\"extra\":{\"deep\":{\"x\":-Infinity}}"),
            nonFinite,
            "extra",
            "-Infinity at /extra/deep/x is not a finite number"),
        bad(
            "NaN in an unknown field with a long name",
            base(",\"" + "n".repeat(100) + "\":[NaN]"),
            nonFinite,
            "n".repeat(64) + "...",
            "NaN at /" + "n".repeat(63) + "... is not a finite number"),
        bad(
            "control character in an unknown string",
            base(",\"extra\":\"a\u0001b\""),
            malformed,
            null,
            "Illegal unquoted character ((CTRL-CHAR, code 1))"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRecords")
  void rejectsBadRecords(
      byte[] record, DeadLetterReason reason, String field, String detailFragment) {
    InvalidEventException e =
        assertThatExceptionOfType(InvalidEventException.class)
            .isThrownBy(() -> PARSER.parse(record))
            .actual();

    assertThat(e.reason()).as(() -> "detail: " + e.detail()).isEqualTo(reason);
    assertThat(e.field()).as(() -> "detail: " + e.detail()).isEqualTo(field);
    assertThat(e.detail().contains(detailFragment))
        .as(() -> "detail '" + e.detail() + "' lacks '" + detailFragment + "'")
        .isTrue();
  }

  @Test
  void badRecordCorpusCoversEveryParserReasonWithManyKinds() {
    Map<DeadLetterReason, Integer> counts = new EnumMap<>(DeadLetterReason.class);
    List<String> names = new ArrayList<>();
    badRecords()
        .forEach(
            a -> {
              counts.merge((DeadLetterReason) a.get()[1], 1, Integer::sum);
              names.add(((Named<?>) a.get()[0]).getName());
            });

    assertThat(names.stream().distinct().count()).isEqualTo(names.size());
    assertThat(names.size() >= 35).as("only " + names.size() + " kinds").isTrue();
    // Decided after parsing: against the record's arrival, and at the window.
    Set<DeadLetterReason> notParsers =
        Set.of(
            DeadLetterReason.LATE,
            DeadLetterReason.TIMESTAMP_IN_FUTURE,
            DeadLetterReason.TIMESTAMP_TOO_OLD);
    for (DeadLetterReason r : DeadLetterReason.values()) {
      if (!notParsers.contains(r)) {
        assertThat(counts.containsKey(r)).as("no bad record for " + r).isTrue();
      }
    }
  }

  @Test
  void honoursConfiguredLimits() {
    EventParser strict =
        new EventParser(
            new ParserSettings(
                200,
                3,
                Instant.parse("2024-01-01T00:00:00Z").toEpochMilli(),
                Instant.parse("2025-01-01T00:00:00Z").toEpochMilli()));

    InvalidEventException size =
        assertThatExceptionOfType(InvalidEventException.class)
            .isThrownBy(() -> strict.parse(utf8(base(",\"pad\":\"" + "x".repeat(200) + "\""))))
            .actual();
    assertThat(size.reason()).isEqualTo(DeadLetterReason.RECORD_TOO_LARGE);
    assertThat(size.detail().endsWith("more than the limit of 200 bytes"))
        .as(size.detail())
        .isTrue();

    InvalidEventException depth =
        assertThatExceptionOfType(InvalidEventException.class)
            .isThrownBy(() -> strict.parse(utf8(base(",\"x\":{\"y\":[[]]}"))))
            .actual();
    assertThat(depth.reason()).isEqualTo(DeadLetterReason.NESTING_TOO_DEEP);
    assertThat(depth.detail().startsWith("JSON nesting deeper than 3 levels"))
        .as(depth.detail())
        .isTrue();

    InvalidEventException range =
        assertThatExceptionOfType(InvalidEventException.class)
            .isThrownBy(() -> strict.parse(utf8(base("").replace(TS, "2025-01-01T00:00:00Z"))))
            .actual();
    assertThat(range.reason()).isEqualTo(DeadLetterReason.TIMESTAMP_OUT_OF_RANGE);
  }

  // -----------------------------------------------------------------------------------------
  // Property: no input makes anything but InvalidEventException escape

  @Test
  void randomMutationsNeverThrowAnythingButInvalidEventException() {
    byte[] seed =
        utf8(
            "{\"event_id\":\"évt-1\",\"event_type\":\"a.b\",\"timestamp\":1714564800123,"
                + "\"value\":-1.5e3,\"category\":\"c\",\"priority\":\"low\",\"user_id\":\"u\","
                + "\"tenant_id\":\"t\",\"dimensions\":{\"k\":\"日本\",\"k2\":\"v\"},"
                + "\"properties\":{\"a\":[1,{\"b\":null}],\"s\":\"\\u00e9\\\"\"},\"x\":[true]}");
    byte[] alphabet = utf8("{}[],:\"\\ 0123456789.eE+-truefalsnNIaiy");
    Random random = new Random(20261122L);
    Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
    int valid = 0;

    for (int i = 0; i < 10_000; i++) {
      byte[] input = mutate(seed, alphabet, random);
      Object first = outcome(input);
      Object second = outcome(input);
      // Deterministic: the same bytes always give the same event or the same rejection.
      assertThat(second).as(() -> HexFormat.of().formatHex(input)).isEqualTo(first);
      if (first instanceof AnalyticsEvent event) {
        assertThat(event.eventId).isNotNull();
        assertThat(event.eventType).isNotNull();
        assertThat(event.dimensions).isNotNull();
        valid++;
      } else {
        reasons.merge(DeadLetterReason.valueOf(((String) first).split("\\|")[0]), 1, Integer::sum);
      }
    }

    // The mutations must exercise both outcomes and many reasons, or the test proves little.
    assertThat(valid > 100).as("valid: " + valid).isTrue();
    assertThat(reasons.size() >= 8).as("reasons: " + reasons).isTrue();
  }

  /** The event, or "REASON|field|detail" for a rejection; fails on any other throwable. */
  private static Object outcome(byte[] input) {
    try {
      return PARSER.parse(input);
    } catch (InvalidEventException e) {
      assertThat(e.reason()).isNotNull();
      assertThat(e.detail()).isNotNull();
      return e.reason() + "|" + e.field() + "|" + e.detail();
    } catch (Throwable t) {
      return fail("unexpected " + t + " for input " + HexFormat.of().formatHex(input), t);
    }
  }

  static byte[] mutate(byte[] seed, byte[] alphabet, Random random) {
    byte[] b = seed.clone();
    int mutations = 1 + random.nextInt(3);
    for (int m = 0; m < mutations; m++) {
      int kind = random.nextInt(8);
      int pos = b.length == 0 ? 0 : random.nextInt(b.length);
      switch (kind) {
        case 0 -> { // replace a byte with any byte
          if (b.length > 0) {
            b[pos] = (byte) random.nextInt(256);
          }
        }
        case 1 -> { // replace a byte with a JSON-ish one
          if (b.length > 0) {
            b[pos] = alphabet[random.nextInt(alphabet.length)];
          }
        }
        case 2 -> b = java.util.Arrays.copyOf(b, pos); // truncate
        case 3 -> { // delete a range
          int len = Math.min(b.length - pos, 1 + random.nextInt(8));
          byte[] c = new byte[b.length - len];
          System.arraycopy(b, 0, c, 0, pos);
          System.arraycopy(b, pos + len, c, pos, b.length - pos - len);
          b = c;
        }
        case 4 -> { // insert JSON-ish bytes
          int len = 1 + random.nextInt(4);
          byte[] c = new byte[b.length + len];
          System.arraycopy(b, 0, c, 0, pos);
          for (int k = 0; k < len; k++) {
            c[pos + k] = alphabet[random.nextInt(alphabet.length)];
          }
          System.arraycopy(b, pos, c, pos + len, b.length - pos);
          b = c;
        }
        case 5 -> { // duplicate a slice in place
          int len = Math.min(b.length - pos, 1 + random.nextInt(24));
          byte[] c = new byte[b.length + len];
          System.arraycopy(b, 0, c, 0, pos + len);
          System.arraycopy(b, pos, c, pos + len, b.length - pos);
          b = c;
        }
        case 6 -> { // swap two bytes
          if (b.length > 1) {
            int other = random.nextInt(b.length);
            byte t = b[pos];
            b[pos] = b[other];
            b[other] = t;
          }
        }
        default -> { // pure noise, sometimes
          if (random.nextInt(8) == 0) {
            b = new byte[random.nextInt(64)];
            random.nextBytes(b);
          }
        }
      }
    }
    return b;
  }

  /**
   * Timestamps without the formatter's shape are refused without its exception, in its words: the
   * message built for them is the one its parse throws, for every kind of mistake.
   */
  @Test
  void unparsedTimestampMessagesAreTheFormattersOwn() {
    List<String> texts =
        List.of(
            "",
            "yesterday",
            "2024-05-01",
            "2024-05-01 12:00:00",
            "2024-05-01T12:00:00",
            "2024-05-01T12:00:00Zjunk",
            "2024-05-01T12:00:00+25:00",
            "2024-05-01T12:00:00+38+02:00",
            "2024-5-1T12:00:00Z",
            "1714564800000",
            "2024-05-01T12:00:00.1234567890Z",
            "x".repeat(70),
            "2024-02-30T12:00:00Z",
            "2024-05-01T12:00:00Z");
    int unparsed = 0;
    for (DateTimeFormatter formatter :
        List.of(DateTimeFormatter.ISO_OFFSET_DATE_TIME, DateTimeFormatter.ISO_LOCAL_DATE_TIME)) {
      for (String text : texts) {
        String built = EventParser.unparsedMessage(formatter, text);
        String thrown = null;
        try {
          formatter.parse(text);
        } catch (DateTimeParseException e) {
          thrown = e.getMessage();
        }
        if (built != null) {
          unparsed++;
          assertThat(built).as(text).isEqualTo(thrown);
        } else if (thrown != null) {
          // Only resolving can fail once the shape is right (February 30).
          assertThat(thrown.contains("could not be parsed: ")).as(thrown).isTrue();
        }
      }
    }
    // 14 texts twice, less the 4 the offset formatter takes further (+25:00 and +38 among them:
    // it refuses their offsets by an exception, left to its parse) and the 1 of a local shape.
    assertThat(unparsed).as("texts without the shape of each formatter").isEqualTo(23);
  }
}
