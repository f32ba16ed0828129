#!/usr/bin/env bash
# Measures the cost of a catch-up sweep (docs/architecture.md, "Catch-up"): two clustered nodes on
# a local PostgreSQL (a scratch database catchup_bench, dropped and re-created), N rows inserted
# straight into state_entry, then a third node joins and the first two log their sweeps.
#
#   benchmarks/catchup-sweep.sh [N=200000] [old|recent]
#
# old: the rows were written an hour ago (the sweep reads past them); recent: written now (the
# sweep hands every one to the connections). Needs target/state-server.jar and psql; every port is
# a free 127.0.0.1 port.
set -euo pipefail
n=${1:-200000}
age=${2:-old}
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/target/state-server.jar"
db=catchup_bench
url="jdbc:postgresql://127.0.0.1:5432/$db?user=postgres"
logs="$(mktemp -d "${TMPDIR:-/tmp}/catchup-sweep.XXXXXX")"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=($(free_port) $(free_port) $(free_port))
member=($(free_port) $(free_port) $(free_port))
members="127.0.0.1:${member[0]},127.0.0.1:${member[1]},127.0.0.1:${member[2]}"

start_node() { # index
  local i=$1
  STATE_CLUSTER=true STATE_HTTP_PORT=${http[$i]} STATE_CLUSTER_PORT=${member[$i]} \
    STATE_CLUSTER_MEMBERS=$members STATE_DB_URL=$url STATE_NODE_ID="n$i" \
    STATE_JWT_SECRET=catchup-sweep-secret-0123456789-abcdefghijklmnop \
    java -Xmx1g -jar "$jar" >"$logs/n$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -sf "127.0.0.1:${http[$i]}/health/ready" >/dev/null && return 0
    sleep 1
  done
  echo "node n$i not ready (log: $logs/n$i.log)" >&2
  exit 1
}

psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" postgres
start_node 0
start_node 1
now="(extract(epoch from now()) * 1000)::bigint"
[[ $age == recent ]] && ts=$now || ts="$now - 3600000"
psql -h 127.0.0.1 -U postgres -q -d "$db" \
  -c "INSERT INTO state_entry SELECT 'bulk/' || g, '{\"v\":' || g || '}', 1, FALSE, $ts, 'bulk', NULL, NULL FROM generate_series(1, $n) g" \
  -c "ANALYZE state_entry"
sleep 2
start_node 2
sleep 12 # the sweeps at the join and their repeats 5 s later
grep -h 'caught up' "$logs/n0.log" "$logs/n1.log"
echo "logs: $logs"
