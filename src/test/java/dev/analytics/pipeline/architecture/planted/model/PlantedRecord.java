package dev.analytics.pipeline.architecture.planted.model;

import dev.analytics.pipeline.architecture.planted.alpha.PlantedStage;

/** Planted violation: a record of the model that holds a stage's type. */
public final class PlantedRecord {
  public PlantedStage stage;
}
