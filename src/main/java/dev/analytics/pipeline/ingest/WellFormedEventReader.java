package dev.analytics.pipeline.ingest;

import dev.analytics.pipeline.model.AnalyticsEvent;
import dev.analytics.pipeline.model.Priority;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.YearMonth;

/**
 * Reads the common case, a well-formed schema-v1 record, straight from its bytes, several times
 * faster than the token-by-token path of {@link EventParser} (no parser object per record, no
 * intermediate text buffers, numbers read in place).
 *
 * <p><b>Takes</b> a record that {@link EventParser} has already checked for size and UTF-8
 * validity. <b>Gives</b> the event of a plainly valid record, or <b>throws</b> the rule violation
 * of a plain record that breaks a rule of a field (a wrong type, a missing, empty, duplicate or too
 * long field, a forbidden character, a timestamp out of range, too many dimensions...), or gives
 * null whenever the record is anything but plain: a syntax error anywhere, a string with an escape
 * sequence in a field that is kept, a fractional or very long numeric timestamp, a byte order mark,
 * a timestamp text the fast ISO reader leaves to the formatter, nesting near the limit, anything it
 * does not recognise. <b>Guarantees</b> that an event it gives is equal, field for field and bit
 * for bit, to the one {@link EventParser}'s full path gives for the same bytes, and that a
 * violation it throws has the reason, field and detail the full path reports: the first violation
 * in document order, reported only once the rest of the record has been checked for syntax (which
 * the full path reports first), in words built by the same {@code EventParser} methods. Null only
 * costs the full path. {@code WellFormedEventReaderTest} checks the equality over the generator's
 * traffic, the bad-record corpus and random mutations of both.
 *
 * <p>JSON syntax is checked strictly (RFC 8259, which Jackson's defaults also follow) over the
 * whole record, including unknown fields and {@code properties}, because a record is only valid if
 * all of it is. Stateless and thread-safe.
 */
final class WellFormedEventReader {
  private static final int MAX_LONG_DIGITS = 18;
  private static final long MAX_EXACT_MANTISSA = 1L << 53;

