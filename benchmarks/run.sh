#!/usr/bin/env bash
# Runs one benchmark scenario against this server and its peers (Mosquitto, NATS), then against the
# harness's own calibration server, and writes benchmarks/results/<scenario>-<time>.json and .html.
#
#   benchmarks/run.sh S1|S2|S3|S4|S5|S6 [--scale smoke|moderate|full] [--targets state,mosquitto,nats]
#                     [--no-calibration] [--db h2|postgres] [--server-env NAME=VALUE] [--<param> value]
#
# It builds what is missing (the server fat jar through the root pom, the harness jar), starts every
# system on free 127.0.0.1 ports, and stops everything it started when it ends or is interrupted.
# Environment: MVN_FLAGS (default "-o -q -B"), BENCH_JVM (harness JVM options, default "-Xmx4g").
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
mvn_flags=${MVN_FLAGS:--o -q -B}

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi

server_jar="$root/target/state-server.jar"
if [[ ! -f $server_jar ]]; then
  echo "building the server jar ($server_jar)" >&2
  (cd "$root" && mvn $mvn_flags package -DskipTests -Dspotless.check.skip=true)
fi

bench_jar="$here/target/state-bench.jar"
if [[ ! -f $bench_jar || -n "$(find "$here/src" "$here/pom.xml" -newer "$bench_jar" -print -quit)" ]]; then
  echo "building the harness jar ($bench_jar)" >&2
  (cd "$here" && mvn $mvn_flags package)
fi

# One descriptor per connection, in the harness and in the server: use all the hard limit allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

pidfile="$(mktemp "${TMPDIR:-/tmp}/state-bench-pids.XXXXXX")"
export BENCH_PIDFILE="$pidfile"
harness_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $harness_pid ]] && kill -0 "$harness_pid" 2>/dev/null; then
    kill -TERM "$harness_pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$harness_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$harness_pid" 2>/dev/null || true
  fi
  # Whatever the harness started and could not stop itself (e.g. it was killed).
  if [[ -s $pidfile ]]; then
    while read -r pid; do kill -TERM "$pid" 2>/dev/null || true; done <"$pidfile"
    sleep 1
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$pidfile"
  fi
  rm -f "$pidfile"
  exit "$status"
}
trap cleanup EXIT INT TERM

# shellcheck disable=SC2086
java ${BENCH_JVM:--Xmx4g} -jar "$bench_jar" "$@" --root "$root" &
harness_pid=$!
wait "$harness_pid"
