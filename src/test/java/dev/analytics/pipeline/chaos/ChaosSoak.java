package dev.analytics.pipeline.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The soak variant of the chaos suite, run by hand ({@code jobs/chaos-soak.sh}): fault rounds for
 * the whole duration (default one hour), then the same comparison as {@link ChaosSuiteITCase}.
 * Prints the summary and exits 1 on any mismatch.
 *
 * <pre>
 * ChaosSoak [--duration 60m] [--rate 4000] [--time-scale 15] [--seed N] [--dir target/chaos-soak]
 *           [--savepoint any|in-flight]
 * </pre>
 *
 * {@code --savepoint in-flight} triggers the mid-run stop-with-savepoint while a periodic
 * checkpoint is in flight (see {@link ChaosRun.SavepointTiming}).
 */
public final class ChaosSoak {
  private ChaosSoak() {}

  public static void main(String[] args) throws Exception {
    Duration duration = Duration.ofMinutes(60);
    double rate = 4_000;
    double timeScale = 15;
    long seed = System.currentTimeMillis();
    Path dir = Path.of("target/chaos-soak");
    ChaosRun.SavepointTiming timing = ChaosRun.SavepointTiming.ANY;
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        usage("missing value of " + args[i]);
      }
      String v = args[i + 1];
      switch (args[i]) {
        case "--duration" -> duration = parseDuration(v);
        case "--rate" -> rate = Double.parseDouble(v);
        case "--time-scale" -> timeScale = Double.parseDouble(v);
        case "--seed" -> seed = Long.parseLong(v);
        case "--dir" -> dir = Path.of(v);
        case "--savepoint" ->
            timing =
                switch (v) {
                  case "any" -> ChaosRun.SavepointTiming.ANY;
                  case "in-flight" -> ChaosRun.SavepointTiming.CHECKPOINT_IN_FLIGHT;
                  default -> throw new IllegalArgumentException("--savepoint any|in-flight: " + v);
                };
        default -> usage("unknown option " + args[i]);
      }
    }
    System.out.println(
        "chaos soak: duration " + duration + ", " + rate + " events/s, seed " + seed);
    ChaosRun.Settings settings =
        new ChaosRun.Settings(
            seed, rate, timeScale, 0.01, 0, duration, 12, timing, dir.toAbsolutePath());
    int exit;
    try (ChaosRun run = new ChaosRun(settings)) {
      List<String> mismatches = run.run().mismatches();
      exit = mismatches.isEmpty() ? 0 : 1;
      System.out.println(exit == 0 ? "CHAOS SOAK PASSED" : "CHAOS SOAK FAILED");
    }
    System.exit(exit);
  }

  /** 60m, 90s, 2h or an ISO-8601 duration. */
  static Duration parseDuration(String text) {
    String t = text.strip().toLowerCase();
    if (t.startsWith("p")) {
      return Duration.parse(text);
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> throw new IllegalArgumentException("duration like 60m, 90s or 2h: " + text);
    };
  }

  private static void usage(String problem) {
    System.err.println(
        problem
            + "\nusage: ChaosSoak [--duration 60m] [--rate 4000] [--time-scale 15] [--seed N]"
            + " [--dir target/chaos-soak] [--savepoint any|in-flight]");
    System.exit(2);
  }
}
