#!/usr/bin/env bash
# Benchmark of the window accumulator: serialized bytes, percentile error against exact values and
# add() throughput for 1 to 10^8 lognormal values in one window (one thread).
#   jobs/bench-accumulator.sh [sizes, e.g. 1000 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx3g -XX:+UseG1GC -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.analytics.pipeline.bench.AccumulatorBenchmark "$@"
