#!/usr/bin/env bash
# Benchmark of the ingest path (parse + validate, priority, sampling), records/s on one core.
#   jobs/bench-ingest.sh [JMH options, e.g. -i 10]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  org.openjdk.jmh.Main 'dev.analytics.pipeline.bench.IngestBenchmark' "$@"
