package dev.analytics.pipeline.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    assertEquals(2, groups.groups().size());
    PrivacyGroups.Group consent = groups.groups().get(0);
    assertEquals("consent", consent.name());
    assertEquals(1.0, consent.epsilon());
    assertEquals(2, consent.k());
    assertEquals(List.of("consent.yes", "consent.no"), consent.types());
    assertEquals(Math.E / (Math.E + 1), consent.p(), 1e-15);
    assertEquals(1 / (Math.E + 1), consent.q(), 1e-15);

    // Event types may contain colons: everything after the second colon is the type list.
    PrivacyGroups.Group survey = groups.groups().get(1);
    assertEquals("survey.q1", survey.name());
    assertEquals(0.5, survey.epsilon());
    assertEquals(List.of("answer:a", "answer:b", "answer:c", "answer:d"), survey.types());
    double e = Math.exp(0.5);
    assertEquals(e / (e + 3), survey.p(), 1e-15);
    assertEquals(1 / (e + 3), survey.q(), 1e-15);

    assertSame(consent, groups.groupOf("consent.no"));
    assertSame(survey, groups.groupOf("answer:c"));
    assertNull(groups.groupOf("page_view"));
    assertNull(groups.groupOf(null));
    assertSame(survey, groups.group("survey.q1"));
    assertNull(groups.group("nope"));
  }

  @Test
  void shouldDefaultToNoGroup() {
    PrivacyGroups groups = PrivacyGroups.from(JobConfig.of(Map.of()));

    assertTrue(groups.isEmpty());
    assertEquals(PrivacyGroups.NONE, groups);
    assertEquals(List.of(), JobConfig.of(Map.of()).get(PrivacyOptions.PRIVACY_GROUPS));
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

    assertEquals(List.of("consent", "vote"), groups.groups().stream().map(g -> g.name()).toList());
    assertEquals(3, groups.group("vote").k());
    assertEquals(1.5, groups.group("vote").epsilon());
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
    assertEquals(groups, copy);
    assertEquals("b", ((PrivacyGroups) copy).groupOf("w").name());
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
        assertThrows(
            ConfigException.class, () -> PrivacyGroups.parse(List.of(items.split(";", -1)), ""));

    assertEquals("privacy.groups", e.key());
    assertEquals(
        "Configuration error at 'privacy.groups': "
            + message
            + " (expected name:epsilon:type1,type2,...,typek)",
        e.getMessage());
  }

  @Test
  void shouldRefuseAnOverlongEventTypeOrName() {
    String longType = "t".repeat(129);
    ConfigException type =
        assertThrows(
            ConfigException.class, () -> PrivacyGroups.parse(List.of("g:1:a," + longType), ""));
    assertTrue(type.getMessage().contains("item 1 'g:1:a," + longType + "' event type '"));

    String longName = "n".repeat(65);
    ConfigException name =
        assertThrows(
            ConfigException.class, () -> PrivacyGroups.parse(List.of(longName + ":1:a,b"), ""));
    assertTrue(name.getMessage().contains("group name '" + longName + "' is not 1 to 64"));

    PrivacyGroups fine =
        PrivacyGroups.parse(List.of("n".repeat(64) + ":1:a," + "t".repeat(128)), "");
    assertEquals(2, fine.groups().get(0).k());
  }

  @Test
  void shouldValidateAtLoadTimeNamingTheSource() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                JobConfig.load(
                    new String[] {
                      "--kafka.bootstrap-servers", "localhost:9092",
                      "--privacy.groups", "consent:1:yes,no;vote:0:a,b"
                    },
                    Map.of()));

    assertEquals("privacy.groups", e.key());
    assertEquals(
        "Configuration error at 'privacy.groups': item 2 'vote:0:a,b' epsilon '0' is not finite"
            + " and > 0 (expected name:epsilon:type1,type2,...,typek) (from argument"
            + " --privacy.groups)",
        e.getMessage());

    ConfigException env =
        assertThrows(
            ConfigException.class,
            () ->
                JobConfig.load(
                    new String[] {"--kafka.bootstrap-servers", "localhost:9092"},
                    Map.of("ANALYTICS_PRIVACY_GROUPS", "consent:1:yes")));
    assertTrue(
        env.getMessage().endsWith("(from environment variable ANALYTICS_PRIVACY_GROUPS)"),
        env.getMessage());
  }

  @Test
  void shouldRefuseInconsistentGroupsBuiltInCode() {
    assertThrows(
        IllegalArgumentException.class, () -> new PrivacyGroups.Group("g", 1.0, List.of("a", "a")));
    assertThrows(
        IllegalArgumentException.class, () -> new PrivacyGroups.Group("g", 1.0, List.of("a")));
    assertThrows(
        IllegalArgumentException.class,
        () -> new PrivacyGroups.Group("g", Double.POSITIVE_INFINITY, List.of("a", "b")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new PrivacyGroups(
                List.of(
                    new PrivacyGroups.Group("g", 1.0, List.of("a", "b")),
                    new PrivacyGroups.Group("h", 1.0, List.of("b", "c")))));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new PrivacyGroups(
                List.of(
                    new PrivacyGroups.Group("g", 1.0, List.of("a", "b")),
                    new PrivacyGroups.Group("g", 1.0, List.of("c", "d")))));
  }
}
