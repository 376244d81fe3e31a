package dev.analytics.pipeline.local;

import static org.assertj.core.api.Assertions.assertThat;

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
      assertThat(out.toString()).isEqualTo(expected);
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
        assertThat(p.nextToken()).isEqualTo(JsonToken.VALUE_STRING);
        assertThat(p.getText()).isEqualTo(sample);
      }
      out.clear();
      out.append(sample);
      assertThat(out.toByteArray()).containsExactly(sample.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void writesNumbersAndDecimals() {
    JsonBuffer out = new JsonBuffer(2);
    long[] values = {0, 7, 10, 99, 1_795_000_000_123L, Long.MAX_VALUE, -42, Long.MIN_VALUE};
    for (long v : values) {
      out.clear();
      assertThat(out.append(v).toString()).isEqualTo(Long.toString(v));
    }
    out.clear();
    assertThat(out.appendDecimal(12_345, 3).toString()).isEqualTo("12.345");
    out.clear();
    assertThat(out.appendDecimal(500, 4).toString()).isEqualTo("0.0500");
    out.clear();
    assertThat(out.appendDecimal(512, 0).toString()).isEqualTo("512");
  }

  @Test
  void editsBytes() {
    JsonBuffer out = new JsonBuffer(4);
    out.append("{\"a\":1,\"b\":2}");
    out.delete(out.indexOf(",", 0));
    assertThat(out.toString()).isEqualTo("{\"a\":1\"b\":2}");
    out.insert(1, new byte[] {'x', 'y'});
    assertThat(out.toString()).isEqualTo("{xy\"a\":1\"b\":2}");
    assertThat(out.indexOf("zz", 0)).isEqualTo(-1);
    out.truncate(3);
    assertThat(out.toString()).isEqualTo("{xy");
  }
}
