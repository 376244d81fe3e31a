package dev.analytics.pipeline.architecture.planted.config;

import dev.analytics.pipeline.architecture.planted.beta.PlantedOtherStage;

/** Planted violation: configuration code that reads a stage. */
public final class PlantedConfig {
  public static int read() {
    return PlantedOtherStage.name().length();
  }
}
