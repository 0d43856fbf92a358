# Sourced by the perf scripts that drive a node (snapshot-bench.sh, restart-bench.sh) once ROOT, PORT and WORK are
# set: the node's config, start-up and clean-up in one place. FUNCTIONS="[avg_over_time, ...]" narrows the
# sketches; unset, every function is on (the default configuration).
URL="http://127.0.0.1:$PORT"
export WEIR_JAVA_OPTS="${WEIR_JAVA_OPTS:--XX:MaxDirectMemorySize=12g}"
node_pid=""
bench_pid=""
trap '[ -n "$node_pid" ] && kill -9 "$node_pid" 2>/dev/null; [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null; true' EXIT

# write_config SNAPSHOT_FLOW_MAPPING, e.g. '{interval: 24h, keep: 3}'
write_config() {
  cat > "$WORK/weir.yml" <<YML
storage: {memory_limit: 8GiB}
sketch:
  targets:
    - match: '{__name__=~".+"}'
$( [ -n "${FUNCTIONS:-}" ] && echo "      functions: $FUNCTIONS" )
snapshot: $1
YML
}

# start_node NAME: runs ./weir serve on the work dir, waits for /-/ready, prints the time and the node's start-up lines
start_node() {
  local t0; t0=$(date +%s.%N)
  "$ROOT/weir" serve --config "$WORK/weir.yml" --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/node-$1.log" 2>&1 &
  node_pid=$!
  until curl -sf "$URL/-/ready" >/dev/null 2>&1; do
    kill -0 "$node_pid" 2>/dev/null || { cat "$WORK/node-$1.log"; exit 1; }
    sleep 0.1
  done
  echo "$1: ready $(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)") s after launch (wall clock, JVM start included)"
  grep -h "series table\|snapshot\|replay\|ready" "$WORK/node-$1.log" | sed 's/^/    /' || true
}
