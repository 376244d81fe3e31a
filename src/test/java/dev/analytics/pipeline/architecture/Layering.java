package dev.analytics.pipeline.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.lang.ArchRule;
import java.util.List;

/**
 * The layering of the packages below a root package, as rules (ArchUnit):
 *
 * <ul>
 *   <li>{@code model} (the records between stages) depends on no other package of the project;
 *   <li>{@code config} (loading, layering, secrets, the checks' helpers) depends on no other
 *       package of the project: each stage declares its options and {@code config} finds them
 *       through {@link java.util.ServiceLoader};
 *   <li>the stages (every package below the root) form no cycle;
 *   <li>no stage depends on the root package (the wiring: the job, the pipeline, the sinks, the
 *       uids), except the entry points {@code replay} and {@code local};
 *   <li>production code depends neither on the local run ({@code local}) nor on test code (the test
 *       scaffolding, the chaos suite, the benchmarks, test libraries).
 * </ul>
 */
final class Layering {
  private Layering() {}

  static List<ArchRule> rules(String root) {
    return List.of(
        modelDependsOnNoStage(root),
        configDependsOnNoStage(root),
        stagesFormNoCycle(root),
        stagesDoNotDependOnTheWiring(root),
        productionDependsOnNoTestOrLocalCode(root));
  }

  static ArchRule modelDependsOnNoStage(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + ".model..")
        .should()
        .dependOnClassesThat(
            resideInAPackage(root + "..").and(not(resideInAPackage(root + ".model.."))))
        .as("model depends on no other package of the project");
  }

  static ArchRule configDependsOnNoStage(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + ".config..")
        .should()
        .dependOnClassesThat(
            resideInAPackage(root + "..").and(not(resideInAPackage(root + ".config.."))))
        .as("config depends on no other package of the project");
  }

  static ArchRule stagesFormNoCycle(String root) {
    return slices()
        .matching(root + ".(**)")
        .should()
        .beFreeOfCycles()
        .as("the packages below " + root + " form no cycle");
  }

  static ArchRule stagesDoNotDependOnTheWiring(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + ".*..")
        .and()
        .resideOutsideOfPackages(root + ".replay..", root + ".local..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(root)
        .as("no stage depends on the wiring in " + root + " (replay and local may)");
  }

  static ArchRule productionDependsOnNoTestOrLocalCode(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + "..")
        .and()
        .resideOutsideOfPackages(
            root + ".local..",
            root + ".testing..",
            root + ".chaos..",
            root + ".bench..",
            root + ".architecture..")
        .should()
        .dependOnClassesThat(
            resideInAnyPackage(
                root + ".local..",
                root + ".testing..",
                root + ".chaos..",
                root + ".bench..",
                "org.junit..",
                "org.assertj..",
                "org.apache.flink.test..",
                "org.apache.flink.streaming.util..",
                "org.apache.kafka.common.test.."))
        .as("production code depends on no test or local-run code");
  }
}
