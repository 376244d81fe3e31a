#!/usr/bin/env bash
# Bounded resources during a ClickHouse outage: the full job at parallelism 2 on a MiniCluster
# (this JVM, -Xmx2g, exits on OutOfMemoryError), events produced live at --rate, the private
# ClickHouse stopped for --outage, then started again. Reports the max heap, heap at the end, the
# drain time, checkpoints, restarts (the circuit breakers must ride the outage out: 0) and the
# breakers' openings, and checks that nothing was lost. About 8 minutes with the 5-minute outage.
#   jobs/bench-outage.sh [--outage 300s] [--rate 50000] [--warmup 60s]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx2g -Xms2g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError $(cat jobs/jvm-options) \
  -Dlog4j.configurationFile=src/test/resources/log4j2-test.properties \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.analytics.pipeline.bench.OutageBenchmark "$@"
