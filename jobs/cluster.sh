#!/usr/bin/env bash
# A standalone Flink 2.3.0 session cluster on this machine, assembled from Maven Central alone (no
# Flink distribution, no Docker): one JobManager and one TaskManager as background processes, by
# default with ZooKeeper high availability (a private ZooKeeper from Debian's package `zookeeper`),
# and the lifecycle of the analytics job on it.
#
#   jobs/cluster.sh start                  assemble the Flink home (first run downloads lib/), start
#                                          ZooKeeper (with HA), JobManager + TaskManager, wait for
#                                          the REST API; with HA, jobs that ran at the last stop or
#                                          crash come back by themselves
#   jobs/cluster.sh stop | status          stop: TaskManager, JobManager, then ZooKeeper (with HA the
#                                          running jobs stay in the HA store for the next start)
#   jobs/cluster.sh submit [--fresh] [-p N] [--config FILE] [--key value ...]
#                                          build the job jar if needed and run it detached; refused
#                                          while a job of the same instance (job.instance-id) runs
#                                          here, and, without --fresh, when an earlier job of that
#                                          instance left a retained checkpoint or savepoint (resume)
#   jobs/cluster.sh list                   running jobs
#   jobs/cluster.sh stop-job [JOB_ID] [--drain]
#                                          stop with a savepoint into savepoints/, print its path
#   jobs/cluster.sh cancel [JOB_ID]        cancel without a savepoint (its retained checkpoints stay)
#   jobs/cluster.sh resume [latest|SAVEPOINT|CHECKPOINT] [-p N] [-n] [--config FILE] [--key ...]
#                                          latest: the newest retained checkpoint or savepoint of
#                                          the instance's jobs submitted here (after a stop, a crash
#                                          or a cancel alike)
#   jobs/cluster.sh resume-checkpoint [latest|CHECKPOINT] [-p N] [-n] [--config ...]
#                                          the latest retained checkpoint of the last job submitted
#                                          here
#   jobs/cluster.sh kill-tm | start-tm     SIGKILL the TaskManager / start a new one (failure tests)
#   jobs/cluster.sh kill-jm | start-jm     SIGKILL the JobManager / start a new one; with HA the new
#                                          one recovers every running job from its latest completed
#                                          checkpoint by itself (without HA the jobs are gone: resume)
#
# -p N sets the parallelism (rescale on resume), -n (--allowNonRestoredState) drops the state of
# removed operators; -c CLASS and -C URL (flink run's entry class and extra user classpath) run
# another main class with the job jar, e.g. the chaos suite's job from target/test-classes.
# resume and resume-checkpoint without job arguments reuse those of the last submission. A start
# without state over the state of an earlier run loses that run's last checkpoint of output (its
# prepared PostgreSQL and open Kafka transactions are rolled back, its ClickHouse inserts exist only
# in the checkpoint): hence --fresh, and the job's own warning at start-up.
# Everything is configured by environment variables:
#
#   FLINK_CLUSTER_DIR     the Flink home: conf/, lib/, log/, pids       target/flink-cluster
#   FLINK_REST_PORT       REST API and web UI                           8081
#   FLINK_RPC_PORT        JobManager RPC                                6123
#   FLINK_PROM_PORTS      Prometheus reporter port range (JM and TM)    9249-9259
#   FLINK_SLOTS           task slots of the TaskManager                 2
#   FLINK_CHECKPOINT_DIR  cluster default checkpoint dir                $FLINK_CLUSTER_DIR/checkpoints
#   FLINK_SAVEPOINT_DIR   savepoints (stop-job, default of the cluster) <project>/savepoints
#   FLINK_HA              zookeeper (high availability) or none         zookeeper
#   FLINK_ZK_PORT         client port of the private ZooKeeper          2181
#   FLINK_ZK_SESSION_TIMEOUT  ZooKeeper session timeout, ms (bounds how
#                         soon a new JobManager can take over)          10000
#   FLINK_HA_CLUSTER_ID   high-availability.cluster-id                  analytics-pipeline
#   FLINK_PROPERTIES      extra config.yaml lines (as in the official Docker image)
#   JOB_BUILD_DIR         Maven build directory of the job jar          <project>/target
set -euo pipefail

