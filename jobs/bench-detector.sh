#!/usr/bin/env bash
# Benchmark: windows/s through the pattern detector's decisions, likelihood vs seed mode, over the
# realistic evaluation corpus (one thread; median of the rounds).
#   jobs/bench-detector.sh [rounds, default 7]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx2g $(cat jobs/jvm-options) -Dlog4j.configurationFile=jobs/log4j2-local.properties \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.analytics.pipeline.bench.DetectorThroughput "$@"
