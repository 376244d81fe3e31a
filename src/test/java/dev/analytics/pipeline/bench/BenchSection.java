package dev.analytics.pipeline.bench;

import java.util.List;

/** One section of the benchmark run ({@code jobs/bench.sh}); sections run one after another. */
public interface BenchSection {
  /** The section's title in the table and the report. */
  String title();

  /** Runs the section's measurements against the shared servers of {@code context}. */
  List<Measurement> run(BenchContext context) throws Exception;
}
