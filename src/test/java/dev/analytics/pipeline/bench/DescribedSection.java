package dev.analytics.pipeline.bench;

/**
 * A {@link BenchSection} that says what it measures: {@link Benchmarks} prints the paragraph under
 * the section's heading in the report. Sections without it get a heading only.
 */
public interface DescribedSection extends BenchSection {
  /** One short paragraph (markdown): what is measured, how, and the goal if there is one. */
  String whatItMeasures();
}
