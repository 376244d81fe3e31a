package dev.analytics.pipeline.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.within;

import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrivacyGroupsTest {

  @Test
  void shouldParseGroupsFromTheConfiguration() {
    JobConfig config =
        JobConfig.of(
            Map.of(
                "privacy.groups",
                "consent:1.0:consent.yes,consent.no;"
                    + " survey.q1 : 0.5 : answer:a, answer:b ,answer:c,answer:d"));

    PrivacyGroups groups = PrivacyGroups.from(config);

    assertThat(groups.groups().size()).isEqualTo(2);
    PrivacyGroups.Group consent = groups.groups().get(0);
    assertThat(consent.name()).isEqualTo("consent");
    assertThat(consent.epsilon()).isEqualTo(1.0);
    assertThat(consent.k()).isEqualTo(2);
    assertThat(consent.types()).isEqualTo(List.of("consent.yes", "consent.no"));
    assertThat(consent.p()).isCloseTo(Math.E / (Math.E + 1), within(1e-15));
    assertThat(consent.q()).isCloseTo(1 / (Math.E + 1), within(1e-15));

    // Event types may contain colons: everything after the second colon is the type list.
    PrivacyGroups.Group survey = groups.groups().get(1);
    assertThat(survey.name()).isEqualTo("survey.q1");
    assertThat(survey.epsilon()).isEqualTo(0.5);
    assertThat(survey.types()).isEqualTo(List.of("answer:a", "answer:b", "answer:c", "answer:d"));
    double e = Math.exp(0.5);
    assertThat(survey.p()).isCloseTo(e / (e + 3), within(1e-15));
    assertThat(survey.q()).isCloseTo(1 / (e + 3), within(1e-15));

    assertThat(groups.groupOf("consent.no")).isSameAs(consent);
    assertThat(groups.groupOf("answer:c")).isSameAs(survey);
    assertThat(groups.groupOf("page_view")).isNull();
    assertThat(groups.groupOf(null)).isNull();
    assertThat(groups.group("survey.q1")).isSameAs(survey);
    assertThat(groups.group("nope")).isNull();
  }

  @Test
  void shouldDefaultToNoGroup() {
    PrivacyGroups groups = PrivacyGroups.from(JobConfig.of(Map.of()));

    assertThat(groups.isEmpty()).isTrue();
    assertThat(groups).isEqualTo(PrivacyGroups.NONE);
    assertThat(JobConfig.of(Map.of()).get(PrivacyOptions.PRIVACY_GROUPS)).isEqualTo(List.of());
  }

  @Test
  void shouldReadAYamlSequence(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("job.yaml");
    Files.writeString(
        file,
        "kafka.bootstrap-servers: localhost:9092\n"
            + "privacy:\n"
            + "  groups:\n"
            + "    - \"consent:2:consent.yes,consent.no\"\n"
            + "    - \"vote:1.5:vote.a,vote.b,vote.c\"\n");

    PrivacyGroups groups =
        PrivacyGroups.from(JobConfig.load(new String[] {"--config", file.toString()}, Map.of()));

    assertThat(groups.groups().stream().map(g -> g.name()).toList())
        .isEqualTo(List.of("consent", "vote"));
    assertThat(groups.group("vote").k()).isEqualTo(3);
    assertThat(groups.group("vote").epsilon()).isEqualTo(1.5);
  }

  @Test
  void shouldSurviveJavaSerialization() throws Exception {
    PrivacyGroups groups = PrivacyGroups.parse(List.of("a:1:x,y", "b:0.25:u,v,w"), "");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(groups);
    }
    Object copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = in.readObject();
    }
    assertThat(copy).isEqualTo(groups);
    assertThat(((PrivacyGroups) copy).groupOf("w").name()).isEqualTo("b");
  }

  @ParameterizedTest(name = "[{index}] '{0}'")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        // items (';'-separated) | message after "Configuration error at 'privacy.groups': "
        "\" \" | item 1 ' ' is empty",
        "ok:1:a,b;g:1 | item 2 'g:1' does not have the three parts name:epsilon:type1,type2,...,typek",
        "g | item 1 'g' does not have the three parts name:epsilon:type1,type2,...,typek",
        "\":1:a,b\" | item 1 ':1:a,b' group name '' is not 1 to 64 characters of [A-Za-z0-9_.-]",
        "g/1:1:a,b | item 1 'g/1:1:a,b' group name 'g/1' is not 1 to 64 characters of [A-Za-z0-9_.-]",
        "g:1:a,b;g:2:c,d | item 2 'g:2:c,d' group name 'g' is already used by item 1; names are"
            + " unique",
        "g:abc:a,b | item 1 'g:abc:a,b' epsilon 'abc' is not a decimal number",
        "g::a,b | item 1 'g::a,b' epsilon '' is not a decimal number",
        "g:NaN:a,b | item 1 'g:NaN:a,b' epsilon 'NaN' is not a decimal number",
        "g:Infinity:a,b | item 1 'g:Infinity:a,b' epsilon 'Infinity' is not a decimal number",
        "g:0x1p1:a,b | item 1 'g:0x1p1:a,b' epsilon '0x1p1' is not a decimal number",
        "g:-1:a,b | item 1 'g:-1:a,b' epsilon '-1' is not finite and > 0",
        "g:0:a,b | item 1 'g:0:a,b' epsilon '0' is not finite and > 0",
        "g:0.0e5:a,b | item 1 'g:0.0e5:a,b' epsilon '0.0e5' is not finite and > 0",
        "g:1e400:a,b | item 1 'g:1e400:a,b' epsilon '1e400' is not finite and > 0",
        "g:1:a | item 1 'g:1:a' has k = 1 event type; k-ary randomized response needs k >= 2 types",
        "g:1: | item 1 'g:1:' has an empty event type in its list",
        "g:1:a,,b | item 1 'g:1:a,,b' has an empty event type in its list",
        "g:1:a,b, | item 1 'g:1:a,b,' has an empty event type in its list",
        "g:1:a,b c | item 1 'g:1:a,b c' event type 'b c' is not 1 to 128 characters of"
            + " [A-Za-z0-9_.:-]",
        "g:1:a,b/c | item 1 'g:1:a,b/c' event type 'b/c' is not 1 to 128 characters of"
            + " [A-Za-z0-9_.:-]",
        "g:1:a,b,a | item 1 'g:1:a,b,a' lists event type 'a' twice",
        "g:1:a,b;h:2:c,b | item 2 'h:2:c,b' event type 'b' is already in group 'g' (item 1); a type"
            + " belongs to one group at most",
      })
  void shouldRefuseAnInvalidItemNamingTheKeyAndTheItem(String items, String message) {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PrivacyGroups.parse(List.of(items.split(";", -1)), ""))
            .actual();

    assertThat(e.key()).isEqualTo("privacy.groups");
    assertThat(e.getMessage())
        .isEqualTo(
            "Configuration error at 'privacy.groups': "
                + message
                + " (expected name:epsilon:type1,type2,...,typek)");
  }

  @Test
  void shouldRefuseAnOverlongEventTypeOrName() {
    String longType = "t".repeat(129);
    ConfigException type =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PrivacyGroups.parse(List.of("g:1:a," + longType), ""))
            .actual();
    assertThat(type.getMessage().contains("item 1 'g:1:a," + longType + "' event type '")).isTrue();

    String longName = "n".repeat(65);
    ConfigException name =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(() -> PrivacyGroups.parse(List.of(longName + ":1:a,b"), ""))
            .actual();
    assertThat(name.getMessage().contains("group name '" + longName + "' is not 1 to 64")).isTrue();

    PrivacyGroups fine =
        PrivacyGroups.parse(List.of("n".repeat(64) + ":1:a," + "t".repeat(128)), "");
    assertThat(fine.groups().get(0).k()).isEqualTo(2);
  }

  @Test
  void shouldValidateAtLoadTimeNamingTheSource() {
    ConfigException e =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(
                () ->
                    JobConfig.load(
                        new String[] {
                          "--kafka.bootstrap-servers", "localhost:9092",
                          "--privacy.groups", "consent:1:yes,no;vote:0:a,b"
                        },
                        Map.of()))
            .actual();

    assertThat(e.key()).isEqualTo("privacy.groups");
    assertThat(e.getMessage())
        .isEqualTo(
            "Configuration error at 'privacy.groups': item 2 'vote:0:a,b' epsilon '0' is not finite"
                + " and > 0 (expected name:epsilon:type1,type2,...,typek) (from argument"
                + " --privacy.groups)");

    ConfigException env =
        assertThatExceptionOfType(ConfigException.class)
            .isThrownBy(
                () ->
                    JobConfig.load(
                        new String[] {"--kafka.bootstrap-servers", "localhost:9092"},
                        Map.of("ANALYTICS_PRIVACY_GROUPS", "consent:1:yes")))
            .actual();
    assertThat(env.getMessage().endsWith("(from environment variable ANALYTICS_PRIVACY_GROUPS)"))
        .as(env.getMessage())
        .isTrue();
  }

  @Test
  void shouldRefuseInconsistentGroupsBuiltInCode() {
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new PrivacyGroups.Group("g", 1.0, List.of("a", "a")));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(() -> new PrivacyGroups.Group("g", 1.0, List.of("a")));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(
            () -> new PrivacyGroups.Group("g", Double.POSITIVE_INFINITY, List.of("a", "b")));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(
            () ->
                new PrivacyGroups(
                    List.of(
                        new PrivacyGroups.Group("g", 1.0, List.of("a", "b")),
                        new PrivacyGroups.Group("h", 1.0, List.of("b", "c")))));
    assertThatExceptionOfType(IllegalArgumentException.class)
        .isThrownBy(
            () ->
                new PrivacyGroups(
                    List.of(
                        new PrivacyGroups.Group("g", 1.0, List.of("a", "b")),
                        new PrivacyGroups.Group("g", 1.0, List.of("c", "d")))));
  }
}
