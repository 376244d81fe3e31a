#!/usr/bin/env bash
# Evaluation of pattern detection on labelled series (precision, recall, delay; quiet on noise),
# against the plain seed rules. Prints Markdown tables.
#   jobs/evaluate-detection.sh [labelled series per shape (20)] [noise series per shape (67)]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.analytics.pipeline.detection.DetectionEvaluation "$@"
