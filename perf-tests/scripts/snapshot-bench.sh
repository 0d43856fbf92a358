#!/usr/bin/env bash
# Snapshot measurements for docs/benchmarks.md: snapshot time and size for N sketched series, ingest rate while a
# snapshot is written vs before, restart with a snapshot vs full WAL replay. Usage:
#   [FUNCTIONS="[avg_over_time, ...]"] perf-tests/scripts/snapshot-bench.sh [SERIES=100000] [LOAD_SECONDS=60]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SERIES="${1:-100000}"
LOAD="${2:-60}"
PORT="${PORT:-19301}"
WORK="$(mktemp -d /tmp/weir-snapbench.XXXXXX)"
# shellcheck source=node.sh
. "$(dirname "$0")/node.sh"
write_config '{interval: 24h, keep: 3}'
start_node first
# load for LOAD seconds; a snapshot is requested in the middle; total samples sampled every second
WEIR_JAVA_OPTS="-Xmx8g" "$ROOT/weir" bench insert --url "$URL" --series "$SERIES" --samples-per-request 2000 --concurrency 4 --max-rate 2500000 \
    --warmup 5s --duration "${LOAD}s" >"$WORK/bench.txt" 2>&1 &
bench_pid=$!
( while kill -0 "$bench_pid" 2>/dev/null; do
    echo "$(date +%s.%N) $(curl -s "$URL/ingest_stats" | sed 's/.*"total_samples":\([0-9]*\).*/\1/')"
    sleep 1
  done ) >"$WORK/totals.txt" &
# the load tool encodes its request pool first: wait for the first samples, then half the load time
until [ "$(curl -s "$URL/ingest_stats" | sed 's/.*"total_samples":\([0-9]*\).*/\1/')" -gt 0 ]; do sleep 0.5; done
sleep $((5 + LOAD / 2))
t0=$(date +%s.%N)
curl -s -XPOST "$URL/api/v1/admin/snapshot" >"$WORK/snapshot.json"
t1=$(date +%s.%N)
echo "snapshot requested at $t0, answered at $t1"
cat "$WORK/snapshot.json"; echo
wait "$bench_pid" || true
cat "$WORK/bench.txt" | tail -5
python3 - "$WORK/totals.txt" "$t0" "$t1" <<'PY'
import sys
rows=[tuple(map(float,l.split())) for l in open(sys.argv[1]) if len(l.split())==2]
t0,t1=float(sys.argv[2]),float(sys.argv[3])
def rate(a,b):
    pts=[r for r in rows if a<=r[0]<=b]
    return (pts[-1][1]-pts[0][1])/(pts[-1][0]-pts[0][0]) if len(pts)>1 else float('nan')
print("ingest rate before the snapshot: %.0f samples/s" % rate(rows[0][0]+5, t0))
print("ingest rate while it was taken:  %.0f samples/s (%.1f s)" % (rate(t0-0.5, t1+0.5), t1-t0))
print("ingest rate after it:           %.0f samples/s" % rate(t1, rows[-1][0]))
PY
du -sh "$WORK/data/wal" "$WORK/data/snapshots"/*
# crash: no snapshot at exit, so the restart loads the mid-load snapshot and replays the WAL after it
kill -9 "$node_pid"; wait "$node_pid" 2>/dev/null || true
start_node with-snapshot
grep -h "loaded snapshot\|loaded snap" "$WORK/node-with-snapshot.log" || true
kill -9 "$node_pid"; wait "$node_pid" 2>/dev/null || true
mv "$WORK/data/snapshots" "$WORK/snapshots-aside"
start_node full-replay
kill -9 "$node_pid"; wait "$node_pid" 2>/dev/null || true
echo "work dir: $WORK"
