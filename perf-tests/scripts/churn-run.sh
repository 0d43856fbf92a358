#!/usr/bin/env bash
# Series churn run for docs/benchmarks.md (issue 7): SERIES series replaced every ROUND_MINUTES of data time for
# HOURS of data time, on an in-process node with the default configuration, its idle clock moved with the data;
# prints one row per data hour (sketch memory, series table, heap, RSS). Usage:
#   perf-tests/scripts/churn-run.sh [SERIES=10000] [ROUND_MINUTES=10] [HOURS=6] [SENDERS=4]
set -euo pipefail
# shellcheck source=perf-env.sh
. "$(dirname "$0")/perf-env.sh"
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" $FLAGS -Xmx1g -XX:MaxDirectMemorySize=6g \
    -cp "$CP" io.weir.perf.ChurnRun "${1:-10000}" "${2:-10}" "${3:-6}" "${4:-4}"