  /** Exact powers of ten: every one up to 1e22 is a double without rounding. */
  private static final double[] POWERS_OF_TEN = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };

  /** {@link EventParser#FIELD_NAMES} as bytes: the name at index k is the field of bit 1 << k. */
  private static final byte[][] FIELD_NAMES =
      EventParser.FIELD_NAMES.stream().map(WellFormedEventReader::ascii).toArray(byte[][]::new);

  private static final int REQUIRED =
      EventParser.F_EVENT_ID | EventParser.F_EVENT_TYPE | EventParser.F_TIMESTAMP;

  /** Thrown (without a stack) to leave the record to the full path from any depth. */
  private static final class NotPlain extends Exception {
    private static final long serialVersionUID = 1L;

    NotPlain() {
      super(null, null, false, false);
    }
  }

  private static final NotPlain NOT_PLAIN = new NotPlain();

  private final ParserSettings settings;

  WellFormedEventReader(ParserSettings settings) {
    this.settings = settings;
  }

  /**
   * The event of a plainly valid record, or null to leave it to the full path.
   *
   * @throws InvalidEventException the first rule a plain record breaks
   */
  AnalyticsEvent read(byte[] b) throws InvalidEventException {
    return read(b, EventParser.firstNonAscii(b) == b.length);
  }

  /**
   * As {@link #read(byte[])}, for a caller that knows whether the record is all ASCII.
   *
   * @param ascii true if every byte is below 0x80 (then strings need no decoding)
   */
  AnalyticsEvent read(byte[] b, boolean ascii) throws InvalidEventException {
    try {
      return new Cursor(b, ascii).document();
    } catch (NotPlain | RuntimeException e) {
      // RuntimeException: an index past the end of a truncated record, for instance. The full
      // path decides what such a record is.
      return null;
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** One pass over one record. */
  private final class Cursor {
    private final byte[] b;
    private final boolean ascii;
    private int i;

    /** Where the value of the member being read starts. */
    private int valueStart;

    Cursor(byte[] b, boolean ascii) {
      this.b = b;
      this.ascii = ascii;
    }

    AnalyticsEvent document() throws NotPlain, InvalidEventException {
      skipSpace();
      expect('{');
      AnalyticsEvent event = new AnalyticsEvent();
      int seen = 0;
      InvalidEventException broken = null;
      skipSpace();
      if (b[i] != '}') {
        while (true) {
          if (broken == null) {
            try {
              seen |= field(event, seen);
            } catch (InvalidEventException e) {
              // Like the full path: the first violation stands, the rest is only checked for
              // syntax, whose errors come first.
              broken = e;
              i = valueStart;
              skipValue();
            }
          } else {
            memberName();
            skipValue();
          }
          skipSpace();
          if (b[i] == ',') {
            i++;
            skipSpace();
            continue;
          }
          break;
        }
      }
      expect('}');
      skipSpace();
      if (i != b.length) {
        throw NOT_PLAIN;
      }
      if (broken != null) {
        throw broken;
      }
      if ((seen & REQUIRED) != REQUIRED) {
        throw EventParser.absent(
            (seen & EventParser.F_EVENT_ID) == 0
                ? "event_id"
                : (seen & EventParser.F_EVENT_TYPE) == 0 ? "event_type" : "timestamp");
      }
      return event;
    }

    /** Reads one top-level member; gives the bit of the known field it set, or 0. */
    private int field(AnalyticsEvent event, int seen) throws NotPlain, InvalidEventException {
      expect('"');
      int nameStart = i;
      // Names with escapes are left to the full path: "event\u005fid" is event_id.
      int nameEnd = closingQuote(b, nameStart);
      i = nameEnd + 1;
      skipSpace();
      expect(':');
      skipSpace();
      valueStart = i;
      int bit = fieldBit(nameStart, nameEnd - nameStart);
      if ((seen & bit) != 0) {
        throw EventParser.duplicateField(
            EventParser.FIELD_NAMES.get(Integer.numberOfTrailingZeros(bit)));
      }
      switch (bit) {
        case EventParser.F_EVENT_ID ->
            event.eventId = requiredString("event_id", EventParser.MAX_ID_LENGTH);
        case EventParser.F_EVENT_TYPE -> {
          String type = requiredString("event_type", EventParser.MAX_TYPE_LENGTH);
          InvalidEventException forbidden = EventParser.forbiddenInEventType(type);
          if (forbidden != null) {
            throw forbidden;
          }
          event.eventType = type;
        }
        case EventParser.F_TIMESTAMP -> event.timestamp = timestamp();
        case EventParser.F_VALUE -> {
          if (!literalNull()) {
            if (!startsNumber()) {
              throw EventParser.wrongType("value", "a number or null", typeName());
            }
            int start = i;
            double d = number();
            if (!Double.isFinite(d)) {
              throw EventParser.overflowingValue(
                  new String(b, start, i - start, StandardCharsets.ISO_8859_1));
            }
            event.value = d;
            event.hasValue = true;
          }
        }
        case EventParser.F_CATEGORY -> event.category = optionalString("category");
        case EventParser.F_PRIORITY -> event.priority = priority();
        case EventParser.F_USER_ID -> event.userId = optionalString("user_id");
        case EventParser.F_TENANT_ID -> event.tenantId = optionalString("tenant_id");
        case EventParser.F_DIMENSIONS -> dimensions(event);
        case EventParser.F_PROPERTIES -> {
          if (!literalNull()) {
            if (b[i] != '{') {
              throw EventParser.wrongType("properties", "an object or null", typeName());
            }
            int start = i;
            skipValue();
            event.properties = new String(b, start, i - start, StandardCharsets.UTF_8);
          }
        }
        default -> skipValue();
      }
      return bit;
    }

    /** The bit of a known field, matched on the raw bytes of a name without escapes; or 0. */
    private int fieldBit(int at, int length) {
      for (int k = 0; k < FIELD_NAMES.length; k++) {
        if (FIELD_NAMES[k].length == length && is(FIELD_NAMES[k], at)) {
          return 1 << k;
        }
      }
      return 0;
    }

    private boolean is(byte[] name, int at) {
      for (int k = 0; k < name.length; k++) {
        if (b[at + k] != name[k]) {
          return false;
        }
      }
      return true;
    }

    // -------------------------------------------------------------------------------------------
    // Field values

    private String requiredString(String field, int maxLength)
        throws NotPlain, InvalidEventException {
      if (b[i] != '"') {
        if (literalNull()) {
          throw EventParser.nullRequired(field);
        }
        throw EventParser.wrongType(field, "a string", typeName());
      }
      String s = string();
      if (s.isEmpty()) {
        throw EventParser.emptyRequired(field);
      }
      limit(s, maxLength, field);
      return s;
    }

    private String optionalString(String field) throws NotPlain, InvalidEventException {
      if (literalNull()) {
        return null;
      }
      if (b[i] != '"') {
        throw EventParser.wrongType(field, "a string or null", typeName());
      }
      String s = string();
      limit(s, EventParser.MAX_OPTIONAL_STRING_LENGTH, field);
      return s;
    }

    /** A string value without escapes. */
    private String string() throws NotPlain {
      expect('"');
      int start = i;
      int end = closingQuote(b, start);
      i = end + 1;
      return new String(
          b, start, end - start, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    private Priority priority() throws NotPlain, InvalidEventException {
      if (literalNull()) {
        return null;
      }
      if (b[i] != '"') {
        throw EventParser.wrongType("priority", "a string or null", typeName());
      }
      String s = string();
      Priority priority = EventParser.priorityNamed(s);
      if (priority == null) {
        throw EventParser.invalidPriority(s);
      }
      return priority;
    }

    private long timestamp() throws NotPlain, InvalidEventException {
      long millis;
      boolean numeric = false;
      if (b[i] == '"') {
        int start = ++i;
        int end = closingQuote(b, start);
        i = end + 1;
        millis = isoMillis(b, start, end - start);
        if (millis == EventParser.NOT_FAST) {
          if (isLocalDateTime(b, start, end - start)) {
            throw EventParser.withoutZone(
                new String(b, start, end - start, StandardCharsets.ISO_8859_1));
          }
          throw NOT_PLAIN;
        }
      } else if (startsNumber()) {
        millis = integer();
        numeric = true;
      } else if (literalNull()) {
        throw EventParser.nullRequired("timestamp");
      } else {
        throw EventParser.wrongType("timestamp", "a string or a number", typeName());
      }
      InvalidEventException outside =
          EventParser.outOfRange(millis, numeric, settings.minTimestamp(), settings.maxTimestamp());
      if (outside != null) {
        throw outside;
      }
      return millis;
    }

    private boolean startsNumber() {
      return b[i] == '-' || (b[i] >= '0' && b[i] <= '9');
    }

    /**
     * The JSON type of the value at the cursor, named as the full path names it in a wrong-type
     * error; only a first byte is looked at, the value's syntax is checked when it is skipped.
     */
    private String typeName() throws NotPlain {
      byte c = b[i];
      if (c == '"') {
        return "string";
      } else if (c == '{') {
        return "object";
      } else if (c == '[') {
        return "array";
      } else if (c == 't' || c == 'f') {
        return "boolean";
      } else if (c == 'n') {
        return "null";
      } else if (startsNumber()) {
        return "number";
      }
      throw NOT_PLAIN;
    }

    /** An integer token of at most 18 digits; anything else (a fraction, an exponent) is not. */
    private long integer() throws NotPlain {
      boolean negative = b[i] == '-';
      if (negative) {
        i++;
      }
      int start = i;
      long v = 0;
      while (i < b.length && b[i] >= '0' && b[i] <= '9') {
        v = v * 10 + (b[i] - '0');
        i++;
      }
      int digits = i - start;
      if (digits == 0
          || digits > MAX_LONG_DIGITS
          || (digits > 1 && b[start] == '0')
          || (i < b.length && (b[i] == '.' || b[i] == 'e' || b[i] == 'E'))) {
        throw NOT_PLAIN;
      }
      return negative ? -v : v;
    }

    /**
     * A JSON number as Jackson's {@code getDoubleValue()} gives it: an integer token through {@code
     * long} (so "-0" is +0.0, as Jackson has it), a fraction or exponent with the exact rounding of
     * {@link Double#parseDouble}, done in place when mantissa and power of ten are both exact
     * doubles, else by {@link Double#parseDouble} itself.
     */
    private double number() throws NotPlain {
      int start = i;
      boolean negative = b[i] == '-';
      if (negative) {
        i++;
      }
      int intStart = i;
      long mantissa = 0;
      int significant = 0;
      while (i < b.length && b[i] >= '0' && b[i] <= '9') {
        if (significant > 0 || b[i] != '0') {
          significant++;
        }
        mantissa = mantissa * 10 + (b[i] - '0');
        i++;
      }
      int intDigits = i - intStart;
      if (intDigits == 0 || (intDigits > 1 && b[intStart] == '0')) {
        throw NOT_PLAIN;
      }
      boolean integral = true;
      int scale = 0;
      if (i < b.length && b[i] == '.') {
        integral = false;
        int fracStart = ++i;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
          if (significant > 0 || b[i] != '0') {
            significant++;
          }
          mantissa = mantissa * 10 + (b[i] - '0');
          i++;
        }
        scale = i - fracStart;
        if (scale == 0) {
          throw NOT_PLAIN;
        }
      }
      int exponent = 0;
      if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
        integral = false;
        i++;
        boolean negativeExponent = b[i] == '-';
        if (b[i] == '-' || b[i] == '+') {
          i++;
        }
        int expStart = i;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
          if (i - expStart < 6) {
            exponent = exponent * 10 + (b[i] - '0');
          }
          i++;
        }
        if (i == expStart) {
          throw NOT_PLAIN;
        }
        if (i - expStart >= 6) {
          exponent = 1_000_000; // beyond any double: the slow way says 0 or infinity
        }
        if (negativeExponent) {
          exponent = -exponent;
        }
      }
      if (integral) {
        if (significant > MAX_LONG_DIGITS) {
          throw NOT_PLAIN; // Jackson goes through BigInteger: rare, leave it
        }
        return negative ? -mantissa : mantissa;
      }
      int power = exponent - scale;
      double d;
      if (significant <= MAX_LONG_DIGITS
          && mantissa <= MAX_EXACT_MANTISSA
          && power >= -22
          && power <= 22) {
        // Both operands exact, so the one rounding of * or / is the correctly rounded result.
        d = power >= 0 ? mantissa * POWERS_OF_TEN[power] : mantissa / POWERS_OF_TEN[-power];
        d = negative ? -d : d;
      } else {
        d = Double.parseDouble(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
      }
      return d;
    }

    private void dimensions(AnalyticsEvent event) throws NotPlain, InvalidEventException {
      if (literalNull()) {
        return;
      }
      if (b[i] != '{') {
        throw EventParser.wrongType("dimensions", "an object or null", typeName());
      }
      expect('{');
      skipSpace();
      if (b[i] == '}') {
        i++;
        return;
      }
      int count = 0;
      while (true) {
        if (++count > EventParser.MAX_DIMENSIONS) {
          throw EventParser.tooManyDimensions();
        }
        String key = string();
        InvalidEventException badKey = EventParser.invalidDimensionKey(key);
        if (badKey != null) {
          throw badKey;
        }
        skipSpace();
        expect(':');
        skipSpace();
        // A duplicate key is reported before anything about its value, as the full path does;
        // looked up separately only when the value is wrong.
        if (b[i] != '"') {
          requireNew(event, key);
          throw EventParser.wrongType("dimensions." + key, "a string", typeName());
        }
        String value = string();
        if (value.length() > EventParser.MAX_DIMENSION_VALUE_LENGTH) {
          requireNew(event, key);
          limit(value, EventParser.MAX_DIMENSION_VALUE_LENGTH, "dimensions." + key);
        }
        if (event.dimensions.putIfAbsent(key, value) != null) {
          throw EventParser.duplicateDimension(key);
        }
        skipSpace();
        if (b[i] == ',') {
          i++;
          skipSpace();
        } else {
          expect('}');
          return;
        }
      }
    }

    private void requireNew(AnalyticsEvent event, String key) throws InvalidEventException {
      if (event.dimensions.containsKey(key)) {
        throw EventParser.duplicateDimension(key);
      }
    }

    // -------------------------------------------------------------------------------------------
    // Syntax

    private boolean literalNull() {
      if (b[i] == 'n' && b[i + 1] == 'u' && b[i + 2] == 'l' && b[i + 3] == 'l') {
        i += 4;
        return true;
      }
      return false;
    }

    /**
     * Skips one value of any type, iteratively, checking its syntax strictly. Nesting is limited to
     * a level safely below the configured maximum (the record itself is level 1) and to 64 levels,
     * the size of the stack of container kinds; deeper values are left to the full path.
     */
    private void skipValue() throws NotPlain {
      int maxDepth = Math.min(settings.maxNestingDepth() - 2, Long.SIZE);
      int depth = 0;
      long objects = 0; // bit k set: the container at depth k + 1 is an object
      while (true) {
        // At the start of a value.
        byte c = b[i];
        if (c == '{' || c == '[') {
          if (depth >= maxDepth) {
            throw NOT_PLAIN;
          }
          boolean object = c == '{';
          objects = object ? objects | (1L << depth) : objects & ~(1L << depth);
          depth++;
          i++;
          skipSpace();
          if (b[i] != (object ? '}' : ']')) {
            if (object) {
              memberName();
            }
            continue;
          }
          i++; // an empty container is a complete value
          depth--;
        } else if (c == '"') {
          i++;
          stringEnd();
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          numberSyntax();
        } else if (!literal()) {
          throw NOT_PLAIN;
        }
        // After a complete value: close containers until a comma continues one.
        while (depth > 0) {
          skipSpace();
          boolean object = (objects & (1L << (depth - 1))) != 0;
          byte d = b[i++];
          if (d == ',') {
            skipSpace();
            if (object) {
              memberName();
            }
            break;
          }
          if (d != (object ? '}' : ']')) {
            throw NOT_PLAIN;
          }
          depth--;
        }
        if (depth == 0) {
          return;
        }
      }
    }

    private void memberName() throws NotPlain {
      expect('"');
      stringEnd();
      skipSpace();
      expect(':');
      skipSpace();
    }

    private boolean literal() {
      if (b[i] == 't' && b[i + 1] == 'r' && b[i + 2] == 'u' && b[i + 3] == 'e') {
        i += 4;
      } else if (b[i] == 'f'
          && b[i + 1] == 'a'
          && b[i + 2] == 'l'
          && b[i + 3] == 's'
          && b[i + 4] == 'e') {
        i += 5;
      } else {
        return literalNull();
      }
      return true;
    }

    private void numberSyntax() throws NotPlain {
      if (b[i] == '-') {
        i++;
      }
      int start = i;
      skipDigits();
      if (i == start || (i - start > 1 && b[start] == '0')) {
        throw NOT_PLAIN;
      }
      if (i < b.length && b[i] == '.') {
        i++;
        if (skipDigits() == 0) {
          throw NOT_PLAIN;
        }
      }
      if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
        i++;
        if (b[i] == '-' || b[i] == '+') {
          i++;
        }
        if (skipDigits() == 0) {
          throw NOT_PLAIN;
        }
      }
    }

    private int skipDigits() {
      int start = i;
      while (i < b.length && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      return i - start;
    }

    /**
     * From just after an opening quote to just after the closing one; gives that position. Checks
     * escapes and refuses raw control characters; bytes of multi-byte characters pass (the record's
     * UTF-8 is already verified).
     */
    private int stringEnd() throws NotPlain {
      int plainEnd = quoteOrEscape(b, i);
      if (b[plainEnd] == '"') {
        i = plainEnd + 1;
        return i;
      }
      i = plainEnd;
      while (true) {
        byte c = b[i++];
        if (c == '"') {
          return i;
        }
        if (c == '\\') {
          byte e = b[i++];
          if (e == 'u') {
            int code = 0;
            for (int k = 0; k < 4; k++) {
              int digit = Character.digit(b[i++], 16);
              if (digit < 0) {
                throw NOT_PLAIN;
              }
              code = code << 4 | digit;
            }
            // U+0000 and surrogates: the full path decides whether the string can be stored.
            if (code == 0 || (code >= Character.MIN_SURROGATE && code <= Character.MAX_SURROGATE)) {
              throw NOT_PLAIN;
            }
          } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n'
              && e != 'r' && e != 't') {
            throw NOT_PLAIN;
          }
        } else if (c >= 0 && c < 0x20) {
          throw NOT_PLAIN;
        }
      }
    }

    private void skipSpace() {
      int k = i;
      while (k < b.length
          && b[k] <= ' '
          && (b[k] == ' ' || b[k] == '\n' || b[k] == '\r' || b[k] == '\t')) {
        k++;
      }
      i = k;
    }

    private void expect(char c) throws NotPlain {
      if (i >= b.length || b[i] != c) {
        throw NOT_PLAIN;
      }
      i++;
    }
  }

  /**
   * The index of the quote closing a string whose text starts at {@code from}, if the text has no
   * escape and no raw control character; otherwise not plain.
   */
  private static int closingQuote(byte[] b, int from) throws NotPlain {
    int k = quoteOrEscape(b, from);
    if (b[k] != '"') {
      throw NOT_PLAIN;
    }
    return k;
  }

  private static final long ONES = 0x0101010101010101L;
  private static final long QUOTES = 0x2222222222222222L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
  private static final long SPACES = 0x2020202020202020L;

  /**
   * The index of the first quote, backslash or raw control character from {@code from} on, eight
   * bytes at a time (string text is most of a record, and a byte at a time costs about four times
   * as much on the benchmark machine).
   */
  private static int quoteOrEscape(byte[] b, int from) {
    int k = from;
    for (int n = b.length - 7; k < n; k += 8) {
      long w = (long) EventParser.LONGS.get(b, k);
      long q = w ^ QUOTES;
      long s = w ^ BACKSLASHES;
      // Per byte: high bit set where the byte is '"', '\\' or below 0x20. A borrow can also flag
      // bytes above a real hit, never below it, so the lowest flag is exact.
      long hits =
          (((q - ONES) & ~q) | ((s - ONES) & ~s) | ((w - SPACES) & ~w)) & EventParser.HIGH_BITS;
      if (hits != 0) {
        return k + (Long.numberOfTrailingZeros(hits) >>> 3);
      }
    }
    while (true) {
      byte c = b[k];
      if (c == '"' || c == '\\' || (c >= 0 && c < 0x20)) {
        return k;
      }
      k++;
    }
  }

  /** Refuses, as the full path does, a string of more than {@code maxLength} code points. */
  private static void limit(String s, int maxLength, String field) throws InvalidEventException {
    if (s.length() > maxLength) {
      int codePoints = s.codePointCount(0, s.length());
      if (codePoints > maxLength) {
        throw EventParser.tooLong(field, codePoints, maxLength);
      }
    }
  }

  /**
   * Epoch milliseconds of the common ISO-8601 form {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)}
   * in {@code b[from, from+n)}, or {@link EventParser#NOT_FAST}: see {@link
   * EventParser#fastIsoMillis(String)}, which answers the same through this method.
   */
  static long isoMillis(byte[] b, int from, int n) {
    if (n < 20
        || b[from + 4] != '-'
        || b[from + 7] != '-'
        || b[from + 10] != 'T'
        || b[from + 13] != ':'
        || b[from + 16] != ':') {
      return EventParser.NOT_FAST;
    }
    int year = digits(b, from, 4);
    int month = digits(b, from + 5, 2);
    int day = digits(b, from + 8, 2);
    int hour = digits(b, from + 11, 2);
    int minute = digits(b, from + 14, 2);
    int second = digits(b, from + 17, 2);
    if ((year | month | day | hour | minute | second) < 0
        || month < 1
        || month > 12
        || day < 1
        || (day > 28 && day > YearMonth.of(year, month).lengthOfMonth())
        || hour > 23
        || minute > 59
        || second > 59) {
      return EventParser.NOT_FAST;
    }
    int i = 19;
    int nanos = 0;
    if (b[from + i] == '.') {
      int start = ++i;
      while (i < n && i - start < 9 && b[from + i] >= '0' && b[from + i] <= '9') {
        nanos = nanos * 10 + (b[from + i] - '0');
        i++;
      }
      int count = i - start;
      if (count == 0) {
        return EventParser.NOT_FAST;
      }
      for (int k = count; k < 9; k++) {
        nanos *= 10;
      }
    }
    int offsetSeconds;
    if (i == n - 1 && b[from + i] == 'Z') {
      offsetSeconds = 0;
    } else if (i == n - 6 && (b[from + i] == '+' || b[from + i] == '-') && b[from + i + 3] == ':') {
      int oh = digits(b, from + i + 1, 2);
      int om = digits(b, from + i + 4, 2);
      // +18:00 is the extreme the formatter allows; leave that edge to it.
      if (oh < 0 || om < 0 || oh > 17 || om > 59) {
        return EventParser.NOT_FAST;
      }
      offsetSeconds = (oh * 3600 + om * 60) * (b[from + i] == '-' ? -1 : 1);
    } else {
      return EventParser.NOT_FAST;
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    long epochSecond = epochDay * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds;
    // Same rounding as Instant.toEpochMilli(): nanos are never negative, so this floors.
    return epochSecond * 1000 + nanos / 1_000_000;
  }

  /**
   * True if {@code b[from, from+n)} is {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]}, a valid date and time
   * without zone or offset: text that {@link
   * java.time.format.DateTimeFormatter#ISO_LOCAL_DATE_TIME} accepts and {@link
   * java.time.format.DateTimeFormatter#ISO_OFFSET_DATE_TIME} refuses. For text {@link #isoMillis}
   * has refused: it is that text with a {@code Z} that {@code isoMillis} accepts.
   */
  static boolean isLocalDateTime(byte[] b, int from, int n) {
    if (n < 19 || n > 29) {
      return false;
    }
    byte[] withZone = java.util.Arrays.copyOfRange(b, from, from + n + 1);
    withZone[n] = 'Z';
    return isoMillis(withZone, 0, n + 1) != EventParser.NOT_FAST;
  }

  /** The non-negative number in {@code b[from, from+count)}, or -1 if not all ASCII digits. */
  private static int digits(byte[] b, int from, int count) {
    int v = 0;
    for (int k = from; k < from + count; k++) {
      int c = b[k];
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
