package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.ConsumerGroups;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What it measures: events/s of ClickHouse's own Kafka ingestion, the alternative a user weighs
 * against the pipeline, on the same topic as {@link EndToEndThroughput} (its clean corpus) in the
 * same run: a {@code Kafka} engine table (one String column per record, the record's JSON, as
 * TabSeparated: JSONEachRow cannot skip the events' nested objects without changing the server's
 * profile), a materialized view that extracts the event type, time and value and writes -State
 * aggregates per event type and minute (count, sum, min, max, avg, stddevPop and quantiles at the
 * pipeline's six levels) into an {@code AggregatingMergeTree}, the real ClickHouse server of the
 * tests (Debian's 18.16, with its librdkafka 2.0).
 *
 * <p>The rate: the topic's records over the time from the view's creation until the engine's
 * consumer group has committed the end offset of every partition (the engine commits after each
 * block it wrote). Then the stored counts are compared with the records, which shows what the
 * engine did with the broken ones. Alone: {@code jobs/bench.sh --only "Kafka engine"}.
 */
public final class ClickHouseKafkaEngineBaseline implements DescribedSection {
  static final String SECTION = "ClickHouse Kafka engine baseline";
  private static final String DB = "bench_kafka_engine";

  public ClickHouseKafkaEngineBaseline() {}

  @Override
  public String title() {
    return SECTION;
  }

  @Override
  public String whatItMeasures() {
    return "ClickHouse's own Kafka ingestion on the same topic: a Kafka engine table (the record as"
        + " one String, TabSeparated), a materialized view extracting event type, time and value"
        + " into an AggregatingMergeTree per event type and minute (count, sum, min, max, avg,"
        + " stddevPop, quantiles at the six levels), on the tests' ClickHouse 18.16; its sustained"
        + " rate beside the pipeline's, with 1 and 2 consumers.";
  }

  @Override
  public List<Measurement> run(BenchContext context) throws Exception {
    BenchCorpus corpus = EndToEndThroughput.cleanCorpus(context);
    List<Measurement> out = new ArrayList<>();
    for (int consumers = 1; consumers <= 2; consumers++) {
      Run run = ingest(context, corpus, consumers);
      Double pipeline = EndToEndThroughput.PIPELINE_RATES.get(consumers);
      if (pipeline == null) {
        // Run alone: the pipeline's figure on the same topic, measured here.
        pipeline =
            EndToEndThroughput.pipeline(
                    context, corpus, consumers, "kafka_engine_ref_p" + consumers)
                .job()
                .eventsPerSecond();
        EndToEndThroughput.PIPELINE_RATES.put(consumers, pipeline);
      }
      out.add(
          new Measurement(
              SECTION,
              "Kafka engine + materialized view -> AggregatingMergeTree, "
                  + consumers
                  + " consumer"
                  + (consumers == 1 ? "" : "s"),
              run.eventsPerSecond(),
              "events/s",
              String.format(
                  Locale.ROOT,
                  "%,d records in %.1f s; stored count %,d of %,d valid records (%,d broken in"
                      + " the topic); %d minute rows",
                  corpus.records(),
                  run.seconds(),
                  run.storedCount(),
                  corpus.records() - corpus.invalid(),
                  corpus.invalid(),
                  run.rows())));
      out.add(
          new Measurement(
              SECTION,
              "full pipeline / Kafka engine, parallelism " + consumers,
              pipeline / run.eventsPerSecond(),
              "x",
              String.format(Locale.ROOT, "pipeline %,.0f events/s", pipeline)));
    }
    return out;
  }

  record Run(double seconds, long records, long storedCount, long rows) {
    double eventsPerSecond() {
      return records / seconds;
    }
  }

  static Run ingest(BenchContext context, BenchCorpus corpus, int consumers) throws Exception {
    ClickHouseServer clickhouse = context.clickhouse();
    String group = "clickhouse-kafka-engine-" + consumers + "-" + System.nanoTime();
    clickhouse.query("DROP DATABASE IF EXISTS " + DB);
    clickhouse.query("CREATE DATABASE " + DB);
    // A new group of the 18.16 engine starts at the end of the topic (auto.offset.reset latest,
    // changed only in the server's configuration): the group starts at offset 0 instead.
    ConsumerGroups.startAtTheBeginning(context.kafka().adminProperties(), group, corpus.topic());
    clickhouse.query(
        "CREATE TABLE "
            + DB
            + ".events_queue (raw String) ENGINE = Kafka('"
            + context.kafka().bootstrapServers()
            + "', '"
            + corpus.topic()
            + "', '"
            + group
            + "', 'TabSeparated', '\\n', '', "
            + consumers
            + ")");
    clickhouse.query(
        "CREATE TABLE "
            + DB
            + ".per_minute (minute DateTime, event_type String,"
            + " events AggregateFunction(count),"
            + " value_sum AggregateFunction(sum, Float64),"
            + " value_min AggregateFunction(min, Float64),"
            + " value_max AggregateFunction(max, Float64),"
            + " value_avg AggregateFunction(avg, Float64),"
            + " value_stddev_pop AggregateFunction(stddevPop, Float64),"
            + " percentiles AggregateFunction(quantiles(0.5, 0.75, 0.9, 0.95, 0.99, 0.999),"
            + " Float64))"
            + " ENGINE = AggregatingMergeTree() PARTITION BY toYYYYMM(minute)"
            + " ORDER BY (event_type, minute)");
    long start = System.nanoTime();
    // The event's time: ISO-8601 (Z or an offset) or epoch milliseconds, as the schema allows.
    // One SELECT with WITH: 18.16 fails a view over a Kafka table whose query has a subquery
    // ("There is no query: while pushing to view").
    clickhouse.query(
        "CREATE MATERIALIZED VIEW "
            + DB
            + ".per_minute_view TO "
            + DB
            + ".per_minute AS WITH"
            + " replaceAll(visitParamExtractRaw(raw, 'timestamp'), '\"', '') AS t,"
            + " if(match(t, '^[0-9]+$'), toDateTime(intDiv(toUInt64OrZero(t), 1000)),"
            + " parseDateTimeBestEffortOrNull(t)) AS ts,"
            + " visitParamHas(raw, 'value') AS has_value,"
            + " visitParamExtractFloat(raw, 'value') AS v"
            + " SELECT toStartOfMinute(assumeNotNull(ts)) AS minute,"
            + " visitParamExtractString(raw, 'event_type') AS event_type,"
            + " countState() AS events, sumStateIf(v, has_value) AS value_sum,"
            + " minStateIf(v, has_value) AS value_min, maxStateIf(v, has_value) AS value_max,"
            + " avgStateIf(v, has_value) AS value_avg,"
            + " stddevPopStateIf(v, has_value) AS value_stddev_pop,"
            + " quantilesStateIf(0.5, 0.75, 0.9, 0.95, 0.99, 0.999)(v, has_value) AS percentiles"
            + " FROM "
            + DB
            + ".events_queue WHERE event_type != '' AND ts IS NOT NULL"
            + " GROUP BY minute, event_type");
    ConsumerGroups.awaitCommittedToEnd(
        context.kafka().adminProperties(),
        group,
        corpus.topic(),
        Duration.ofSeconds(context.quick() ? 120 : 600),
        () -> {
          try {
            clickhouse.query("SELECT 1");
          } catch (IOException e) {
            // 18.16's Kafka engine has crashed the server (SIGSEGV) on the full corpus.
            throw new IllegalStateException(
                "the ClickHouse server stopped answering while its Kafka engine ingested; see"
                    + " the server's error.log",
                e);
          }
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    clickhouse.query("DROP TABLE " + DB + ".per_minute_view");
    clickhouse.query("DROP TABLE " + DB + ".events_queue");
    List<String> stored =
        clickhouse.rows(
            "SELECT countMerge(events), count() FROM (SELECT minute, event_type,"
                + " countMergeState(events) AS events FROM "
                + DB
                + ".per_minute GROUP BY minute, event_type)");
    String[] fields = stored.get(0).split("\t");
    clickhouse.query("DROP DATABASE IF EXISTS " + DB);
    return new Run(seconds, corpus.records(), Long.parseLong(fields[0]), Long.parseLong(fields[1]));
  }
}
