#!/usr/bin/env bash
# Benchmark: events/s through the window stage on RocksDB, plain vs pre-aggregated.
#   jobs/bench-windows.sh [events per run, default 5000000]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx3g $(cat jobs/jvm-options) -Dlog4j.configurationFile=jobs/log4j2-local.properties \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.analytics.pipeline.bench.WindowThroughputBenchmark "$@"
