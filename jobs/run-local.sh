#!/usr/bin/env bash
# Runs the job locally: Kafka inside the JVM, generated traffic, a Flink mini-cluster with the
# web UI on http://localhost:8081. Needs only JDK 17 and Maven.
#
#   jobs/run-local.sh [--duration 60s] [--rate 2000] [--key value ...]
#
# Any configuration key can be overridden (see docs/configuration.md); --config FILE replaces
# jobs/local.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/classpath.sh local

config=(--config jobs/local.yaml)
for a in "$@"; do [ "$a" = "--config" ] && config=(); done

exec java -Xmx2g $(cat jobs/jvm-options) \
  -Dlog4j.configurationFile=jobs/log4j2-local.properties \
  -cp "$RUN_CLASSPATH" \
  dev.analytics.pipeline.local.LocalRunner "${config[@]}" "$@"