project=$(cd "$(dirname "$0")/.." && pwd)
home=${FLINK_CLUSTER_DIR:-$project/target/flink-cluster}
mkdir -p "$home"
home=$(cd "$home" && pwd)
rest_port=${FLINK_REST_PORT:-8081}
# After start, the commands talk to the port this Flink home was started with.
if [ -z "${FLINK_REST_PORT:-}" ] && [ "${1:-}" != start ] && [ -f "$home/conf/config.yaml" ]; then
  rest_port=$(sed -n 's/^rest.port: *//p' "$home/conf/config.yaml")
fi
rpc_port=${FLINK_RPC_PORT:-6123}
prom_ports=${FLINK_PROM_PORTS:-9249-9259}
slots=${FLINK_SLOTS:-2}
checkpoint_dir=${FLINK_CHECKPOINT_DIR:-$home/checkpoints}
savepoint_dir=${FLINK_SAVEPOINT_DIR:-$project/savepoints}
build_dir=${JOB_BUILD_DIR:-$project/target}
ha=${FLINK_HA:-zookeeper}
# After start, the commands keep the high-availability mode this Flink home was started with.
if [ -z "${FLINK_HA:-}" ] && [ "${1:-}" != start ] && [ -f "$home/conf/config.yaml" ]; then
  grep -q '^high-availability.type: zookeeper' "$home/conf/config.yaml" || ha=none
fi
case "$ha" in zookeeper | none) ;; *) echo "cluster.sh: FLINK_HA must be zookeeper or none, not '$ha'" >&2; exit 2 ;; esac
zk_port=${FLINK_ZK_PORT:-2181}
zk_session_timeout=${FLINK_ZK_SESSION_TIMEOUT:-10000}
ha_cluster_id=${FLINK_HA_CLUSTER_ID:-analytics-pipeline}
# Debian's zookeeper package: the server jar names its dependencies in its manifest's Class-Path.
zk_jar=/usr/share/java/zookeeper.jar
rest="http://localhost:$rest_port"

export FLINK_CONF_DIR=$home/conf FLINK_LIB_DIR=$home/lib FLINK_PLUGINS_DIR=$home/plugins
read -r -a jvm_options <<<"$(tr '\n' ' ' <"$project/jobs/jvm-options")"

