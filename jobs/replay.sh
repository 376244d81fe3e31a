#!/usr/bin/env bash
# Replays an NDJSON file of schema-v1 events through the whole pipeline in bounded mode and writes
# DIR/aggregates.jsonl, DIR/alerts.jsonl and DIR/dead-letters.jsonl.
#
#   jobs/replay.sh --events FILE --out DIR [--config FILE] [--key value ...]
#
# Same configuration keys as the streaming job (kafka.* is not needed); without --config the
# defaults apply, e.g. jobs/replay.sh --events e.ndjson --out out --detection.spike-factor 3
set -euo pipefail
here=$(pwd)
cd "$(dirname "$0")/.."
source jobs/classpath.sh
project=$(pwd)
cd "$here"
exec java -Xmx3g $(cat "$project/jobs/jvm-options") \
  -Dlog4j.configurationFile="$project/jobs/log4j2-local.properties" \
  -cp "$project/target/classes:$(cat "$project/$CLASSPATH_FILE")" \
  dev.analytics.pipeline.replay.FileReplay "$@"
