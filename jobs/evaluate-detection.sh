#!/usr/bin/env bash
# Evaluation of pattern detection, against the plain seed rules. Prints Markdown tables.
#   jobs/evaluate-detection.sh [labelled series per shape (20)] [noise series per shape (67)]
#     precision, recall and delay on the synthetic labelled series (EvaluationSeries), quiet on noise
#   jobs/evaluate-detection.sh realistic [series per family (10)] [first seed (1)]
#     streaming (NAB-style) score, false alerts, misses and delay per family of the realistic
#     corpus (RealisticSeries), for the detector with one value per window and with the defaults
#   jobs/evaluate-detection.sh all
#     both reports, with their default sizes
# MAVEN_ARGS is passed to Maven (e.g. MAVEN_ARGS=-o to build offline).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
mvn -B -q ${MAVEN_ARGS:-} -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
run() {
  java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" "$@"
}
case "${1:-}" in
  realistic)
    shift
    run dev.analytics.pipeline.detection.RealisticEvaluation "$@"
    ;;
  all)
    run dev.analytics.pipeline.detection.DetectionEvaluation
    echo
    run dev.analytics.pipeline.detection.RealisticEvaluation
    ;;
  *)
    run dev.analytics.pipeline.detection.DetectionEvaluation "$@"
    ;;
esac
