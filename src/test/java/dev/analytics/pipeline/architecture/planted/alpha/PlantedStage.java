package dev.analytics.pipeline.architecture.planted.alpha;

import dev.analytics.pipeline.architecture.planted.PlantedJob;
import dev.analytics.pipeline.architecture.planted.beta.PlantedOtherStage;
import dev.analytics.pipeline.architecture.planted.local.PlantedRunner;

/**
 * Planted violations: a stage that uses another stage which uses it back (a cycle), the wiring of
 * the root package, and the local run. (Through fields and calls: javac inlines constants, which
 * leaves no dependency in the class file.)
 */
public final class PlantedStage {
  public static PlantedOtherStage other;

  public static String name() {
    return PlantedJob.name() + PlantedRunner.class.getSimpleName();
  }
}
