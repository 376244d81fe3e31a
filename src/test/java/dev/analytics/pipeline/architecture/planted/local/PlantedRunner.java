package dev.analytics.pipeline.architecture.planted.local;

/** Planted: the local run, which production code must not depend on. */
public final class PlantedRunner {}
