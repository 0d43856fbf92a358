#!/usr/bin/env bash
# Crash harness (issue 9): kill -9 a default-configuration node under remote write load, during snapshot writes and
# during start-up replay, round after round; after every restart each series' count and sum must equal exactly what
# was acknowledged. SnapshotCrashTest is its short form in CI. Usage:
#   perf-tests/scripts/crash-run.sh [SERIES=5000] [ROUNDS=5] [SEED=42]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
mvn -B -q -ntp -pl perf-tests -am package -DskipTests
exec "$JAVA_HOME/bin/java" -Xmx2g \
    -cp "perf-tests/target/classes:$(cat perf-tests/target/classpath.txt)" \
    io.weir.server.it.CrashRun "${1:-5000}" "${2:-5}" "${3:-42}"
