package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.testing.ClickHouseServer;
import dev.analytics.pipeline.testing.PostgresServer;
import java.nio.file.Path;

/**
 * What every benchmark section shares in one run: real servers started once (an in-JVM Kafka
 * broker, a private ClickHouse and PostgreSQL), the report directory and the scale.
 *
 * @param quick a short run (smaller inputs) to check that the benchmark works; figures from a quick
 *     run are not the published ones
 */
public record BenchContext(
    EmbeddedKafka kafka,
    ClickHouseServer clickhouse,
    PostgresServer postgres,
    Path reportDir,
    boolean quick) {}