say() { echo "== $*" >&2; }
die() { echo "cluster.sh: $*" >&2; exit 1; }
uri() { case "$1" in *://*) echo "$1" ;; *) echo "file://$(mkdir -p "$1" && cd "$1" && pwd)" ;; esac; }
alive() { [ -f "$home/$1.pid" ] && kill -0 "$(cat "$home/$1.pid")" 2>/dev/null; }
rest_up() { curl -sf -m 2 "$rest/overview" 2>/dev/null; }

# ---- the Flink home ----

assemble() {
  if [ ! -f "$home/lib/.complete" ] || [ "$project/jobs/cluster/pom.xml" -nt "$home/lib/.complete" ]; then
    say "lib/: copying Flink $(grep -m1 -o '<flink.version>[^<]*' "$project/jobs/cluster/pom.xml" | cut -d'>' -f2) from Maven Central (cached in ~/.m2)"
    rm -rf "$home/lib"
    mvn -B -q -f "$project/jobs/cluster/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$home/lib" >&2
    touch "$home/lib/.complete"
  fi
  mkdir -p "$home/conf" "$home/log" "$home/plugins" "$home/tmp" "$home/jobs"
  local extra=""
  [ -n "${FLINK_PROPERTIES:-}" ] && extra=$'\n# FLINK_PROPERTIES\n'"$FLINK_PROPERTIES"
  cat >"$home/conf/config.yaml" <<EOF
# Written by jobs/cluster.sh start; edit the script (or FLINK_PROPERTIES), not this file.
jobmanager.rpc.address: localhost
jobmanager.rpc.port: $rpc_port
jobmanager.bind-host: localhost
taskmanager.host: localhost
taskmanager.bind-host: localhost
rest.address: localhost
rest.bind-address: localhost
rest.port: $rest_port

# Small enough for a shared 2-core machine: about 1 GB per process.
jobmanager.memory.process.size: 1024m
taskmanager.memory.process.size: 1280m
taskmanager.memory.managed.fraction: 0.2
taskmanager.numberOfTaskSlots: $slots
parallelism.default: 1

# Defaults for jobs that do not set their own (the analytics job sets checkpoint.dir itself).
state.backend.type: rocksdb
execution.checkpointing.incremental: true
execution.checkpointing.dir: $(uri "$checkpoint_dir")
execution.checkpointing.savepoint-dir: $(uri "$savepoint_dir")
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
execution.checkpointing.num-retained: 3

metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: $prom_ports

io.tmp.dirs: $home/tmp
web.submit.enable: true
web.upload.dir: $home/tmp
$(ha_config)
$extra
EOF
  for f in log4j log4j-cli; do
    cat >"$home/conf/$f.properties" <<'EOF'
# Written by jobs/cluster.sh start.
monitorInterval = 30
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.rocksdb.name = org.apache.flink.state.rocksdb
logger.rocksdb.level = WARN
appender.main.name = MainAppender
appender.main.type = RollingFile
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.filePattern = ${sys:log.file}.%i
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
appender.main.policies.type = Policies
appender.main.policies.size.type = SizeBasedTriggeringPolicy
appender.main.policies.size.size = 100MB
appender.main.strategy.type = DefaultRolloverStrategy
appender.main.strategy.max = 5
EOF
  done
}

# The high-availability lines of config.yaml (none without HA).
ha_config() {
  [ "$ha" = zookeeper ] || { echo "# No high availability (FLINK_HA=none): a lost JobManager loses its jobs."; return; }
  cat <<EOF
# High availability: the leader, the running jobs and their completed checkpoints live in the
# private ZooKeeper (pointers) and in the HA store (the data), so that a new JobManager takes over
# every running job from its latest completed checkpoint.
high-availability.type: zookeeper
high-availability.zookeeper.quorum: localhost:$zk_port
high-availability.zookeeper.path.root: /flink
high-availability.cluster-id: $ha_cluster_id
high-availability.storageDir: $(uri "$home/ha")
# A killed JobManager's leadership ends only with its ZooKeeper session: the session timeout
# bounds how soon a new one takes over. A connection that drops briefly (a loaded machine) does
# not cost the leadership while the session lives.
high-availability.zookeeper.client.session-timeout: $zk_session_timeout
high-availability.zookeeper.client.connection-timeout: $zk_session_timeout
high-availability.zookeeper.client.tolerate-suspended-connections: true
# With HA the JobManager's RPC port comes from this key (default: any free port).
high-availability.jobmanager.port: $rpc_port
EOF
}

# ---- ZooKeeper (high availability) ----

zk_ok() { timeout 2 bash -c "exec 3<>/dev/tcp/localhost/$zk_port && echo ruok >&3 && cat <&3" 2>/dev/null | grep -q imok; }

need_zookeeper() {
  [ -f "$zk_jar" ] || die "high availability needs ZooKeeper: $zk_jar not found. Install Debian's package (apt-get install zookeeper), or run without HA (FLINK_HA=none)"
}

start_zookeeper() {
  alive zookeeper && return 0
  need_zookeeper
  if timeout 1 bash -c "exec 3<>/dev/tcp/localhost/$zk_port" 2>/dev/null; then
    die "port $zk_port is in use (FLINK_ZK_PORT), and not by the ZooKeeper of $home"
  fi
  mkdir -p "$home/zookeeper/data" "$home/log"
  cat >"$home/zookeeper/zoo.cfg" <<EOF
# Written by jobs/cluster.sh start: a standalone ZooKeeper private to this Flink home.
tickTime=1000
dataDir=$home/zookeeper/data
clientPort=$zk_port
clientPortAddress=localhost
# Sessions of 2 to 40 s; Flink asks for FLINK_ZK_SESSION_TIMEOUT.
minSessionTimeout=2000
maxSessionTimeout=40000
# No admin web server (it would take port 8080); ruok for the start-up check.
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat
# Transaction log files grow in 4 MB steps, not 64 MB.
preAllocSize=4096
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
EOF
  (cd "$home" && exec setsid java -Xmx256m -cp "$zk_jar:/usr/share/java/slf4j-simple.jar" \
    -Dorg.slf4j.simpleLogger.showDateTime=true \
    -Dorg.slf4j.simpleLogger.dateTimeFormat='yyyy-MM-dd HH:mm:ss,SSS' -Dzookeeper.jmx.log4j.disable=true \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$home/zookeeper/zoo.cfg" \
    </dev/null >"$home/log/zookeeper.log" 2>&1) &
  echo $! >"$home/zookeeper.pid"
  local deadline=$((SECONDS + 60))
  until zk_ok; do
    alive zookeeper || die "ZooKeeper exited; see $home/log/zookeeper.log"
    [ $SECONDS -lt $deadline ] || die "ZooKeeper not answering on localhost:$zk_port after 60 s; see $home/log/zookeeper.log"
    sleep 0.3
  done
  say "ZooKeeper started (pid $(cat "$home/zookeeper.pid")) on localhost:$zk_port, data $home/zookeeper/data, log $home/log/zookeeper.log"
}

# The BASH_JAVA_UTILS_EXEC_RESULT lines of BashJavaUtils: JVM memory flags, then dynamic options.
resource_params() {
  local out
  out=$(java -cp "$home/lib/*" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" \
    --configDir "$home/conf" 2>&1) || die "BashJavaUtils $1 failed: $out"
  echo "$out" | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}

# launch NAME MAIN_CLASS RESOURCE_COMMAND: a detached JVM with a pid file and logs under log/.
launch() {
  local name=$1 main=$2 params jvm dyn
  alive "$name" && die "$name already running (pid $(cat "$home/$name.pid"))"
  params=$(resource_params "$3")
  jvm=$(echo "$params" | sed -n 1p)
  dyn=$(echo "$params" | sed -n 2p)
  local log=$home/log/$name.log
  # shellcheck disable=SC2086 # the flags are words by design
  (cd "$home" && exec setsid java $jvm "${jvm_options[@]}" -XX:+UseG1GC \
    -Dlog.file="$log" -Dlog4j.configurationFile="file:$home/conf/log4j.properties" \
    -cp "$home/lib/*" "$main" --configDir "$home/conf" $dyn \
    </dev/null >"$home/log/$name.out" 2>&1) &
  echo $! >"$home/$name.pid"
  say "$name started (pid $!), log $log"
}

wait_rest() {
  local deadline=$((SECONDS + ${1:-90}))
  until rest_up | grep -q '"slots-total":[1-9]'; do
    alive jobmanager || die "the JobManager exited; see $home/log/jobmanager.log and .out"
    [ $SECONDS -lt $deadline ] || die "no REST API with a TaskManager on $rest after ${1:-90} s"
    sleep 0.3
  done
}

terminate() {
  local name=$1
  if alive "$name"; then
    local pid
    pid=$(cat "$home/$name.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; say "$name killed (pid $pid)"; } \
      || say "$name stopped (pid $pid)"
  fi
  rm -f "$home/$name.pid"
}

# ---- the job ----

cli() {
  java "${jvm_options[@]}" -Dlog.file="$home/log/client.log" \
    -Dlog4j.configurationFile="file:$home/conf/log4j-cli.properties" \
    -cp "$home/lib/*" org.apache.flink.client.cli.CliFrontend "$@"
}

job_jar() {
  local jar
  jar=$(ls "$build_dir"/analytics-pipeline-*-job.jar 2>/dev/null | head -1 || true)
  if [ -z "$jar" ] || [ -n "$(find "$project/pom.xml" "$project/src/main" -newer "$jar" -print -quit)" ]; then
    say "building the job jar (mvn package, tests skipped) into $build_dir"
    (cd "$project" && mvn -B -q -Dmaven.test.skip=true -Dbuild.dir="$build_dir" package >&2)
    jar=$(ls "$build_dir"/analytics-pipeline-*-job.jar | head -1)
  fi
  echo "$jar"
}

# Splits "$@" into cli_opts (-p N, -n, -c CLASS, -C URL) and job_args (the rest).
split_args() {
  cli_opts=() job_args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -p | --parallelism) cli_opts+=(-p "$2"); shift 2 ;;
      -n | --allowNonRestoredState) cli_opts+=(-n); shift ;;
      -c | --class) cli_opts+=(-c "$2"); shift 2 ;;
      -C | --classpath) cli_opts+=(-C "$2"); shift 2 ;;
      *) job_args+=("$1"); shift ;;
    esac
  done
}

