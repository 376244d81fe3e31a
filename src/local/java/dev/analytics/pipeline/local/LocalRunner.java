package dev.analytics.pipeline.local;

import dev.analytics.pipeline.AnalyticsJob;
import dev.analytics.pipeline.PipelineSinks;
import dev.analytics.pipeline.aggregation.AggregationOptions;
import dev.analytics.pipeline.config.ConfigException;
import dev.analytics.pipeline.config.JobConfig;
import dev.analytics.pipeline.config.JobOptions;
import dev.analytics.pipeline.control.ControlOptions;
import dev.analytics.pipeline.control.ControlTopics;
import dev.analytics.pipeline.ingest.EventOptions;
import dev.analytics.pipeline.ingest.KafkaOptions;
import dev.analytics.pipeline.model.Granularity;
import dev.analytics.pipeline.sinks.ConsoleLines;
import dev.analytics.pipeline.sinks.OutputOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The one-command local run ({@code jobs/run-local.sh}): a Kafka broker inside this JVM, the
 * topics, a generator of realistic traffic, and the job in a mini-cluster with the Flink web UI.
 * Prints progress from the job's own metrics and one line per closed window. {@code --duration} or
 * Ctrl-C stops it with a savepoint that drains the last windows, then prints a summary.
 */
public final class LocalRunner {
  private static final Map<String, String> SHORTCUTS =
      Map.of(
          "--duration", "--local.duration",
          "--rate", "--generator.rate",
          "--time-scale", "--generator.time-scale");

  private LocalRunner() {}

  /** Topics of the live results page when the configuration names none. */
  static final String AGGREGATES_TOPIC = "analytics-aggregates";

  static final String ALERTS_TOPIC = "analytics-alerts";

