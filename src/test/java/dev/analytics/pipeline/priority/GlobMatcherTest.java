package dev.analytics.pipeline.priority;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GlobMatcherTest {
  @Test
  void shouldMatchWholeValuesCaseInsensitively() {
    GlobMatcher m = new GlobMatcher(List.of("*.error", "payment_?ailed"));
    assertThat(m.matches("api.error")).isTrue();
    assertThat(m.matches("API.ERROR")).isTrue();
    assertThat(m.matches("api.error.retry")).isFalse();
    assertThat(m.matches("payment_failed")).isTrue();
    assertThat(m.matches("payment_fa1led")).isFalse();
    assertThat(m.matches(null)).isFalse();
    assertThat(new GlobMatcher(List.of()).matches("anything")).isFalse();
  }

  @Test
  void shouldAnswerTheSameOnceItsMemoryOfAnswersIsFullAndStartsAgain() {
    GlobMatcher m = new GlobMatcher(List.of("hit_*"));
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < GlobMatcher.MAX_REMEMBERED * 2 + 7; i++) {
        assertThat(m.matches("hit_" + i)).isTrue();
        assertThat(m.matches("miss_" + i)).isFalse();
      }
    }
  }
}
