#!/usr/bin/env bash
# Changes settings of the running job through its control topic (control.topic), and shows what the
# job applied and refused:
#
#   jobs/control.sh [--config FILE] [--key value ...] set KEY VALUE [--effective-from INSTANT]
#   jobs/control.sh [--config FILE] [--key value ...] unset KEY [--effective-from INSTANT]
#   jobs/control.sh [--config FILE] [--key value ...] show | history
#
# Same configuration as the job (the file, ANALYTICS_* variables, --key value): it names the broker
# and the topics. Keys and values are those of the configuration, map entries as map.key.entry, e.g.
#   jobs/control.sh --config jobs/production.yaml set sampling.rates.cache_hit 0.02
set -euo pipefail
here=$(pwd)
cd "$(dirname "$0")/.."
# With the local run's classes: its configuration (jobs/local.yaml) has keys of the local run too.
source jobs/classpath.sh local
project=$(pwd)
cd "$here"
exec java $(cat "$project/jobs/jvm-options") \
  -Dlog4j.configurationFile="$project/jobs/log4j2-local.properties" \
  -cp "$project/target/classes:$project/target/test-classes:$(cat "$project/$CLASSPATH_FILE")" \
  dev.analytics.pipeline.control.ControlTool "$@"
