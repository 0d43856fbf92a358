#!/usr/bin/env bash
# Issue 7's memory table: per cadence, window and kind of values, the sketch memory metric, the slabs reserved and
# the resident memory per series, one process a row (io.weir.perf.MemoryTableRun). Usage:
#   perf-tests/scripts/memory-table.sh [SERIES_15S=10000] [SERIES_1S=1000]
set -euo pipefail
# shellcheck source=perf-env.sh
. "$(dirname "$0")/perf-env.sh"
echo "| cadence | window | values | samples a window | series | metric (KiB a series) | slabs reserved (KiB a series) | resident memory grown (KiB a series) | tier | wall (s) |"
echo "|---|---|---|---:|---:|---:|---:|---:|---|---:|"
for row in "15000 3600000 ${1:-10000}" "15000 86400000 ${1:-10000}" "1000 21600000 ${2:-1000}" "1000 100000000 ${2:-1000}"; do
    set -- $row
    for kind in counter decimal random; do
        # shellcheck disable=SC2086
        "$JAVA_HOME/bin/java" $FLAGS -Xmx1g -XX:MaxDirectMemorySize=16g -cp "$CP" io.weir.perf.MemoryTableRun "$1" "$2" "$kind" "$3"
    done
    set -- "${@:4}"
done
