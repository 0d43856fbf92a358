# Sourced by the scripts beside it: the checkout's root as the working directory, JDK 25 (mvn reads JAVA_HOME from
# the environment, so it is exported), perf-tests and what it needs built (package, never install), the node's JVM
# flags from the parent pom (FLAGS) and the class path of perf-tests (CP).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
mvn -B -q -ntp -pl perf-tests -am package -DskipTests
FLAGS="$(sed -n 's:.*<weir.jvm.flags>\(.*\)</weir.jvm.flags>.*:\1:p' pom.xml)"
CP="perf-tests/target/classes:$(cat perf-tests/target/classpath.txt)"
