#!/usr/bin/env bash
# The chaos soak (zero event loss under load): the job on a standalone cluster (ZooKeeper high
# availability) against a Kafka broker process and private ClickHouse and PostgreSQL servers, fault
# rounds for the whole duration (task failures at random points, TaskManager SIGKILL, JobManager
# SIGKILL with a new JobManager that recovers the job by itself, ClickHouse down 30 s, PostgreSQL
# and Kafka restarts, stop-with-savepoint and resume) while the known stream is produced; then every
# sink compared with the expectation computed from that stream. Prints a summary (also in
# DIR/summary.txt, with the JobManager recovery times); exits 1 on any mismatch.
#
#   jobs/chaos-soak.sh [--duration 60m] [--rate 4000] [--time-scale 15] [--seed N] [--dir DIR]
#                      [--savepoint any|in-flight]   (in-flight: the mid-run savepoint aborts a checkpoint)
#
# Needs what the integration tests need (JDK 17, Maven, clickhouse-server, postgresql, zookeeper).
# Uses about 4 GB of memory (test JVM 3 GB heap, the cluster's JobManager and TaskManager, Kafka, servers).
set -euo pipefail
cd "$(dirname "$0")/.."
cp_file=target/chaos-classpath.txt
echo "== compiling the tests and resolving the test classpath" >&2
mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cp_file" >&2
read -r -a jvm_options <<<"$(tr '\n' ' ' <jobs/jvm-options)"
exec java -Xmx3g -XX:+UseG1GC "${jvm_options[@]}" \
  -Dlog4j2.configurationFile=src/test/resources/log4j2-test.properties \
  -cp "target/test-classes:target/classes:$(cat "$cp_file")" \
  dev.analytics.pipeline.chaos.ChaosSoak "$@"
