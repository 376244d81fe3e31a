package dev.analytics.pipeline.architecture.planted.beta;

import dev.analytics.pipeline.architecture.planted.alpha.PlantedStage;

/** Planted violation: the other half of a cycle between stages. */
public final class PlantedOtherStage {
  public static final int LIMIT = 10;

  public static String name() {
    return PlantedStage.name();
  }
}