  public static void main(String[] rawArgs) throws Exception {
    int status = run(rawArgs, null);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * The whole local run, as {@link #main} does it.
   *
   * @param stop counted down to stop the run (the tests'); null: Ctrl-C (a shutdown hook) or {@code
   *     local.duration}
   * @return 0, or 2 for a configuration error (printed)
   */
  static int run(String[] rawArgs, CountDownLatch stop) throws Exception {
    String[] args =
        Arrays.stream(rawArgs).map(a -> SHORTCUTS.getOrDefault(a, a)).toArray(String[]::new);
    JobConfig base;
    try {
      base = JobConfig.load(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 2;
    }

    say("starting Kafka inside the JVM ...");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      String eventsTopic = base.get(KafkaOptions.KAFKA_TOPIC);
      String deadLetterTopic = base.get(EventOptions.DEAD_LETTER_TOPIC);
      List<String> topics = new ArrayList<>(List.of(eventsTopic, deadLetterTopic));
      List<String> overrides = new ArrayList<>(Arrays.asList(args));
      overrides.addAll(
          List.of(
              "--kafka.bootstrap-servers", kafka.bootstrapServers(),
              "--kafka.start-position", "earliest",
              "--output.console", "true"));
      if (base.get(LocalRunOptions.LOCAL_RESULTS_PORT) != 0) {
        // The live page reads the aggregates and alerts from their topics: the job's real output.
        for (var topic :
            List.of(
                Map.entry(OutputOptions.OUTPUT_AGGREGATES_TOPIC, AGGREGATES_TOPIC),
                Map.entry(OutputOptions.OUTPUT_ALERTS_TOPIC, ALERTS_TOPIC))) {
          if (base.get(topic.getKey()).isEmpty()) {
            overrides.addAll(List.of("--" + topic.getKey().key(), topic.getValue()));
          }
        }
      }
      JobConfig config = JobConfig.load(overrides.toArray(String[]::new), System.getenv());
      if (ControlTopics.enabled(config)) {
        // One partition: the changes keep their order.
        kafka.createTopics(1, config.get(ControlOptions.CONTROL_TOPIC));
        topics.add(ControlTopics.appliedTopic(config));
        topics.add(ControlTopics.refusedTopic(config));
      }
      for (var output :
          List.of(OutputOptions.OUTPUT_AGGREGATES_TOPIC, OutputOptions.OUTPUT_ALERTS_TOPIC)) {
        if (!config.get(output).isEmpty()) {
          topics.add(config.get(output));
        }
      }
      kafka.createTopics(2, topics.toArray(String[]::new));
      say("Kafka at " + kafka.bootstrapServers() + ", topics " + String.join(", ", topics));
      try {
        run(config, overrides, kafka, stop);
      } catch (ConfigException e) {
        // Found before the job started (the tables, the live page's port): nothing to drain.
        System.err.println(e.getMessage());
        return 2;
      }
    }
    return 0;
  }

  private static void run(
      JobConfig config, List<String> args, EmbeddedKafka kafka, CountDownLatch testStop)
      throws Exception {
    Configuration flink = config.flinkConfiguration();
    flink.set(RestOptions.PORT, config.get(LocalRunOptions.LOCAL_WEB_PORT));
    flink.setString(
        "metrics.reporter.console.factory.class", ConsoleMetrics.Factory.class.getName());
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
    PipelineSinks.prepareTables(config);
    AnalyticsJob.defineWorkflow(env, config);
    LiveResultsReader reader = null;
    LiveResultsPage page = null;
    int resultsPort = config.get(LocalRunOptions.LOCAL_RESULTS_PORT);
    if (resultsPort != 0) {
      LiveResults results =
          new LiveResults(
              Granularity.label(config.get(AggregationOptions.WINDOW_SIZE)),
              config.get(AggregationOptions.WINDOW_SIZE).toMillis());
      // Before the job: a port already taken stops the run before anything started.
      page = new LiveResultsPage(resultsPort, results);
      reader =
          new LiveResultsReader(
              kafka.bootstrapServers(),
              results,
              config.get(OutputOptions.OUTPUT_AGGREGATES_TOPIC),
              config.get(OutputOptions.OUTPUT_ALERTS_TOPIC),
              config.get(EventOptions.DEAD_LETTER_TOPIC));
    }

    JobClient job = env.executeAsync(config.get(JobOptions.JOB_NAME));
    say(
        "job "
            + job.getJobID()
            + " running; Flink web UI at http://localhost:"
            + config.get(LocalRunOptions.LOCAL_WEB_PORT));
    if (page != null) {
      say(
          "live results at http://localhost:"
              + page.port()
              + "/ (charts of the output topics, updated at each checkpoint)");
    }

    LocalControl control = null;
    if (ControlTopics.enabled(config)) {
      // Commands from standard input, except in tests (whose input belongs to the test runner).
      boolean terminal = testStop == null;
      control = new LocalControl(config, args, terminal ? System.in : null, System.out);
      control.start();
      String elsewhere =
          "jobs/control.sh --config jobs/local.yaml --kafka.bootstrap-servers "
              + kafka.bootstrapServers()
              + " set KEY VALUE";
      say(
          terminal
              ? "type 'set sampling.rates.cache_hit 0.02' (or unset KEY, show, history) to change"
                  + " the job while it runs; from another terminal: "
                  + elsewhere
              : "change the job while it runs from another terminal: " + elsewhere);
    }

    Generator generator = new Generator(config, kafka);
    Thread producer = new Thread(generator, "traffic-generator");
    producer.start();

    CountDownLatch stop = testStop == null ? new CountDownLatch(1) : testStop;
    AtomicBoolean stopped = new AtomicBoolean();
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              // Keep the JVM alive until the drain below has finished.
              awaitQuietly(stopped);
            });
    if (testStop == null) {
      Runtime.getRuntime().addShutdownHook(hook);
    }

    Duration duration = config.get(LocalRunOptions.LOCAL_DURATION);
    long deadline = duration.isZero() ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
    say(duration.isZero() ? "Ctrl-C stops the run" : "running for " + duration.toSeconds() + " s");
    System.out.println(ConsoleLines.WINDOW_HEADER);
    long started = System.nanoTime();
    while (!stop.await(5, TimeUnit.SECONDS) && System.nanoTime() < deadline) {
      progress(generator, started);
    }

    say("stopping: the generator finishes the current window, then stop-with-savepoint --drain");
    generator.running.set(false);
    producer.join();
    String savepoint =
        job.stopWithSavepoint(
                true, config.get(JobOptions.SAVEPOINT_DIR), SavepointFormatType.CANONICAL)
            .get(2, TimeUnit.MINUTES);
    job.getJobExecutionResult().get(2, TimeUnit.MINUTES);

    long inTopic =
        CommittedRecords.readAll(
                kafka.bootstrapServers(), config.get(EventOptions.DEAD_LETTER_TOPIC))
            .size();
    say("summary");
    System.out.printf(
        Locale.ROOT,
        "  generated        %,d records (%,d valid, %,d invalid) over %.0f s%n",
        generator.valid.get() + generator.invalid.get(),
        generator.valid.get(),
        generator.invalid.get(),
        (System.nanoTime() - started) / 1e9);
    System.out.printf(Locale.ROOT, "  events in        %,d%n", ConsoleMetrics.total("eventsIn"));
    System.out.printf(
        Locale.ROOT,
        "  dead letters     %,d (topic %s holds %,d, read_committed)%n",
        ConsoleMetrics.total("deadLetters"),
        config.get(EventOptions.DEAD_LETTER_TOPIC),
        inTopic);
    System.out.printf(
        Locale.ROOT,
        "  sampled out      %,d (kept %,d)%n",
        ConsoleMetrics.total("sampledOut"),
        ConsoleMetrics.total("sampledKept"));
    System.out.printf(
        Locale.ROOT,
        "  priority         high %,d, normal %,d, low %,d (priority fields ignored %,d)%n",
        ConsoleMetrics.total("eventsHigh"),
        ConsoleMetrics.total("eventsNormal"),
        ConsoleMetrics.total("eventsLow"),
        ConsoleMetrics.total("untrustedPriorityClaims"));
    System.out.printf(
        Locale.ROOT,
        "  over the caps    %,d events of event types beyond aggregation.max-event-types,"
            + " %,d of dimension combinations beyond aggregation.max-keys-per-type%n",
        ConsoleMetrics.total("eventTypeOverflow"),
        ConsoleMetrics.total("dimensionOverflow"));
    System.out.printf(
        Locale.ROOT, "  windows emitted  %,d%n", ConsoleMetrics.total("windowsEmitted"));
    System.out.printf(Locale.ROOT, "  late events      %,d%n", ConsoleMetrics.total("lateEvents"));
    System.out.println("  savepoint        " + savepoint);
    if (page != null) {
      page.close();
      reader.close();
    }
    if (control != null) {
      control.close();
    }
    stopped.set(true);
    synchronized (stopped) {
      stopped.notifyAll();
    }
    if (testStop != null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // Ctrl-C: the hook is running and now returns.
    }
  }