# job_facts: resolves job_args (those of the last submission when none are given and $1 is
# "reuse"), and job_ckpt and job_instance, the job's checkpoint.dir and instance id, with the job's
# own configuration loader (which also refuses a bad configuration up front).
job_facts() {
  rest_up >/dev/null || die "no cluster on $rest (jobs/cluster.sh start)"
  jar=$(job_jar)
  if [ ${#job_args[@]} -eq 0 ] && [ -f "$home/jobs/last" ] && [ "${1:-}" = reuse ]; then
    mapfile -d '' job_args <"$home/jobs/$(cat "$home/jobs/last").args"
    say "job arguments of the last submission: ${job_args[*]}"
  fi
  local facts
  facts=$(cd "$project" && java -cp "$jar:$home/lib/*" dev.analytics.pipeline.config.ConfigValue \
    checkpoint.dir,job.instance-id "${job_args[@]}") || exit 2
  job_ckpt=$(echo "$facts" | sed -n 1p)
  job_instance=$(echo "$facts" | sed -n 2p)
}

# run_job [-s PATH]: runs the jar detached with cli_opts and job_args (after job_facts); records
# the job.
run_job() {
  local out id
  out=$(cd "$project" && cli run -d "$@" "${cli_opts[@]}" "$jar" "${job_args[@]}" 2>&1) \
    || { echo "$out" >&2; die "submission failed"; }
  echo "$out"
  id=$(echo "$out" | grep -o 'JobID [0-9a-f]\{32\}' | tail -1 | cut -d' ' -f2)
  [ -n "$id" ] || die "no JobID in the output above"
  printf '%s\0' "${job_args[@]}" >"$home/jobs/$id.args"
  echo "$job_ckpt" >"$home/jobs/$id.checkpoint-dir"
  echo "$job_instance" >"$home/jobs/$id.instance"
  echo "$id" >"$home/jobs/last"
}

# The jobs submitted here with instance id $1, oldest first.
instance_jobs() {
  local f
  for f in $(ls -1tr "$home"/jobs/*.instance 2>/dev/null); do
    [ "$(cat "$f")" = "$1" ] && basename "$f" .instance
  done
  return 0
}

# The newest retained state (checkpoint or savepoint, by the time of its _metadata) of the jobs of
# instance $1 submitted here; empty when there is none.
instance_state() {
  local id path best="" best_time=0 t
  for id in $(instance_jobs "$1"); do
    for path in $(latest_checkpoint "$id") $(cat "$home/jobs/$id.savepoints" 2>/dev/null); do
      [ -f "${path#file://}/_metadata" ] || continue
      t=$(stat -c %Y "${path#file://}/_metadata")
      [ "$t" -ge "$best_time" ] && { best=$path best_time=$t; }
    done
  done
  echo "$best"
}

# Refuses a second job of instance $1 beside a running one.
not_running() {
  local id
  for id in $(running_jobs); do
    [ "$(cat "$home/jobs/$id.instance" 2>/dev/null)" = "$1" ] \
      && die "job $id of instance '$1' is running here; stop it first (jobs/cluster.sh stop-job $id), or give the new job another job.instance-id"
  done
  return 0
}

running_jobs() { cli list -r 2>/dev/null | grep -o ' : [0-9a-f]\{32\} : ' | tr -d ' :' || true; }

# The one running job, for commands given no job id.
the_running_job() {
  local ids
  mapfile -t ids < <(running_jobs)
  [ ${#ids[@]} -eq 1 ] || die "${#ids[@]} running jobs (${ids[*]:-none}); name one"
  echo "${ids[0]}"
}

# The latest completed checkpoint of a job: chk-N with the highest N that has _metadata.
latest_checkpoint() {
  local id=$1 dir
  dir=$(cat "$home/jobs/$id.checkpoint-dir" 2>/dev/null) || die "job $id was not submitted here"
  dir=${dir#file://}
  dir=${dir#file:}
  dir=${dir%/}
  ls -1d "$dir/$id"/chk-* 2>/dev/null | awk -F'chk-' '{print $NF "\t" $0}' | sort -n -r | cut -f2- |
    while read -r d; do
      [ -f "$d/_metadata" ] && { echo "file://$d"; break; }
    done
}

# Job commands act only on the cluster started from this Flink home, never on another one that
# happens to listen on the same port (a local run's mini-cluster, say).
own_cluster() {
  alive jobmanager || die "no cluster started from $home (jobs/cluster.sh start)"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  submit | list | stop-job | cancel | resume | resume-checkpoint) own_cluster ;;
esac
case "$cmd" in
  start)
    t0=$(date +%s%N)
    alive jobmanager && die "already running (jobs/cluster.sh status)"
    if curl -s -m 1 -o /dev/null "$rest" 2>/dev/null; then die "port $rest_port is in use (FLINK_REST_PORT)"; fi
    # Before the minutes lib/ may take on a first run.
    [ "$ha" = zookeeper ] && need_zookeeper
    assemble
    [ "$ha" = zookeeper ] && start_zookeeper
    launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint GET_JM_RESOURCE_PARAMS
    launch taskmanager org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS
    wait_rest 120
    ms=$((($(date +%s%N) - t0) / 1000000))
    say "cluster up in $((ms / 1000)).$((ms % 1000 / 100)) s: web UI $rest, Flink home $home"
    if [ "$ha" = zookeeper ]; then
      say "high availability: ZooKeeper localhost:$zk_port, HA store $home/ha, cluster id $ha_cluster_id (FLINK_HA=none to run without)"
    else
      say "no high availability (FLINK_HA=none): a lost JobManager loses its jobs"
    fi
    ;;
  stop)
    terminate taskmanager
    terminate jobmanager
    terminate zookeeper
    ;;
  status)
    for p in zookeeper jobmanager taskmanager; do
      if alive "$p"; then echo "$p: running (pid $(cat "$home/$p.pid"))"; else echo "$p: not running"; fi
    done
    if ! alive jobmanager; then
      rest_up >/dev/null && echo "REST $rest: answering, but not a cluster of $home"
    elif o=$(rest_up); then echo "REST $rest: $o"; else echo "REST $rest: not answering"; fi
    ;;
  kill-tm)
    alive taskmanager || die "no TaskManager running"
    kill -KILL "$(cat "$home/taskmanager.pid")"
    say "TaskManager killed (SIGKILL, pid $(cat "$home/taskmanager.pid"))"
    rm -f "$home/taskmanager.pid"
    ;;
  start-tm)
    launch taskmanager org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS
    ;;
  kill-jm)
    alive jobmanager || die "no JobManager running"
    kill -KILL "$(cat "$home/jobmanager.pid")"
    say "JobManager killed (SIGKILL, pid $(cat "$home/jobmanager.pid"))"
    rm -f "$home/jobmanager.pid"
    [ "$ha" = zookeeper ] || say "no high availability: its jobs are gone with it (jobs/cluster.sh resume after start-jm)"
    ;;
  start-jm)
    [ "$ha" = zookeeper ] && start_zookeeper
    launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint GET_JM_RESOURCE_PARAMS
    deadline=$((SECONDS + 120))
    until rest_up >/dev/null; do
      alive jobmanager || die "the JobManager exited; see $home/log/jobmanager.log and .out"
      [ $SECONDS -lt $deadline ] || die "no REST API on $rest after 120 s"
      sleep 0.3
    done
    say "JobManager answering on $rest"
    ;;
  submit)
    fresh=false args=()
    for a in "$@"; do [ "$a" = --fresh ] && fresh=true || args+=("$a"); done
    split_args "${args[@]}"
    job_facts
    not_running "$job_instance"
    state=$(instance_state "$job_instance")
    if [ -n "$state" ] && [ "$fresh" = false ]; then
      die "an earlier job of instance '$job_instance' left state: $state
  jobs/cluster.sh resume            continues from it (the safe path: nothing lost or doubled)
  jobs/cluster.sh submit --fresh    starts without state: the output of that job's last checkpoint
                                    that was not committed yet is rolled back and lost"
    fi
    [ -n "$state" ] && say "starting instance '$job_instance' without state (--fresh), over $state"
    run_job
    ;;
  list)
    cli list -r
    ;;
  cancel)
    id=${1:-}
    [ -n "$id" ] || { id=$(the_running_job) || exit 1; }
    cli cancel "$id" >&2
    ;;
  stop-job)
    drain=() id=""
    for a in "$@"; do
      case "$a" in --drain | -d) drain=(--drain) ;; *) id=$a ;; esac
    done
    [ -n "$id" ] || { id=$(the_running_job) || exit 1; }
    out=$(cli stop --savepointPath "$(uri "${savepoint_dir#file://}")" "${drain[@]}" "$id" 2>&1) \
      || { echo "$out" >&2; die "stop-with-savepoint failed"; }
    path=$(echo "$out" | grep -o 'Savepoint completed\. Path: .*' | sed 's/.*Path: //')
    [ -n "$path" ] || { echo "$out" >&2; die "no savepoint path in the output"; }
    echo "$out" | grep -v '^$' >&2
    echo "$path" >>"$home/jobs/$id.savepoints"
    echo "$path"
    ;;
  resume)
    what=latest
    if [ $# -gt 0 ] && [[ "$1" != -* ]]; then what=$1; shift; fi
    split_args "$@"
    job_facts reuse
    not_running "$job_instance"
    if [ "$what" = latest ]; then
      what=$(instance_state "$job_instance")
      [ -n "$what" ] || die "no retained checkpoint or savepoint of instance '$job_instance' was recorded here; name one (jobs/cluster.sh resume PATH) or start without state (jobs/cluster.sh submit)"
    fi
    say "resuming instance '$job_instance' from $what"
    run_job -s "$what"
    ;;
  resume-checkpoint)
    what=latest
    if [ $# -gt 0 ] && [[ "$1" != -* ]]; then what=$1; shift; fi
    if [ "$what" = latest ]; then
      [ -f "$home/jobs/last" ] || die "no job was submitted from $home"
      last=$(cat "$home/jobs/last")
      what=$(latest_checkpoint "$last")
      [ -n "$what" ] || die "no completed checkpoint of job $last"
    fi
    split_args "$@"
    job_facts reuse
    not_running "$job_instance"
    say "resuming from $what"
    run_job -s "$what"
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
