#!/usr/bin/env bash
# The benchmark run: throughput, latency, naive baselines and accuracy against real servers (an
# in-JVM Kafka broker, a private ClickHouse and PostgreSQL; their binaries as for the tests),
# printed as a table and written to target/bench/report.md with PNG charts and the machine.
#   jobs/bench.sh [--quick] [--only <section title substring>] [--report-dir DIR]
# Full run about 20 minutes, --quick about 5 (its figures only show that it works).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx6g -XX:+UseG1GC -Djava.awt.headless=true $(cat jobs/jvm-options) \
  -Dlog4j.configurationFile=src/test/resources/log4j2-test.properties \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.analytics.pipeline.bench.Benchmarks "$@"
