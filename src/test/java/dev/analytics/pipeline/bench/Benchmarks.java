package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.PostgresServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark run ({@code jobs/bench.sh [--quick] [--only <title substring>]}): starts the real
 * servers once (an in-JVM Kafka broker, a private ClickHouse and a durable private PostgreSQL, all
 * on free loopback ports), runs every {@link BenchSection} one after another against them, then
 * prints the table and writes {@code target/bench/report.md} and PNG charts with the machine.
 *
 * <p>A failing section is recorded as a failed row and makes the exit status 1; the other sections
 * still run. Figures of a {@code --quick} run only show that the benchmark works.
 */
public final class Benchmarks {
  private Benchmarks() {}

  /**
   * Every section, in the order they run: the throughput sections first, then latency, naive
   * baselines and accuracy.
   */
  static List<BenchSection> sections() {
    return List.of(
        new EndToEndThroughput(),
        new FlinkSqlBaseline(),
        new ClickHouseKafkaEngineBaseline(),
        new Latency(),
        new NaiveBaselines(),
        new AccumulatorAccuracy());
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    String only = null;
    Path reportDir = Path.of("target", "bench");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--only" -> {
          if (i + 1 == args.length) {
            usage(System.err);
            System.exit(2);
          }
          only = args[++i];
        }
        case "--report-dir" -> reportDir = Path.of(args[++i]);
        case "--help", "-h" -> {
          usage(System.out);
          System.exit(0);
        }
        default -> {
          System.err.println("Unknown option: " + args[i]);
          usage(System.err);
          System.exit(2);
        }
      }
    }
    List<BenchSection> selected = new ArrayList<>();
    for (BenchSection s : sections()) {
      if (only == null
          || s.title().toLowerCase(Locale.ROOT).contains(only.toLowerCase(Locale.ROOT))) {
        selected.add(s);
      }
    }
    if (selected.isEmpty()) {
      System.err.println("No section title contains \"" + only + "\"");
      usage(System.err);
      System.exit(2);
    }
    Files.createDirectories(reportDir);
    Machine before = Machine.describe();
    System.out.println("== " + before.summary());
    List<Measurement> rows = new ArrayList<>();
    List<BenchSection> failed = new ArrayList<>();
    long start = System.nanoTime();
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        ClickHouseServer clickhouse = ClickHouseServer.start();
        PostgresServer postgres = PostgresServer.start(true)) {
      BenchContext context = new BenchContext(kafka, clickhouse, postgres, reportDir, quick);
      for (BenchSection section : selected) {
        System.out.println("\n== " + section.title() + (quick ? " (quick)" : ""));
        long sectionStart = System.nanoTime();
        try {
          List<Measurement> measured = section.run(context);
          for (Measurement m : measured) {
            System.out.println("   " + BenchReport.line(m));
          }
          rows.addAll(measured);
        } catch (Throwable e) {
          e.printStackTrace();
          failed.add(section);
          rows.add(
              new Measurement(
                  section.title(),
                  "FAILED",
                  Double.NaN,
                  "",
                  e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage())));
        }
        System.out.printf(
            Locale.ROOT,
            "   (%s: %.0f s, load average %s)%n",
            section.title(),
            (System.nanoTime() - sectionStart) / 1e9,
            Machine.currentLoadAverage());
      }
      // Written before the servers stop: their teardown (deleting data files) can take a while.
      double minutes = (System.nanoTime() - start) / 60e9;
      Machine after = Machine.describe();
      System.out.println();
      System.out.print(BenchReport.table(rows));
      BenchReport.write(reportDir, selected, rows, before, after, quick, minutes);
      System.out.println(
          "\nReport: "
              + reportDir.resolve("report.md")
              + " (charts beside it); took "
              + String.format(Locale.ROOT, "%.1f", minutes)
              + " min; load average after: "
              + after.loadAverage()
              + "\nStopping the servers ...");
    }
    if (!failed.isEmpty()) {
      System.err.println("Failed sections: " + failed.stream().map(BenchSection::title).toList());
    }
    System.exit(failed.isEmpty() ? 0 : 1);
  }

  private static void usage(PrintStream out) {
    out.println(
        """
        Usage: jobs/bench.sh [--quick] [--only <section title substring>] [--report-dir DIR]
          --quick          short runs (smaller inputs): checks that the benchmark works
          --only TEXT      runs only the sections whose title contains TEXT (case-insensitive)
          --report-dir DIR where report.md and the charts go (default target/bench)
        Sections, in order:""");
    for (BenchSection s : sections()) {
      out.println("  " + s.title());
    }
  }
}
