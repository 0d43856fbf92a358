#!/usr/bin/env bash
# Crash harness (issue 9): kill -9 a default-configuration node under remote write load, during snapshot writes and
# during start-up replay, round after round; after every restart each series' count and sum must equal exactly what
# was acknowledged. SnapshotCrashTest is its short form in CI. Usage:
#   perf-tests/scripts/crash-run.sh [SERIES=5000] [ROUNDS=5] [SEED=42]
set -euo pipefail
# shellcheck source=perf-env.sh
. "$(dirname "$0")/perf-env.sh"
exec "$JAVA_HOME/bin/java" -Xmx2g \
    -cp "$CP" io.weir.server.it.CrashRun "${1:-5000}" "${2:-5}" "${3:-42}"
