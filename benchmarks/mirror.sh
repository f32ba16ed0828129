#!/usr/bin/env bash
# Measures the migration tool `mirror` (README, "Migrating the fleet"): how long its snapshot of N
# keys takes, and how long after a burst of W writes (over K keys, on the old deployment) the new
# one holds the same state again (`compare` exits 0). Two single nodes on a local PostgreSQL (scratch
# databases mirror_old and mirror_new, dropped and re-created); the N rows are inserted straight
# into the old one's state_entry.
#
#   benchmarks/mirror.sh [N=20000] [W=20000] [K=1000] [default|raised]
#
# default: the new deployment keeps the shipped rate limits (500 messages/s per client), which the
# mirror paces itself to; raised: 1,000,000/s, so the servers are the limit. The burst is written
# by Node.js (20 or later; its WebSocket client) with 256 requests in flight. Needs
# target/state-server.jar, psql and node; every port is a free 127.0.0.1 port.
set -euo pipefail
n=${1:-20000}
w=${2:-20000}
k=${3:-1000}
limits=${4:-default}
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/target/state-server.jar"
secret=mirror-bench-secret-0123456789-abcdefghijklmnop
logs="$(mktemp -d "${TMPDIR:-/tmp}/mirror-bench.XXXXXX")"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ms() { date +%s%3N; }

start_node() { # name port db [env...]
  local name=$1 port=$2 db=$3
  shift 3
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" postgres
  env STATE_HTTP_PORT="$port" STATE_DB_URL="jdbc:postgresql://127.0.0.1:5432/$db?user=postgres" \
    STATE_JWT_SECRET=$secret STATE_NODE_ID="$name" "$@" \
    java -Xmx1g -jar "$jar" >"$logs/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -sf "127.0.0.1:$port/health/ready" >/dev/null && return 0
    sleep 1
  done
  echo "node $name not ready (log: $logs/$name.log)" >&2
  exit 1
}

old_port=$(free_port)
new_port=$(free_port)
start_node old "$old_port" mirror_old STATE_RATE_MESSAGES_PER_S=1000000 STATE_RATE_BURST=1000000
if [[ $limits == raised ]]; then
  start_node new "$new_port" mirror_new STATE_RATE_MESSAGES_PER_S=1000000 STATE_RATE_BURST=1000000
else
  start_node new "$new_port" mirror_new
fi
now="(extract(epoch from now()) * 1000)::bigint"
psql -h 127.0.0.1 -U postgres -q -d mirror_old \
  -c "INSERT INTO state_entry SELECT 'bulk/' || g, '{\"v\":' || g || '}', 1, FALSE, $now, 'bulk', NULL, NULL FROM generate_series(1, $n) g"

token=$(STATE_JWT_SECRET=$secret java -jar "$jar" token --sub ops --roles admin --ttl 3600)
old_url="ws://127.0.0.1:$old_port/v1/ws"
new_url="ws://127.0.0.1:$new_port/v1/ws"

start=$(ms)
java -jar "$jar" mirror '#' --url "$old_url" --token "$token" --to-url "$new_url" \
  --to-token "$token" >"$logs/mirrored.jsonl" 2>"$logs/mirror.err" &
pids+=($!)
until grep -q 'mirrored the snapshot' "$logs/mirror.err"; do
  kill -0 "${pids[-1]}" 2>/dev/null || { cat "$logs/mirror.err" >&2; exit 1; }
  sleep 0.1
done
snapshot_ms=$(($(ms) - start))
echo "snapshot: $n keys in $snapshot_ms ms ($((n * 1000 / (snapshot_ms > 0 ? snapshot_ms : 1))) keys/s)"

cat >"$logs/burst.mjs" <<'EOF'
const [url, token, writes, keys] = process.argv.slice(2);
const ws = new WebSocket(`${url}?access_token=${token}`);
let sent = 0, done = 0, inFlight = 0;
const t0 = Date.now();
function pump() {
  while (inFlight < 256 && sent < Number(writes)) {
    ws.send(JSON.stringify({ op: 'set', id: ++sent, key: `burst/${sent % Number(keys)}`, value: sent }));
    inFlight++;
  }
}
ws.onmessage = (m) => {
  const f = JSON.parse(m.data);
  if (f.type === 'hello') return pump();
  if (f.type !== 'reply') return;
  if (!f.ok) { console.error(JSON.stringify(f)); process.exit(1); }
  inFlight--; done++;
  if (done === Number(writes)) {
    console.log(`burst: ${writes} writes over ${keys} keys in ${Date.now() - t0} ms`);
    process.exit(0);
  }
  pump();
};
ws.onerror = (e) => { console.error(String(e.message || e)); process.exit(1); };
EOF
# Node 20 and 21 need a flag for their WebSocket client; later ones have it by default
flag=$(node -e 'process.stdout.write(typeof WebSocket === "function" ? "" : "--experimental-websocket")')
node $flag "$logs/burst.mjs" "$old_url" "$token" "$w" "$k"
burst_end=$(ms)
until java -jar "$jar" compare '#' --url "$old_url" --token "$token" --with-url "$new_url" \
  --with-token "$token" >"$logs/compare.jsonl" 2>&1; do
  sleep 0.2
done
echo "caught up: the same state $(($(ms) - burst_end)) ms after the burst's last reply" \
  "(compare's own run included); writes there: $(grep -c '"burst/' "$logs/mirrored.jsonl")"
echo "logs: $logs"
