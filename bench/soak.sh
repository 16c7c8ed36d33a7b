#!/usr/bin/env bash
# Soak run (not part of CI): builds the jar and the test classes, then runs
# dev.moat.server.reliability.Soak against the jar as a child process.
#   bench/soak.sh --minutes 10 --threads 8 --out soak-report.txt
# Prints a report (requests, p99 decision latency, errors, heap, GC pauses, idle connections,
# nothing lost after a final kill -9) and leaves it with the node's GC logs in a temporary directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ "${SOAK_SKIP_BUILD:-}" != "1" ]; then
  mvn -q -B -ntp -pl moat-server -am package -DskipTests -DskipFuzz
fi
cd moat-server
exec java -Xmx512m -Dmoat.jar=target/moat.jar -cp target/test-classes:target/moat.jar \
  dev.moat.server.reliability.Soak "$@"
