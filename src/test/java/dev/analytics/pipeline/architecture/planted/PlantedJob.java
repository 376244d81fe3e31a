package dev.analytics.pipeline.architecture.planted;

/** Planted: the wiring of the root package, which no stage may depend on. */
public final class PlantedJob {
  public static String name() {
    return "planted";
  }
}
