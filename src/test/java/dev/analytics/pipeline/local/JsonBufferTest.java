package dev.analytics.pipeline.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonBufferTest {

  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX");

  @Test
  void formatsInstantsLikeJavaTime() {
    SplittableRandom random = new SplittableRandom(1);
    JsonBuffer out = new JsonBuffer(8);
    long from = Instant.parse("1970-01-01T00:00:00Z").toEpochMilli();
    long to = Instant.parse("2999-12-31T00:00:00Z").toEpochMilli();
    int[] offsets = {0, 120, 330, -300};
    for (int i = 0; i < 100_000; i++) {
      long millis = random.nextLong(from, to);
      int offset = offsets[i % offsets.length];
      out.clear();
      out.appendIso(millis, offset);
      String expected =
          OffsetDateTime.ofInstant(
                  Instant.ofEpochMilli(millis), ZoneOffset.ofTotalSeconds(offset * 60))
              .format(ISO_MILLIS);
      assertEquals(expected, out.toString());
    }
  }

  @Test
  void writesStringsThatJsonReadsBack() throws IOException {
    String[] samples = {
      "plain",
      "quote \" and \\ backslash",
      "line\nbreak\ttab\rreturn",
      "ctl \u0001\u001f",
      "Zürich → Genève",
      "party \uD83C\uDF89",
      ""
    };
    JsonBuffer out = new JsonBuffer(4);
    for (String sample : samples) {
      out.clear();
      out.appendString(sample);
      try (JsonParser p = new JsonFactory().createParser(out.toByteArray())) {
        assertEquals(JsonToken.VALUE_STRING, p.nextToken());
        assertEquals(sample, p.getText());
      }
      out.clear();
      out.append(sample);
      assertArrayEquals(sample.getBytes(StandardCharsets.UTF_8), out.toByteArray());
    }
  }

  @Test
  void writesNumbersAndDecimals() {
    JsonBuffer out = new JsonBuffer(2);
    long[] values = {0, 7, 10, 99, 1_795_000_000_123L, Long.MAX_VALUE, -42, Long.MIN_VALUE};
    for (long v : values) {
      out.clear();
      assertEquals(Long.toString(v), out.append(v).toString());
    }
    out.clear();
    assertEquals("12.345", out.appendDecimal(12_345, 3).toString());
    out.clear();
    assertEquals("0.0500", out.appendDecimal(500, 4).toString());
    out.clear();
    assertEquals("512", out.appendDecimal(512, 0).toString());
  }

  @Test
  void editsBytes() {
    JsonBuffer out = new JsonBuffer(4);
    out.append("{\"a\":1,\"b\":2}");
    out.delete(out.indexOf(",", 0));
    assertEquals("{\"a\":1\"b\":2}", out.toString());
    out.insert(1, new byte[] {'x', 'y'});
    assertEquals("{xy\"a\":1\"b\":2}", out.toString());
    assertEquals(-1, out.indexOf("zz", 0));
    out.truncate(3);
    assertEquals("{xy", out.toString());
  }
}
