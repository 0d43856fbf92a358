#!/usr/bin/env bash
# Restart time with a snapshot and a WAL tail, in the default configuration (every function on every series).
# Writes SERIES series with `weir bench insert`, takes a snapshot once PRE samples are in, keeps writing until TAIL
# more samples are acknowledged after the snapshot, kill -9s the node and restarts it RESTARTS times on the same data
# dir (kill -9 after each), printing the node's own start-up lines. Usage:
#   perf-tests/scripts/restart-bench.sh [SERIES=1000000] [PRE=20000000] [TAIL=20000000] [RESTARTS=3]
# A 5-minute tail of 1 M series scraped every 15 s is 20 M samples.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SERIES="${1:-1000000}"
PRE="${2:-20000000}"
TAIL="${3:-20000000}"
RESTARTS="${4:-3}"
PORT="${PORT:-19311}"
WORK="$(mktemp -d /tmp/weir-restartbench.XXXXXX)"
# shellcheck source=node.sh
. "$(dirname "$0")/node.sh"
write_config '{interval: 24h, keep: 3, write_rate: 4GiB}'   # unpaced: the snapshot is only the start of the tail here
total() { curl -s "$URL/ingest_stats" | sed 's/.*"total_samples":\([0-9]*\).*/\1/'; }
start_node first
# the pool must outlast the run: PRE + TAIL samples at up to 1.5 M/s
secs=$(( (PRE + TAIL) / 1000000 + 30 ))
WEIR_JAVA_OPTS="-Xmx8g" "$ROOT/weir" bench insert --url "$URL" --series "$SERIES" --samples-per-request 2000 --concurrency 4 \
    --warmup 1s --duration "${secs}s" --max-rate 1500000 >"$WORK/bench.txt" 2>&1 &
bench_pid=$!
until [ "$(total)" -ge "$PRE" ]; do sleep 0.5; done
curl -s -XPOST "$URL/api/v1/admin/snapshot" >"$WORK/snapshot.json"
at=$(total)
echo "snapshot at ~$at samples: $(cat "$WORK/snapshot.json")"
until [ "$(total)" -ge $((at + TAIL)) ]; do
  kill -0 "$bench_pid" 2>/dev/null || { echo "load ended before the tail was written"; tail -5 "$WORK/bench.txt"; exit 1; }
  sleep 0.2
done
kill -9 "$node_pid"; wait "$node_pid" 2>/dev/null || true
kill "$bench_pid" 2>/dev/null || true; wait "$bench_pid" 2>/dev/null || true
echo "killed (kill -9); acknowledged before the kill: >= $((at + TAIL)) samples"
du -sh "$WORK/data/wal" "$WORK/data/snapshots" "$WORK/data/series" 2>/dev/null || du -sh "$WORK/data"/*
for i in $(seq 1 "$RESTARTS"); do
  start_node "restart-$i"
  kill -9 "$node_pid"; wait "$node_pid" 2>/dev/null || true
done
echo "work dir: $WORK"
