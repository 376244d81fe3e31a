#!/usr/bin/env bash
# Benchmark of the PostgreSQL sinks against a private PostgreSQL (started and removed by the
# benchmark, default durability): rows/s of window aggregates in both modes, and the comparison of
# daily-counter writes (per increment, per metric sequentially, one transaction of
# aggregated upserts) for 100 and 1,000 increments. See PostgresBenchmark for what each measures.
#   jobs/bench-postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx2g @jobs/jvm-options \
  -Dlog4j.configurationFile=src/test/resources/log4j2-test.properties \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.analytics.pipeline.bench.PostgresBenchmark "$@"