  private static void progress(Generator g, long started) {
    double secs = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "[%5.0fs] generated %,d (%.0f/s, event time %s) | events in %,d | dead letters %,d |"
            + " sampled out %,d | windows %,d%n",
        secs,
        g.valid.get() + g.invalid.get(),
        (g.valid.get() + g.invalid.get()) / Math.max(secs, 1e-3),
        Instant.ofEpochMilli(g.eventTime.get()),
        ConsoleMetrics.total("eventsIn"),
        ConsoleMetrics.total("deadLetters"),
        ConsoleMetrics.total("sampledOut"),
        ConsoleMetrics.total("windowsEmitted"));
  }

  private static void awaitQuietly(AtomicBoolean done) {
    synchronized (done) {
      long until = System.currentTimeMillis() + 180_000;
      while (!done.get() && System.currentTimeMillis() < until) {
        try {
          done.wait(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private static void say(String message) {
    System.out.println("== " + message);
  }

  /**
   * Sends generated records at {@code generator.rate} per wall-clock second while event time runs
   * {@code generator.time-scale} times faster than the wall clock.
   */
  private static final class Generator implements Runnable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong valid = new AtomicLong();
    final AtomicLong invalid = new AtomicLong();
    final AtomicLong eventTime = new AtomicLong();
    private final TrafficGenerator generator;
    private final long windowMillis;
    private final double timeScale;
    private final long start;
    private final String topic;
    private final String bootstrap;
    private final long spikeAtNanos;
    private final String spikeType;
    private final double spikeFactor;
    private final long spikeMillis;

    Generator(JobConfig config, EmbeddedKafka kafka) {
      double rate = config.get(LocalRunOptions.GENERATOR_RATE);
      this.timeScale = config.get(LocalRunOptions.GENERATOR_TIME_SCALE);
      this.windowMillis = config.get(AggregationOptions.WINDOW_SIZE).toMillis();
      // Event time starts at a window boundary: a half-filled first window would be the first
      // value the pattern detection learns from, and so low that its spread stays wide for hours
      // (a real spike soon after would not stand out).
      long now = System.currentTimeMillis();
      this.start = now - Math.floorMod(now, windowMillis);
      this.topic = config.get(KafkaOptions.KAFKA_TOPIC);
      this.bootstrap = kafka.bootstrapServers();
      this.generator =
          new TrafficGenerator(
              new TrafficGenerator.Settings(
                  start,
                  rate / timeScale,
                  config.get(LocalRunOptions.GENERATOR_INVALID_FRACTION),
                  start,
                  config.get(LocalRunOptions.GENERATOR_INCIDENT_PROBABILITY)));
      this.spikeAtNanos = config.get(LocalRunOptions.GENERATOR_SPIKE_AT).toNanos();
      this.spikeType = config.get(LocalRunOptions.GENERATOR_SPIKE_TYPE);
      this.spikeFactor = config.get(LocalRunOptions.GENERATOR_SPIKE_FACTOR);
      this.spikeMillis = config.get(LocalRunOptions.GENERATOR_SPIKE_DURATION).toMillis();
    }

    @Override
    public void run() {
      Properties p = new Properties();
      p.put("bootstrap.servers", bootstrap);
      p.put("linger.ms", "20");
      p.put("acks", "all");
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        long wallStart = System.nanoTime();
        long stopAt = Long.MAX_VALUE;
        boolean spikePending = spikeAtNanos > 0;
        while (true) {
          if (spikePending && System.nanoTime() - wallStart >= spikeAtNanos) {
            generator.injectSpike(spikeType, spikeFactor, spikeMillis);
            spikePending = false;
            say(
                String.format(
                    Locale.ROOT,
                    "injected spike: %s x%.1f for %d s of event time from the next minute",
                    spikeType,
                    spikeFactor,
                    spikeMillis / 1000));
          }
          TrafficGenerator.Generated g = generator.next();
          if (!running.get() && stopAt == Long.MAX_VALUE) {
            // Finish the current window, so the drain does not fire a half-filled last window
            // (whose counts would look like a drop).
            stopAt = g.eventTime() - Math.floorMod(g.eventTime(), windowMillis) + windowMillis;
          }
          if (g.eventTime() >= stopAt) {
            break;
          }
          long eventOffsetMs = g.eventTime() - start;
          long dueNanos = wallStart + (long) (eventOffsetMs / timeScale * 1e6);
          long wait = dueNanos - System.nanoTime();
          if (wait > 1_000_000) {
            producer.flush();
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          // The record reaches the simulated collector at the simulated time: its Kafka timestamp,
          // against which the job judges the event's clock.
          long arrival = start + (long) ((System.nanoTime() - wallStart) / 1e6 * timeScale);
          producer.send(new ProducerRecord<>(topic, null, arrival, null, g.bytes()));
          (g.valid() ? valid : invalid).incrementAndGet();
          eventTime.set(Math.max(eventTime.get(), g.eventTime()));
        }
        producer.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
