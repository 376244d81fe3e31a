package dev.analytics.pipeline.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.model.Priority;
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
    AnalyticsEvent e = new AnalyticsEvent();
    e.eventId = id;
    e.eventType = type;
    e.timestamp = ts;
    return e;
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
        assertEquals(at, EventParser.firstNonAscii(b), "length " + length + ", at " + at);
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

    assertEquals(want, got);
    assertEquals(1.0, got.weight);
    assertEquals(1.0, got.sampleRate);
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

    assertEquals("\uD83D\uDE00", got.userId);
    assertEquals("\\ud800", got.dimensions.get("region"));
    assertTrue(EventParser.hasUnstorableEscape(utf8(base(",\"a\":\"\\ud83d\\ude00\""))));
    assertFalse(EventParser.hasUnstorableEscape(utf8(base(",\"a\":\"\\\\ud800\\u00e9\""))));
    assertEquals(-1, EventParser.firstUnstorable("a\uD83D\uDE00b"));
    assertEquals(1, EventParser.firstUnstorable("a\uD83Db"));
    assertEquals(0, EventParser.firstUnstorable("\u0000"));
  }

  @Test
  void aSyntaxErrorWinsOverInvalidUnicode() {
    InvalidEventException e =
        assertThrows(
            InvalidEventException.class, () -> parse(base(",\"user_id\":\"\\ud800\",\"x\":}")));
    assertEquals(DeadLetterReason.MALFORMED_JSON, e.reason());
  }

  @Test
  void parsesAMinimalEvent() throws Exception {
    AnalyticsEvent got = parse(base(""));

    assertEquals(expected("e1", "page.view", TS_MS), got);
    assertEquals(false, got.hasValue);
    assertEquals(null, got.priority);
    assertEquals(Map.of(), got.dimensions);
    assertEquals(null, got.properties);
    assertEquals(1.0, got.weight);
    assertEquals(1.0, got.sampleRate);
  }

  @Test
  void readsEpochMillisecondTimestamps() throws Exception {
    String json = "{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":1714564800123}";

    assertEquals(expected("e1", "t", 1714564800123L), parse(json));
  }

  @Test
  void readsIntegralNumericTimestampsWrittenAsFloats() throws Exception {
    assertEquals(
        expected("e1", "t", 1700000000000L),
        parse("{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":1.7e12}"));
    assertEquals(
        expected("e1", "t", 1714564800123L),
        parse("{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":1714564800123.000}"));
  }

  @Test
  void convertsOffsetTimestampsToUtc() throws Exception {
    String json =
        "{\"event_id\":\"e1\",\"event_type\":\"t\",\"timestamp\":\"2024-05-01T14:30:00+02:00\"}";

    assertEquals(
        expected("e1", "t", Instant.parse("2024-05-01T12:30:00Z").toEpochMilli()), parse(json));
  }

  @Test
  void treatsNullOptionalFieldsAsAbsent() throws Exception {
    String json =
        base(
            ",\"value\":null,\"category\":null,\"priority\":null,\"user_id\":null,"
                + "\"tenant_id\":null,\"dimensions\":null,\"properties\":null");

    assertEquals(expected("e1", "page.view", TS_MS), parse(json));
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

    assertEquals(want, parse(json));
  }

  @Test
  void ignoresUnknownFieldsIncludingNestedOnes() throws Exception {
    String json =
        "{\"schema\":1,\"event_id\":\"e1\",\"meta\":{\"a\":[1,{\"b\":null,\"c\":[true,false]}],"
            + "\"event_id\":\"not-me\"},\"event_type\":\"page.view\",\"huge\":1e400,"
            + "\"timestamp\":\""
            + TS
            + "\",\"list\":[[[]]],\"s\":\"x\"}";

    assertEquals(expected("e1", "page.view", TS_MS), parse(json));
  }

  @Test
  void keepsThePropertiesObjectTextExactly() throws Exception {
    String props =
        "{ \"nested\" : { \"list\": [1, 2.50, -3e2, \"x\\\"y\\u00e9\"] },\n"
            + "  \"unicode\": \"日本 😀\", \"empty\": {}, \"null\": null }";
    AnalyticsEvent got = parse(base(",\"properties\": " + props + " ,\"value\":1"));

    assertEquals(props, got.properties);
    assertEquals(1.0, got.value);
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
    assertEquals(want, got);
  }

  @Test
  void readsPrioritiesCaseInsensitivelyAndIntegerValues() throws Exception {
    AnalyticsEvent got = parse(base(",\"priority\":\"LoW\",\"value\":-7"));

    assertEquals(Priority.LOW, got.priority);
    assertEquals(-7.0, got.value);
    assertEquals(true, got.hasValue);
    assertEquals(Priority.NORMAL, parse(base(",\"priority\":\"NORMAL\"")).priority);
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

    assertEquals(128, got.eventId.codePointCount(0, got.eventId.length()));
    assertEquals(16, got.dimensions.size());
    assertEquals(Instant.parse("2000-01-01T00:00:00Z").toEpochMilli(), got.timestamp);

    // 32 levels (the top-level object is level 1) is the default limit, and is accepted.
    assertEquals(expected("e1", "page.view", TS_MS), parse(base(",\"x\":" + nested(31))));
  }

  @Test
  void acceptsTrailingWhitespace() throws Exception {
    assertEquals(expected("e1", "page.view", TS_MS), parse(base("") + " \r\n\t"));
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

    assertEquals(expected("e1", "page.view", TS_MS), copy.parse(utf8(base(""))));
    InvalidEventException e =
        assertThrows(
            InvalidEventException.class, () -> copy.parse(utf8(base(",\"x\":" + nested(40)))));
    assertEquals(DeadLetterReason.NESTING_TOO_DEEP, e.reason());
  }

  @Test
  void rejectsUnusableSettings() {
    assertThrows(
        IllegalArgumentException.class, () -> new EventParser(new ParserSettings(0, 32, 0, 1)));
    assertThrows(
        IllegalArgumentException.class, () -> new EventParser(new ParserSettings(10, 0, 0, 1)));
    assertThrows(
        IllegalArgumentException.class, () -> new EventParser(new ParserSettings(10, 32, 5, 5)));
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
        assertEquals(formatter, got, text);
        fast++;
      } else if (got != EventParser.NOT_FAST) {
        assertEquals(formatter, Long.valueOf(got), text);
        fast++;
      }
    }
    assertTrue(fast > 3_000, "fast path taken " + fast + " times");
    assertEquals(
        Instant.parse("1969-12-31T23:59:59.999Z").toEpochMilli(),
        EventParser.fastIsoMillis("1969-12-31T23:59:59.9999Z"));
    assertEquals(
        Instant.parse("2024-02-29T22:00:00.5Z").toEpochMilli(),
        EventParser.fastIsoMillis("2024-03-01T00:00:00.500+02:00"));
    assertEquals(EventParser.NOT_FAST, EventParser.fastIsoMillis("2023-02-29T00:00:00Z"));
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
    InvalidEventException e = assertThrows(InvalidEventException.class, () -> PARSER.parse(record));

    assertEquals(reason, e.reason(), () -> "detail: " + e.detail());
    assertEquals(field, e.field(), () -> "detail: " + e.detail());
    assertTrue(
        e.detail().contains(detailFragment),
        () -> "detail '" + e.detail() + "' lacks '" + detailFragment + "'");
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

    assertEquals(names.size(), names.stream().distinct().count());
    assertTrue(names.size() >= 35, "only " + names.size() + " kinds");
    // Decided after parsing: against the record's arrival, and at the window.
    Set<DeadLetterReason> notParsers =
        Set.of(
            DeadLetterReason.LATE,
            DeadLetterReason.TIMESTAMP_IN_FUTURE,
            DeadLetterReason.TIMESTAMP_TOO_OLD);
    for (DeadLetterReason r : DeadLetterReason.values()) {
      if (!notParsers.contains(r)) {
        assertTrue(counts.containsKey(r), "no bad record for " + r);
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
        assertThrows(
            InvalidEventException.class,
            () -> strict.parse(utf8(base(",\"pad\":\"" + "x".repeat(200) + "\""))));
    assertEquals(DeadLetterReason.RECORD_TOO_LARGE, size.reason());
    assertTrue(size.detail().endsWith("more than the limit of 200 bytes"), size.detail());

    InvalidEventException depth =
        assertThrows(
            InvalidEventException.class, () -> strict.parse(utf8(base(",\"x\":{\"y\":[[]]}"))));
    assertEquals(DeadLetterReason.NESTING_TOO_DEEP, depth.reason());
    assertTrue(depth.detail().startsWith("JSON nesting deeper than 3 levels"), depth.detail());

    InvalidEventException range =
        assertThrows(
            InvalidEventException.class,
            () -> strict.parse(utf8(base("").replace(TS, "2025-01-01T00:00:00Z"))));
    assertEquals(DeadLetterReason.TIMESTAMP_OUT_OF_RANGE, range.reason());
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
      assertEquals(first, second, () -> HexFormat.of().formatHex(input));
      if (first instanceof AnalyticsEvent event) {
        assertNotNull(event.eventId);
        assertNotNull(event.eventType);
        assertNotNull(event.dimensions);
        valid++;
      } else {
        reasons.merge(DeadLetterReason.valueOf(((String) first).split("\\|")[0]), 1, Integer::sum);
      }
    }

    // The mutations must exercise both outcomes and many reasons, or the test proves little.
    assertTrue(valid > 100, "valid: " + valid);
    assertTrue(reasons.size() >= 8, "reasons: " + reasons);
  }

  /** The event, or "REASON|field|detail" for a rejection; fails on any other throwable. */
  private static Object outcome(byte[] input) {
    try {
      return PARSER.parse(input);
    } catch (InvalidEventException e) {
      assertNotNull(e.reason());
      assertNotNull(e.detail());
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
          assertEquals(thrown, built, text);
        } else if (thrown != null) {
          // Only resolving can fail once the shape is right (February 30).
          assertTrue(thrown.contains("could not be parsed: "), thrown);
        }
      }
    }
    // 14 texts twice, less the 4 the offset formatter takes further (+25:00 and +38 among them:
    // it refuses their offsets by an exception, left to its parse) and the 1 of a local shape.
    assertEquals(23, unparsed, "texts without the shape of each formatter");
  }
}
