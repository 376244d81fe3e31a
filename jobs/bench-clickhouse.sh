#!/usr/bin/env bash
# Benchmark of the ClickHouse sinks against a private ClickHouse server (Debian's
# clickhouse-server package; .ci/run installs it) started on free loopback ports:
#   1. rows/s into the server at 1, 1,000, 10,000 and 100,000 rows per insert (+ gzip bodies);
#   2. inserts per second per table at 100,000 events/s in (the whole pipeline on a MiniCluster,
#      generated traffic from an in-JVM Kafka, default batching, counted by the sink metrics);
#   3. heap during a 60 s ClickHouse outage with the writers blocked.
# Takes about 3 minutes. Not a test: the figures go to docs/clickhouse.md.
#   jobs/bench-clickhouse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx2g -XX:+UseG1GC $(cat jobs/jvm-options) \
  -Dlog4j.configurationFile=src/test/resources/log4j2-test.properties \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.analytics.pipeline.bench.ClickHouseBenchmark "$@"
