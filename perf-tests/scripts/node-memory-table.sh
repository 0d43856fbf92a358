#!/usr/bin/env bash
# Issue 7's memory table through a whole node: per cadence, window and kind of values, one node a row
# (io.weir.perf.NodeMemoryTableRun): the sketch memory metric, the slabs reserved and the node's resident memory
# grown, per series, after two windows sent by remote write. Usage:
#   perf-tests/scripts/node-memory-table.sh [SERIES_15S=10000] [SERIES_1S=1000] [KINDS="counter decimal random"]
set -euo pipefail
# shellcheck source=perf-env.sh
. "$(dirname "$0")/perf-env.sh"
S15="${1:-10000}"
S1="${2:-1000}"
KINDS="${3:-counter decimal random}"
echo "| cadence | window | values | samples a window | series | metric (KiB a series) | slabs reserved (KiB a series) | node resident memory grown (KiB a series) | node resident memory | tier | write rate |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|"
for row in "15000 3600000 $S15" "15000 86400000 $S15" "1000 21600000 $S1" "1000 100000000 $S1"; do
    set -- $row
    for kind in $KINDS; do
        # shellcheck disable=SC2086
        "$JAVA_HOME/bin/java" $FLAGS -Xmx2g -cp "$CP" io.weir.perf.NodeMemoryTableRun "$1" "$2" "$kind" "$3"
    done
done
