#!/usr/bin/env bash
# Series churn through a whole node (issue 7): ./weir serve's jar with the tuned JVM options in its own process, in
# wall-clock time with short windows (sketch window 1 m, series idle timeout 2 m); SERIES series replaced every
# GENERATION_SECONDS for MINUTES; prints one row a minute (node RSS and heap after a full GC, sketch memory, series
# table, series.dat). io.weir.perf.NodeChurnRun; the in-process run over hours of data time is churn-run.sh. Usage:
#   perf-tests/scripts/node-churn-run.sh [SERIES=10000] [GENERATION_SECONDS=60] [MINUTES=20] [SENDERS=4]
set -euo pipefail
# shellcheck source=perf-env.sh
. "$(dirname "$0")/perf-env.sh"
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" $FLAGS -Xmx1g -cp "$CP" io.weir.perf.NodeChurnRun "${1:-10000}" "${2:-60}" "${3:-20}" "${4:-4}"
