package dev.analytics.pipeline.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.DeadLetterReason;
import dev.analytics.pipeline.model.Priority;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParsePosition;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Parses one Kafka record value into a schema-v1 {@link AnalyticsEvent}, enforcing every rule of
 * the schema (docs/events.md, "Event schema, version 1").
 *
 * <p><b>Takes</b> the raw record bytes, which must be one UTF-8 JSON object. <b>Gives</b> a new
 * event with {@code weight} and {@code sampleRate} 1.0, {@code priority} null unless the record
 * carries an explicit one, {@code dimensions} never null, and {@code properties} holding the exact
 * bytes of the {@code properties} object as text (not re-serialized). <b>Guarantees</b> that any
 * record breaking a rule ends in an {@link InvalidEventException} naming the {@link
 * DeadLetterReason}, the offending field (null when the record as a whole is bad) and a detail
 * naming the rule; no other exception escapes for any input, and work is bounded by {@link
 * ParserSettings#maxRecordBytes()} (no recursion, so deep nesting cannot overflow the stack).
 *
 * <p>Checks run in this order, and the first failing one decides the reason: empty record, size,
 * UTF-8 validity, JSON syntax and nesting depth (including trailing content after the object), top
 * level is an object, then the field rules in document order, then required fields. Syntax is
 * verified over the whole record before a field-rule violation is reported, so a truncated record
 * is always {@code malformed_json}, never a misleading field error about its last value.
 *
 * <p>Decisions beyond the schema table:
 *
 * <ul>
 *   <li>A leading UTF-8 byte order mark (EF BB BF) is <b>accepted</b> and skipped: RFC 8259 §8.1
 *       lets parsers ignore it, some producers (.NET, Windows tools) emit it, and it carries no
 *       meaning. A BOM anywhere else (including a second one) is {@code malformed_json}.
 *   <li>Lengths are counted in Unicode code points, not bytes or UTF-16 units.
 *   <li>{@code NaN}, {@code Infinity} and {@code -Infinity} literals are {@code non_finite_number}
 *       wherever they appear, including unknown fields and {@code properties}; a number that
 *       overflows a double (such as {@code 1e400}) is {@code non_finite_number} in {@code value}
 *       and {@code timestamp}, and left alone elsewhere, where it is valid JSON.
 *   <li>A numeric timestamp may be written with a fraction or exponent if its value is integral
 *       ({@code 1.7e12}, {@code 1700000000000.0}); a non-zero fraction is {@code
 *       invalid_timestamp}.
 *   <li>Optional strings may be empty; only {@code event_id} and {@code event_type} must not be.
 *   <li>A whitespace-only record is {@code malformed_json} (it holds no JSON value); only a null or
 *       zero-length value is {@code empty_record}.
 * </ul>
 *
 * <p>Two paths, one answer: a record that is plainly valid is read straight from its bytes by
 * {@link WellFormedEventReader} (the common case, several times cheaper); any other record, and
 * every error, goes through the token-by-token path below, which alone defines the rules and writes
 * the details. The fast path gives an event only where this path gives an equal one.
 *
 * <p>Serializable so Flink can ship it inside a deserialization schema; the Jackson factory is
 * transient and rebuilt on deserialization. {@link #parse} keeps no state between calls and may be
 * called from several threads once the instance has been safely published.
 */
public final class EventParser implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  static final int MAX_ID_LENGTH = 128;
  static final int MAX_TYPE_LENGTH = 128;
  static final int MAX_OPTIONAL_STRING_LENGTH = 128;
  static final int MAX_DIMENSIONS = 16;
  static final int MAX_DIMENSION_KEY_LENGTH = 64;
  static final int MAX_DIMENSION_VALUE_LENGTH = 256;

  /** Longest numeric timestamp text looked at exactly; real epoch ms need about 20 characters. */
  private static final int MAX_NUMERIC_TIMESTAMP_TEXT = 64;

  /** Longest timestamp string handed to the date parser; ISO-8601 with nanos needs about 40. */
  private static final int MAX_TIMESTAMP_STRING = 64;

  /** How much of a user-supplied string a detail quotes. */
  private static final int MAX_QUOTE = 64;

  private static final String REDACTED_SOURCE =
      "Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); ";

  private static final String NAME_CHARS = "[A-Za-z0-9_.:-]";

  // Bits of the known top-level fields, for duplicate detection and required-field checks; shared
  // with the fast path. FIELD_NAMES lists the names in bit order (event_id is bit 0).
  static final int F_EVENT_ID = 1;
  static final int F_EVENT_TYPE = 1 << 1;
  static final int F_TIMESTAMP = 1 << 2;
  static final int F_VALUE = 1 << 3;
  static final int F_CATEGORY = 1 << 4;
  static final int F_PRIORITY = 1 << 5;
  static final int F_USER_ID = 1 << 6;
  static final int F_TENANT_ID = 1 << 7;
  static final int F_DIMENSIONS = 1 << 8;
  static final int F_PROPERTIES = 1 << 9;

  static final List<String> FIELD_NAMES =
      List.of(
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

  private final ParserSettings settings;

  // Rebuilt after deserialization: JsonFactory is not meant to travel, and its symbol table is
  // per-JVM state.
  private transient JsonFactory jsonFactory;

  // The common case's fast path; rebuilt after deserialization like the factory.
  private transient WellFormedEventReader wellFormed;

  /**
   * @param settings the limits to enforce; {@code maxRecordBytes} and {@code maxNestingDepth} must
   *     be positive and {@code minTimestamp < maxTimestamp}
   * @throws IllegalArgumentException for limits that would reject every record
   */
  public EventParser(ParserSettings settings) {
    Objects.requireNonNull(settings, "settings");
    if (settings.maxRecordBytes() <= 0) {
      throw new IllegalArgumentException(
          "maxRecordBytes must be positive, got " + settings.maxRecordBytes());
    }
    if (settings.maxNestingDepth() <= 0) {
      throw new IllegalArgumentException(
          "maxNestingDepth must be positive, got " + settings.maxNestingDepth());
    }
    if (settings.minTimestamp() >= settings.maxTimestamp()) {
      throw new IllegalArgumentException(
          "minTimestamp must be before maxTimestamp, got ["
              + settings.minTimestamp()
              + ", "
              + settings.maxTimestamp()
              + ")");
    }
    this.settings = settings;
    this.jsonFactory = newFactory(settings);
    this.wellFormed = new WellFormedEventReader(settings);
  }

  @Serial
  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    jsonFactory = newFactory(settings);
    wellFormed = new WellFormedEventReader(settings);
  }

  private static JsonFactory newFactory(ParserSettings settings) {
    return JsonFactory.builder()
        // Only so NaN/Infinity arrive as numbers and get a precise reason; they are rejected.
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        // Field names of hostile records must not pile up in the JVM-wide String pool.
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        // Many distinct names must degrade the symbol table, not throw IllegalStateException.
        .disable(JsonFactory.Feature.FAIL_ON_SYMBOL_HASH_OVERFLOW)
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(settings.maxNestingDepth())
                // The record size already bounds every token, and the methods used here read
                // long numbers in linear time, so Jackson's own length limits would only turn
                // valid records into errors with no fitting reason.
                .maxNumberLength(Integer.MAX_VALUE)
                .maxStringLength(Integer.MAX_VALUE)
                .maxNameLength(Integer.MAX_VALUE)
                .build())
        .build();
  }

  /**
   * Parses and validates one record.
   *
   * @param value the Kafka record value, possibly null
   * @return a new event, never null
   * @throws InvalidEventException with the reason, the field and a detail for any invalid record
   */
  public AnalyticsEvent parse(byte[] value) throws InvalidEventException {
    return parse(value, true);
  }

  /** The same answer as {@link #parse} without the fast path: for the tests that compare them. */
  AnalyticsEvent parseWithoutFastPath(byte[] value) throws InvalidEventException {
    return parse(value, false);
  }

  private AnalyticsEvent parse(byte[] value, boolean fastPath) throws InvalidEventException {
    if (value == null || value.length == 0) {
      throw new InvalidEventException(
          DeadLetterReason.EMPTY_RECORD,
          null,
          value == null ? "the record has no value" : "the record value is empty (0 bytes)");
    }
    if (value.length > settings.maxRecordBytes()) {
      throw new InvalidEventException(
          DeadLetterReason.RECORD_TOO_LARGE,
          null,
          "the record has "
              + value.length
              + " bytes, more than the limit of "
              + settings.maxRecordBytes()
              + " bytes");
    }
    boolean ascii = checkEncoding(value);
    AnalyticsEvent plain = fastPath ? wellFormed.read(value, ascii) : null;
    if (plain != null) {
      return plain;
    }
    if (hasUnstorableEscape(value)) {
      checkUnicode(value);
    }
    JsonParser p;
    try {
      p = jsonFactory.createParser(value);
    } catch (IOException e) {
      throw malformed(e, null);
    }
    // Not try-with-resources: its resources close before the catch clauses run, and the error
    // location must be read from the parser while it is still open.
    try {
      return readDocument(p, value);
    } catch (StreamConstraintsException e) {
      throw constraintViolation(e, p);
    } catch (IOException e) {
      // JsonProcessingException for syntax; reading a byte array cannot fail for I/O reasons.
      throw malformed(e, p);
    } finally {
      closeQuietly(p);
    }
  }

  private static void closeQuietly(JsonParser p) {
    try {
      // Returns Jackson's buffers to its recycler pool; cannot fail for a byte-array source.
      p.close();
    } catch (IOException e) {
      // Nothing was read from a stream, so there is nothing to report.
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Encoding

  /** Eight bytes of a byte array as one little-endian long; shared with the fast path. */
  static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static final long HIGH_BITS = 0x8080808080808080L;

  /** The index of the first byte >= 0x80, or the length: eight bytes at a time. */
  static int firstNonAscii(byte[] b) {
    int i = 0;
    for (int n = b.length - 7; i < n; i += 8) {
      if (((long) LONGS.get(b, i) & HIGH_BITS) != 0) {
        break;
      }
    }
    while (i < b.length && b[i] >= 0) {
      i++;
    }
    return i;
  }

  /** Refuses a record that is not UTF-8; tells whether it is all ASCII. */
  private static boolean checkEncoding(byte[] b) throws InvalidEventException {
    // Jackson guesses UTF-16/UTF-32 from NUL bytes among the first four, so "{\0}\0" would parse
    // as "{}". A raw NUL is never legal JSON, so such a record is malformed whatever follows.
    for (int i = 0, n = Math.min(4, b.length); i < n; i++) {
      if (b[i] == 0) {
        throw new InvalidEventException(
            DeadLetterReason.MALFORMED_JSON,
            null,
            "NUL byte at byte offset " + i + "; JSON does not allow raw control characters");
      }
    }
    int i = firstNonAscii(b);
    if (i == b.length) {
      return true; // all ASCII, the common case
    }
    // Strict decoder: rejects overlong forms, surrogates, truncated sequences, > U+10FFFF.
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    // Everything before i is ASCII, hence a character boundary; decode the rest in chunks so a
    // large record does not cost a full-size char buffer.
    ByteBuffer in = ByteBuffer.wrap(b, i, b.length - i);
    CharBuffer out = CharBuffer.allocate(Math.min(1024, b.length - i + 1));
    while (true) {
      CoderResult r = decoder.decode(in, out, true);
      if (r.isOverflow()) {
        out.clear();
      } else if (r.isError()) {
        throw invalidUtf8(b, in.position(), r.length());
      } else {
        break;
      }
    }
    out.clear();
    CoderResult r = decoder.flush(out);
    if (r.isError()) {
      throw invalidUtf8(b, in.position(), r.length());
    }
    return false;
  }

  private static InvalidEventException invalidUtf8(byte[] b, int offset, int length) {
    StringBuilder bytes = new StringBuilder();
    for (int k = offset; k < Math.min(b.length, offset + length); k++) {
      bytes.append(bytes.length() == 0 ? "" : " ").append(String.format("%02X", b[k] & 0xFF));
    }
    String what = offset + length >= b.length ? "truncated or malformed" : "malformed";
    return new InvalidEventException(
        DeadLetterReason.INVALID_UTF8,
        null,
        "invalid UTF-8 at byte offset "
            + offset
            + ": "
            + what
            + " sequence of "
            + length
            + " byte(s) ("
            + bytes
            + ")");
  }

  /**
   * Whether the record may hold {@code \\u0000} or a surrogate escape: the only ways a string of
   * strictly valid UTF-8 can decode to text no database stores as sent. Cheap and conservative
   * (escaped pairs such as emoji written as two escapes match too); {@link #checkUnicode} decides.
   */
  static boolean hasUnstorableEscape(byte[] b) {
    for (int i = 0, n = b.length - 5; i < n; i++) {
      if (b[i] == '\\') {
        if (b[i + 1] == 'u') {
          int first = Character.digit(b[i + 2], 16);
          if (first == 0xD && Character.digit(b[i + 3], 16) >= 8) {
            return true;
          }
          if (first == 0 && b[i + 3] == '0' && b[i + 4] == '0' && b[i + 5] == '0') {
            return true;
          }
        }
        i++; // the escaped character, so that an escaped backslash does not start an escape
      }
    }
    return false;
  }

  /**
   * Refuses a syntactically valid record any of whose names or strings holds an unpaired surrogate
   * or U+0000 ({@code invalid_unicode}): PostgreSQL's text and jsonb refuse U+0000, and its driver
   * and ClickHouse's UTF-8 turn every unpaired surrogate into {@code ?}, so two keys would become
   * one. A syntax error anywhere is left to the full parse, which reports it first.
   */
  private void checkUnicode(byte[] value) throws InvalidEventException {
    InvalidEventException found = null;
    try (JsonParser p = jsonFactory.createParser(value)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (found == null && (t == JsonToken.FIELD_NAME || t == JsonToken.VALUE_STRING)) {
          String s = t == JsonToken.FIELD_NAME ? p.currentName() : p.getText();
          int bad = firstUnstorable(s);
          if (bad >= 0) {
            found = invalidUnicode(p, t == JsonToken.FIELD_NAME, s, bad);
          }
        }
      }
    } catch (IOException e) {
      return;
    }
    if (found != null) {
      throw found;
    }
  }

  /** Index of the first U+0000 or unpaired surrogate of {@code s}, or -1. */
  static int firstUnstorable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0 || Character.isLowSurrogate(c)) {
        return i;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  private static InvalidEventException invalidUnicode(
      JsonParser p, boolean isName, String s, int bad) {
    // The names from the top of the document down to the string (for a name: down to its object).
    List<String> path = new ArrayList<>();
    for (JsonStreamContext c = p.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inObject() && c.getCurrentName() != null) {
        path.add(0, c.getCurrentName());
      }
    }
    if (isName) {
      path.remove(path.size() - 1);
    }
    String field;
    if (path.isEmpty()) {
      field = null;
    } else if (path.get(0).equals("dimensions") && path.size() == 2) {
      field = "dimensions." + fieldLabel(path.get(1));
    } else {
      field = fieldLabel(path.get(0));
    }
    char c = s.charAt(bad);
    String what =
        c == 0
            ? "U+0000 at index " + bad + "; PostgreSQL text and jsonb cannot store it"
            : String.format(
                "the unpaired surrogate U+%04X at index %d; UTF-8 cannot encode it (the databases"
                    + " would store '?')",
                (int) c, bad);
    return new InvalidEventException(
        DeadLetterReason.INVALID_UNICODE,
        field,
        (isName ? "a name" : "a string")
            + " at "
            + bounded(p.getParsingContext().pathAsPointer().toString())
            + " holds "
            + what);
  }

  // ---------------------------------------------------------------------------------------------
  // Document structure

  private AnalyticsEvent readDocument(JsonParser p, byte[] bytes)
      throws IOException, InvalidEventException {
    JsonToken first = p.nextToken();
    if (first == null) {
      throw new InvalidEventException(
          DeadLetterReason.MALFORMED_JSON, null, "the record holds only whitespace, no JSON value");
    }
    if (first != JsonToken.START_OBJECT) {
      // "Not an object" is for valid JSON only: check the rest before saying so.
      p.skipChildren();
      expectEndOfInput(p);
      throw new InvalidEventException(
          DeadLetterReason.NOT_AN_OBJECT,
          null,
          "the record must be a JSON object, found " + article(first));
    }
    AnalyticsEvent event = new AnalyticsEvent();
    try {
      readFields(p, bytes, event);
    } catch (InvalidEventException fieldError) {
      // Syntax errors anywhere in the record take precedence over field rules.
      skipToEndOfRoot(p);
      expectEndOfInput(p);
      throw fieldError;
    }
    expectEndOfInput(p);
    return event;
  }

  private static void skipToEndOfRoot(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    while (!(t != null && t.isStructEnd() && p.getParsingContext().inRoot())) {
      t = p.nextToken();
      if (t == null) {
        // Jackson reports unclosed objects itself; this only guards against looping forever.
        throw new JsonParseException(p, "Unexpected end-of-input inside the top-level object");
      }
    }
  }

  private static void expectEndOfInput(JsonParser p) throws IOException, InvalidEventException {
    JsonToken t = p.nextToken();
    if (t != null) {
      JsonLocation at = p.currentTokenLocation();
      throw new InvalidEventException(
          DeadLetterReason.MALFORMED_JSON,
          null,
          "trailing content after the top-level value: "
              + article(t)
              + " at line "
              + at.getLineNr()
              + ", column "
              + at.getColumnNr());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Fields

  private void readFields(JsonParser p, byte[] bytes, AnalyticsEvent event)
      throws IOException, InvalidEventException {
    int seen = 0;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      int bit = fieldBit(name);
      if (bit != 0) {
        if ((seen & bit) != 0) {
          throw duplicateField(name);
        }
        seen |= bit;
      }
      JsonToken v = nextValue(p, bit != 0 ? name : fieldLabel(name));
      switch (bit) {
        case F_EVENT_ID -> event.eventId = requiredString(p, v, name, MAX_ID_LENGTH);
        case F_EVENT_TYPE -> event.eventType = eventType(p, v);
        case F_TIMESTAMP -> event.timestamp = timestamp(p, v);
        case F_VALUE -> readValue(p, v, event);
        case F_CATEGORY -> event.category = optionalString(p, v, name);
        case F_PRIORITY -> event.priority = priority(p, v);
        case F_USER_ID -> event.userId = optionalString(p, v, name);
        case F_TENANT_ID -> event.tenantId = optionalString(p, v, name);
        case F_DIMENSIONS -> readDimensions(p, v, event);
        case F_PROPERTIES -> event.properties = properties(p, v, bytes);
        default -> skipValue(p, v, fieldLabel(name));
      }
    }
    if (t != JsonToken.END_OBJECT) {
      // Jackson only yields FIELD_NAME or END_OBJECT inside an object; guard regardless.
      throw new JsonParseException(p, "Unexpected token " + t + " in the top-level object");
    }
    requirePresent(seen, F_EVENT_ID, "event_id");
    requirePresent(seen, F_EVENT_TYPE, "event_type");
    requirePresent(seen, F_TIMESTAMP, "timestamp");
  }

  private static int fieldBit(String name) {
    int k = FIELD_NAMES.indexOf(name);
    return k < 0 ? 0 : 1 << k;
  }

  private static void requirePresent(int seen, int bit, String name) throws InvalidEventException {
    if ((seen & bit) == 0) {
      throw absent(name);
    }
  }

  /** Advances to the next value, rejecting NaN/Infinity literals at once, wherever they are. */
  private static JsonToken nextValue(JsonParser p, String field)
      throws IOException, InvalidEventException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NUMBER_FLOAT && p.isNaN()) {
      // isNaN() is true only for the literals here: ordinary numbers are not decoded yet.
      throw nonFinite(p, field);
    }
    return t;
  }

  private static InvalidEventException nonFinite(JsonParser p, String field) throws IOException {
    return new InvalidEventException(
        DeadLetterReason.NON_FINITE_NUMBER,
        field,
        p.getText()
            + " at "
            + bounded(p.getParsingContext().pathAsPointer().toString())
            + " is not a finite number; JSON has no NaN or Infinity");
  }

  private static String requiredString(JsonParser p, JsonToken v, String field, int maxLength)
      throws IOException, InvalidEventException {
    if (v == JsonToken.VALUE_NULL) {
      throw nullRequired(field);
    }
    if (v != JsonToken.VALUE_STRING) {
      throw wrongType(field, "a string", v);
    }
    String s = p.getText();
    if (s.isEmpty()) {
      throw emptyRequired(field);
    }
    checkLength(field, s, maxLength);
    return s;
  }

  private static String optionalString(JsonParser p, JsonToken v, String field)
      throws IOException, InvalidEventException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.VALUE_STRING) {
      throw wrongType(field, "a string or null", v);
    }
    String s = p.getText();
    checkLength(field, s, MAX_OPTIONAL_STRING_LENGTH);
    return s;
  }

  private static void checkLength(String field, String s, int maxLength)
      throws InvalidEventException {
    // Code points never exceed UTF-16 units, so counting is needed only for long strings.
    if (s.length() > maxLength) {
      int codePoints = s.codePointCount(0, s.length());
      if (codePoints > maxLength) {
        throw tooLong(field, codePoints, maxLength);
      }
    }
  }

  private static String eventType(JsonParser p, JsonToken v)
      throws IOException, InvalidEventException {
    String s = requiredString(p, v, "event_type", MAX_TYPE_LENGTH);
    InvalidEventException forbidden = forbiddenInEventType(s);
    if (forbidden != null) {
      throw forbidden;
    }
    return s;
  }

  /** Index of the first character outside {@code [A-Za-z0-9_.:-]}, or -1. */
  static int firstNonNameChar(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '.'
              || c == ':'
              || c == '-';
      if (!ok) {
        return i;
      }
    }
    return -1;
  }

  private long timestamp(JsonParser p, JsonToken v) throws IOException, InvalidEventException {
    return switch (v) {
      case VALUE_STRING -> isoTimestamp(p.getText());
      case VALUE_NUMBER_INT -> {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw new InvalidEventException(
              DeadLetterReason.TIMESTAMP_OUT_OF_RANGE,
              "timestamp",
              "timestamp " + quote(p.getText()) + " does not fit in 64-bit epoch milliseconds");
        }
        yield checkRange(p.getLongValue(), true);
      }
      case VALUE_NUMBER_FLOAT -> checkRange(integralMillis(p), true);
      case VALUE_NULL -> throw nullRequired("timestamp");
      default -> throw wrongType("timestamp", "a string or a number", v);
    };
  }

  private static long integralMillis(JsonParser p) throws IOException, InvalidEventException {
    double d = p.getDoubleValue();
    if (!Double.isFinite(d)) {
      throw new InvalidEventException(
          DeadLetterReason.NON_FINITE_NUMBER,
          "timestamp",
          "timestamp " + quote(p.getText()) + " overflows a double");
    }
    String text = p.getText();
    if (text.length() > MAX_NUMERIC_TIMESTAMP_TEXT) {
      // Bounds the exact decimal arithmetic below; no real timestamp is written this long.
      throw new InvalidEventException(
          DeadLetterReason.INVALID_TIMESTAMP,
          "timestamp",
          "timestamp number has "
              + text.length()
              + " characters, more than "
              + MAX_NUMERIC_TIMESTAMP_TEXT
              + "; expected integral epoch milliseconds");
    }
    // Exact: 1700000000000.0000001 is fractional even though it rounds to an integral double.
    BigDecimal exact = new BigDecimal(text);
    if (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
      throw new InvalidEventException(
          DeadLetterReason.INVALID_TIMESTAMP,
          "timestamp",
          "timestamp " + quote(text) + " has a fraction; expected integral epoch milliseconds");
    }
    try {
      return exact.longValueExact();
    } catch (ArithmeticException e) {
      throw new InvalidEventException(
          DeadLetterReason.TIMESTAMP_OUT_OF_RANGE,
          "timestamp",
          "timestamp " + quote(text) + " does not fit in 64-bit epoch milliseconds");
    }
  }

  private long isoTimestamp(String text) throws InvalidEventException {
    if (text.length() > MAX_TIMESTAMP_STRING) {
      throw new InvalidEventException(
          DeadLetterReason.INVALID_TIMESTAMP,
          "timestamp",
          "timestamp string has "
              + text.length()
              + " characters, too long for ISO-8601 with an offset");
    }
    long fast = fastIsoMillis(text);
    if (fast != NOT_FAST) {
      return checkRange(fast, false);
    }
    byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
    if (WellFormedEventReader.isLocalDateTime(latin1, 0, latin1.length)) {
      throw withoutZone(text); // the common mistake, known without the formatter's exceptions
    }
    // Text that does not even have the shape is refused without the formatter's exception (whose
    // stack trace costs more than the rest of the record), in the formatter's own words.
    String unparsed = unparsedMessage(DateTimeFormatter.ISO_OFFSET_DATE_TIME, text);
    if (unparsed != null) {
      throw isLocalDateTime(text) ? withoutZone(text) : notIsoOffset(text, unparsed);
    }
    Instant instant;
    try {
      instant =
          DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text, OffsetDateTime::from).toInstant();
    } catch (DateTimeException e) {
      throw isLocalDateTime(text) ? withoutZone(text) : notIsoOffset(text, e.getMessage());
    }
    long millis;
    try {
      millis = instant.toEpochMilli();
    } catch (ArithmeticException e) {
      throw new InvalidEventException(
          DeadLetterReason.TIMESTAMP_OUT_OF_RANGE,
          "timestamp",
          "timestamp " + quote(text) + " does not fit in 64-bit epoch milliseconds");
    }
    return checkRange(millis, false);
  }

  /** Returned by {@link #fastIsoMillis} for text it leaves to the full formatter. */
  static final long NOT_FAST = Long.MIN_VALUE;

  /**
   * Epoch milliseconds of the common form {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)}, or {@link
   * #NOT_FAST} for anything else, including invalid dates. The formatter costs about 1.7 µs per
   * call, several times the rest of the parse; this path accepts only text that {@link
   * DateTimeFormatter#ISO_OFFSET_DATE_TIME} accepts too, with the same result, and leaves every
   * other case (and every error message) to it.
   */
  static long fastIsoMillis(String s) {
    // Characters beyond Latin-1 become '?', which the reader refuses like any non-digit.
    return WellFormedEventReader.isoMillis(s.getBytes(StandardCharsets.ISO_8859_1), 0, s.length());
  }

  private static boolean isLocalDateTime(String text) {
    if (unparsedMessage(DateTimeFormatter.ISO_LOCAL_DATE_TIME, text) != null) {
      return false;
    }
    try {
      DateTimeFormatter.ISO_LOCAL_DATE_TIME.parse(text);
      return true;
    } catch (DateTimeException e) {
      return false; // a field out of range, such as February 30
    }
  }

  private static InvalidEventException notIsoOffset(String text, String why) {
    return new InvalidEventException(
        DeadLetterReason.INVALID_TIMESTAMP,
        "timestamp",
        "timestamp "
            + quote(text)
            + " is not ISO-8601 date-time with an offset (e.g. 2024-05-01T12:00:00Z): "
            + why);
  }

  /**
   * The message of the {@link java.time.format.DateTimeParseException} that {@code
   * formatter.parse(text)} throws because the text does not have the formatter's shape, built
   * without throwing it (as {@code DateTimeFormatter.parseResolved0} builds it); null if the text
   * has the shape, when only resolving it (a day that does not exist, say) can still fail.
   */
  static String unparsedMessage(DateTimeFormatter formatter, String text) {
    ParsePosition position = new ParsePosition(0);
    TemporalAccessor parsed;
    try {
      parsed = formatter.parseUnresolved(text, position);
    } catch (DateTimeException e) {
      return null; // an offset such as +38: the formatter's parse says so in its own way
    }
    if (parsed != null && position.getErrorIndex() < 0 && position.getIndex() >= text.length()) {
      return null;
    }
    String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
    return position.getErrorIndex() >= 0
        ? "Text '" + shown + "' could not be parsed at index " + position.getErrorIndex()
        : "Text '"
            + shown
            + "' could not be parsed, unparsed text found at index "
            + position.getIndex();
  }

  private long checkRange(long millis, boolean numeric) throws InvalidEventException {
    InvalidEventException outside =
        outOfRange(millis, numeric, settings.minTimestamp(), settings.maxTimestamp());
    if (outside != null) {
      throw outside;
    }
    return millis;
  }

  /**
   * The error of a timestamp outside {@code [min, max)}, or null; {@code numeric}: it was written
   * as a number (then epoch seconds are recognised).
   */
  static InvalidEventException outOfRange(long millis, boolean numeric, long min, long max) {
    if (millis >= min && millis < max) {
      return null;
    }
    StringBuilder detail =
        new StringBuilder("timestamp ")
            .append(millis)
            .append(" (")
            .append(Instant.ofEpochMilli(millis))
            .append(") is outside [")
            .append(Instant.ofEpochMilli(min))
            .append(", ")
            .append(Instant.ofEpochMilli(max))
            .append(")");
    if (numeric && millis > -Long.MAX_VALUE / 1000 && millis < Long.MAX_VALUE / 1000) {
      long asSeconds = millis * 1000;
      if (asSeconds >= min && asSeconds < max) {
        detail.append("; it looks like epoch seconds, but epoch milliseconds are expected");
      }
    }
    return new InvalidEventException(
        DeadLetterReason.TIMESTAMP_OUT_OF_RANGE, "timestamp", detail.toString());
  }

  private static void readValue(JsonParser p, JsonToken v, AnalyticsEvent event)
      throws IOException, InvalidEventException {
    if (v == JsonToken.VALUE_NULL) {
      return;
    }
    if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
      throw wrongType("value", "a number or null", v);
    }
    double d = p.getDoubleValue();
    if (!Double.isFinite(d)) {
      throw overflowingValue(p.getText());
    }
    event.value = d;
    event.hasValue = true;
  }

  private static Priority priority(JsonParser p, JsonToken v)
      throws IOException, InvalidEventException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.VALUE_STRING) {
      throw wrongType("priority", "a string or null", v);
    }
    String s = p.getText();
    Priority priority = priorityNamed(s);
    if (priority == null) {
      throw invalidPriority(s);
    }
    return priority;
  }

  /** The priority a record's text names, in any case; null if none: shared with the fast path. */
  static Priority priorityNamed(String s) {
    if (s.equalsIgnoreCase("high")) {
      return Priority.HIGH;
    }
    if (s.equalsIgnoreCase("normal")) {
      return Priority.NORMAL;
    }
    if (s.equalsIgnoreCase("low")) {
      return Priority.LOW;
    }
    return null;
  }

  private static void readDimensions(JsonParser p, JsonToken v, AnalyticsEvent event)
      throws IOException, InvalidEventException {
    if (v == JsonToken.VALUE_NULL) {
      return;
    }
    if (v != JsonToken.START_OBJECT) {
      throw wrongType("dimensions", "an object or null", v);
    }
    int count = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      if (++count > MAX_DIMENSIONS) {
        throw tooManyDimensions();
      }
      InvalidEventException badKey = invalidDimensionKey(key);
      if (badKey != null) {
        throw badKey;
      }
      // The field's name ("dimensions." + key) is built only for an error: this is the hot path.
      if (event.dimensions.containsKey(key)) {
        throw duplicateDimension(key);
      }
      JsonToken t = p.nextToken();
      if (t != JsonToken.VALUE_STRING) {
        if (t == JsonToken.VALUE_NUMBER_FLOAT && p.isNaN()) {
          throw nonFinite(p, "dimensions." + key);
        }
        throw wrongType("dimensions." + key, "a string", t);
      }
      String s = p.getText();
      if (s.length() > MAX_DIMENSION_VALUE_LENGTH) {
        checkLength("dimensions." + key, s, MAX_DIMENSION_VALUE_LENGTH);
      }
      event.dimensions.put(key, s);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Rule violations, shared with the fast path so that both report every one in the same words

  static InvalidEventException duplicateField(String name) {
    return new InvalidEventException(
        DeadLetterReason.DUPLICATE_FIELD, name, "field " + name + " appears more than once");
  }

  static InvalidEventException absent(String field) {
    return new InvalidEventException(
        DeadLetterReason.MISSING_FIELD, field, "required field " + field + " is absent");
  }

  static InvalidEventException nullRequired(String field) {
    return new InvalidEventException(
        DeadLetterReason.MISSING_FIELD, field, "required field " + field + " is null");
  }

  static InvalidEventException emptyRequired(String field) {
    return new InvalidEventException(
        DeadLetterReason.EMPTY_FIELD, field, "required field " + field + " is an empty string");
  }

  static InvalidEventException tooLong(String field, int codePoints, int maxLength) {
    return new InvalidEventException(
        DeadLetterReason.FIELD_TOO_LONG,
        field,
        field + " has " + codePoints + " characters, more than the limit of " + maxLength);
  }

  /** The error of an event type with a character outside the allowed set, or null. */
  static InvalidEventException forbiddenInEventType(String s) {
    int bad = firstNonNameChar(s);
    if (bad < 0) {
      return null;
    }
    return new InvalidEventException(
        DeadLetterReason.INVALID_EVENT_TYPE,
        "event_type",
        "event_type "
            + quote(s)
            + " has the forbidden character "
            + describeChar(s, bad)
            + " at index "
            + bad
            + "; allowed are "
            + NAME_CHARS);
  }

  /** {@code text}: the number as written in the record. */
  static InvalidEventException overflowingValue(String text) {
    return new InvalidEventException(
        DeadLetterReason.NON_FINITE_NUMBER,
        "value",
        "value " + quote(text) + " overflows a double");
  }

  static InvalidEventException invalidPriority(String s) {
    return new InvalidEventException(
        DeadLetterReason.INVALID_PRIORITY,
        "priority",
        "priority " + quote(s) + " is not one of high, normal, low");
  }

  static InvalidEventException withoutZone(String timestamp) {
    return new InvalidEventException(
        DeadLetterReason.INVALID_TIMESTAMP,
        "timestamp",
        "timestamp "
            + quote(timestamp)
            + " has no zone or offset; append Z or an offset such as +02:00");
  }

  static InvalidEventException tooManyDimensions() {
    return new InvalidEventException(
        DeadLetterReason.TOO_MANY_DIMENSIONS,
        "dimensions",
        "dimensions has more than " + MAX_DIMENSIONS + " entries");
  }

  static InvalidEventException duplicateDimension(String key) {
    return new InvalidEventException(
        DeadLetterReason.DUPLICATE_FIELD,
        "dimensions." + key,
        "dimension " + key + " appears more than once");
  }

  /** The error of a dimension key that is empty, too long or has a forbidden character; or null. */
  static InvalidEventException invalidDimensionKey(String key) {
    String problem;
    if (key.isEmpty()) {
      problem = "is empty";
    } else if (key.length() > MAX_DIMENSION_KEY_LENGTH) {
      problem =
          "has "
              + key.codePointCount(0, key.length())
              + " characters, more than the limit of "
              + MAX_DIMENSION_KEY_LENGTH;
    } else {
      int bad = firstNonNameChar(key);
      if (bad < 0) {
        return null;
      }
      problem =
          "has the forbidden character "
              + describeChar(key, bad)
              + " at index "
              + bad
              + "; allowed are "
              + NAME_CHARS;
    }
    return new InvalidEventException(
        DeadLetterReason.INVALID_DIMENSION_KEY,
        "dimensions",
        "dimension key " + quote(key) + " " + problem);
  }

  private static String properties(JsonParser p, JsonToken v, byte[] bytes)
      throws IOException, InvalidEventException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.START_OBJECT) {
      throw wrongType("properties", "an object or null", v);
    }
    // Byte offsets are exact for byte[] input (a skipped BOM is counted too), so the slice is
    // the object exactly as sent.
    int start = (int) p.currentTokenLocation().getByteOffset();
    skipValue(p, v, "properties");
    int end = (int) p.currentLocation().getByteOffset();
    return new String(bytes, start, end - start, StandardCharsets.UTF_8);
  }

  /**
   * Skips the value whose first token is {@code first}, iteratively (no recursion), checking
   * syntax, nesting (Jackson) and NaN/Infinity literals (here). Like skipChildren(), which loops
   * over nextToken() the same way, but it cannot see the literals.
   */
  private static void skipValue(JsonParser p, JsonToken first, String field)
      throws IOException, InvalidEventException {
    if (first != JsonToken.START_OBJECT && first != JsonToken.START_ARRAY) {
      return;
    }
    int open = 1;
    while (open > 0) {
      JsonToken t = nextValue(p, field);
      if (t == null) {
        throw new JsonParseException(p, "Unexpected end-of-input in " + field);
      }
      if (t.isStructStart()) {
        open++;
      } else if (t.isStructEnd()) {
        open--;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Errors

  private static InvalidEventException wrongType(String field, String expected, JsonToken got) {
    return wrongType(field, expected, typeName(got));
  }

  /** {@code got}: string, number, boolean, null, object or array. */
  static InvalidEventException wrongType(String field, String expected, String got) {
    return new InvalidEventException(
        DeadLetterReason.WRONG_TYPE, field, field + ": expected " + expected + ", got " + got);
  }

  private static String typeName(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      case START_OBJECT -> "object";
      case START_ARRAY -> "array";
      default -> t.name();
    };
  }

  private static String article(JsonToken t) {
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_NULL -> "null";
      default -> "a " + typeName(t);
    };
  }

  private static InvalidEventException malformed(IOException e, JsonParser p) {
    String message =
        e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    if (message == null) {
      message = e.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    if (newline >= 0) {
      message = message.substring(0, newline);
    }
    // Jackson names the (redacted) source in nested locations; it says nothing useful here.
    message = message.replace(REDACTED_SOURCE, "");
    if (message.startsWith("Invalid UTF-8")) {
      // The bytes were verified as UTF-8 already; Jackson says this about any non-ASCII
      // character where a value or the end of input was expected.
      message = "Unexpected non-ASCII character outside a string [Jackson: " + message + "]";
    }
    JsonLocation at = e instanceof JsonProcessingException jpe ? jpe.getLocation() : null;
    if (at == null && p != null) {
      at = p.currentLocation();
    }
    if (at != null) {
      message += " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }
    return new InvalidEventException(DeadLetterReason.MALFORMED_JSON, null, message);
  }

  private InvalidEventException constraintViolation(StreamConstraintsException e, JsonParser p) {
    String message = e.getOriginalMessage();
    if (message == null || !message.contains("nesting depth")) {
      // Other limits are disabled in newFactory(); if one fires anyway it is still a bad record.
      return malformed(e, p);
    }
    JsonLocation at = p.currentLocation();
    return new InvalidEventException(
        DeadLetterReason.NESTING_TOO_DEEP,
        null,
        "JSON nesting deeper than "
            + settings.maxNestingDepth()
            + " levels (the top-level object is level 1) at line "
            + at.getLineNr()
            + ", column "
            + at.getColumnNr());
  }

  /** An unknown field's name as reported in {@link InvalidEventException#field()}: bounded. */
  private static String fieldLabel(String name) {
    return bounded(name);
  }

  /**
   * A user-supplied string for a detail, unquoted: cut so a detail stays small, a pair never split,
   * and U+0000 and unpaired surrogates shown as U+FFFD so that the dead letter itself is storable.
   */
  private static String bounded(String s) {
    return storable(s.length() <= MAX_QUOTE ? s : cut(s) + "...");
  }

  /** A user-supplied string for a detail: quoted, cut and storable like {@link #bounded}. */
  private static String quote(String s) {
    if (s.length() <= MAX_QUOTE) {
      return "'" + storable(s) + "'";
    }
    return "'" + storable(cut(s)) + "...' (" + s.length() + " chars)";
  }

  private static String cut(String s) {
    int cut = MAX_QUOTE;
    if (Character.isHighSurrogate(s.charAt(cut - 1))) {
      cut--;
    }
    return s.substring(0, cut);
  }

  private static String storable(String s) {
    int bad = firstUnstorable(s);
    if (bad < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pair =
          Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1));
      if (pair) {
        out.append(c).append(s.charAt(++i));
      } else {
        out.append(c == 0 || Character.isSurrogate(c) ? '\uFFFD' : c);
      }
    }
    return out.toString();
  }

  private static String describeChar(String s, int index) {
    int cp = s.codePointAt(index);
    // U+%04X without java.util.Formatter, which costs more than the rest of a rejection.
    String hex = Integer.toHexString(cp).toUpperCase(Locale.ROOT);
    return "'"
        + new String(Character.toChars(cp))
        + "' (U+"
        + "0".repeat(Math.max(0, 4 - hex.length()))
        + hex
        + ")";
  }
}
