package dev.analytics.pipeline.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleName;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The production classes keep the {@link Layering}; and each rule fails on the planted violations
 * of {@code architecture.planted} (a model record that holds a stage's type, a config class that
 * reads a stage, two stages that use each other, a stage that starts the local run), so a rule that
 * could not fail would show here. The tests assert with AssertJ only: none uses JUnit's {@code
 * Assertions}.
 */
class ArchitectureTest {
  private static final String ROOT = "dev.analytics.pipeline";
  private static final String PLANTED = ROOT + ".architecture.planted";

  @Test
  void theProductionClassesKeepTheLayering() {
    JavaClasses production =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(ROOT);
    assertThat(production.size()).as("production classes imported").isGreaterThan(100);
    List<String> violations = new ArrayList<>();
    for (ArchRule rule : Layering.rules(ROOT)) {
      EvaluationResult result = rule.evaluate(production);
      if (result.hasViolation()) {
        violations.add(result.getFailureReport().toString());
      }
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void theTestsAssertWithAssertJOnly() {
    // The test classes, src/test and src/local alike (both compile to test-classes).
    JavaClasses tests =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
            .importPackages(ROOT);
    assertThat(tests.size()).as("test classes imported").isGreaterThan(100);
    // The class named by package and simple name: no test source holds its full name.
    noClasses()
        .should()
        .dependOnClassesThat(
            resideInAPackage("org.junit.jupiter.api").and(simpleName("Assertions")))
        .because("AssertJ is the only assertion library of the tests")
        .check(tests);
  }

  @Test
  void everyRuleFailsOnAPlantedViolation() {
    JavaClasses planted = new ClassFileImporter().importPackages(PLANTED);
    assertThat(planted.size()).as("planted classes imported").isGreaterThanOrEqualTo(5);
    for (ArchRule rule : Layering.rules(PLANTED)) {
      EvaluationResult result = rule.evaluate(planted);
      assertThat(result.hasViolation()).as(rule.getDescription()).isTrue();
    }
  }
}
