#!/usr/bin/env bash
# Benchmark sections "End-to-end throughput" (ceilings, full pipeline p1/p2, hostile input, write
# reduction) and "Flink SQL baseline", alone, against an in-JVM Kafka and a private ClickHouse
# started here (clickhouse-server must be installed, as for the tests).
#   jobs/bench-e2e.sh [--quick] [e2e|sql|both|pipeline-p2|hostile-p2 [--warm]]   (default: both)
# pipeline-p2, hostile-p2: one run at parallelism 2, for profiling; --warm: after a first run.
# JFR: BENCH_JFR=1 records target/bench/e2e.jfr (e.g. BENCH_JFR=1 jobs/bench-e2e.sh pipeline-p2).
# BENCH_JAVA_OPTS: more JVM options, e.g. -Dbench.e2e.records=300000 for a short check,
# -Dbench.control=true for the job with run-time control on (an empty control topic).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
jfr=()
if [ "${BENCH_JFR:-0}" = 1 ]; then
  mkdir -p target/bench
  jfr=(-XX:StartFlightRecording=filename=target/bench/e2e.jfr,settings=profile)
fi
exec java -Xmx6g ${BENCH_JAVA_OPTS:-} "${jfr[@]}" $(cat jobs/jvm-options) \
  -Dlog4j.configurationFile=jobs/log4j2-local.properties \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.analytics.pipeline.bench.EndToEndThroughput "$@"
