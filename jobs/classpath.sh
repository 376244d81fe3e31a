# Sourced by the jobs/ scripts: builds the project when sources changed and sets CLASSPATH_FILE
# to a file listing the runtime classpath (Flink and the in-JVM Kafka included).
cp_file=target/local-classpath.txt
if [ ! -f "$cp_file" ] || [ -n "$(find pom.xml src/main -newer "$cp_file" -print -quit)" ]; then
  echo "== building (first run downloads dependencies) ..."
  mvn -B -q -DskipTests compile dependency:build-classpath \
    -Dmdep.includeScope=compile -Dmdep.outputFile="$cp_file"
fi
CLASSPATH_FILE=$cp_file
