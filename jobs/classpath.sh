# Sourced by the jobs/ scripts: builds the project when sources changed and sets RUN_CLASSPATH to the
# runtime classpath (Flink and the in-JVM Kafka included).
#   source jobs/classpath.sh         the job's classes (target/classes)
#   source jobs/classpath.sh local   and the local run's (src/local, compiled with the test sources
#                                    into target/test-classes: it is not in the job jar)
if [ "${1:-}" = local ]; then
  cp_file=target/local-run-classpath.txt
  goal=test-compile
  scope=test
  classes=target/classes:target/test-classes
else
  cp_file=target/local-classpath.txt
  goal=compile
  scope=compile
  classes=target/classes
fi
if [ ! -f "$cp_file" ] || [ -n "$(find pom.xml src/main src/local -newer "$cp_file" -print -quit)" ]; then
  echo "== building (first run downloads dependencies) ..."
  mvn -B -q -DskipTests "$goal" dependency:build-classpath \
    -Dmdep.includeScope="$scope" -Dmdep.outputFile="$cp_file"
fi
CLASSPATH_FILE=$cp_file
RUN_CLASSPATH="$classes:$(cat "$cp_file")"
