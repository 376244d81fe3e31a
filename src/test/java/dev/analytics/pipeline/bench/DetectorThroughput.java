package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.detection.DetectionSettings;
import dev.analytics.pipeline.detection.RealisticEvaluation;
import dev.analytics.pipeline.detection.RealisticSeries;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Windows per second through the detector's decisions ({@code PatternRules}, what {@code
 * PatternDetector} runs per window) in each mode, over the realistic corpus (475,511 windows of 60
 * series): after 2 warm-up rounds, the median of {@code rounds} (default 7). One thread.
 *
 * <pre>jobs/bench-detector.sh [rounds]</pre>
 */
public final class DetectorThroughput {
  private DetectorThroughput() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    List<RealisticSeries.Series> corpus = RealisticSeries.corpus(10, 1);
    long windows = corpus.stream().mapToLong(s -> s.values().length).sum();
    DetectionSettings.Rules defaults = DetectionSettings.Rules.defaults();
    System.out.printf(
        Locale.ROOT,
        "| mode | windows/s (median of %d) | min | max | alerts |%n| --- | ---: | ---: | ---: | ---: |%n",
        rounds);
    for (String mode : List.of(DetectionSettings.Rules.LIKELIHOOD, DetectionSettings.Rules.SEED)) {
      List<Double> rates = new ArrayList<>();
      long alerts = 0;
      for (int r = -2; r < rounds; r++) {
        long t0 = System.nanoTime();
        alerts = 0;
        for (RealisticSeries.Series s : corpus) {
          alerts +=
              RealisticEvaluation.detect(
                      s, RealisticEvaluation.rules(s, defaults).with(Map.of("mode", mode)))
                  .size();
        }
        double rate = windows / ((System.nanoTime() - t0) / 1e9);
        if (r >= 0) {
          rates.add(rate);
        }
      }
      Collections.sort(rates);
      System.out.printf(
          Locale.ROOT,
          "| %s | %,.0f | %,.0f | %,.0f | %,d |%n",
          mode,
          rates.get(rates.size() / 2),
          rates.get(0),
          rates.get(rates.size() - 1),
          alerts);
    }
  }
}
