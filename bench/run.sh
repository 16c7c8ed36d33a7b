#!/usr/bin/env bash
# Runs every moat-bench benchmark side by side with its peer in one go, keeps the raw output in
# bench/results/<date>/, and writes BENCHMARKS.md from it. Budget: at most 20 minutes on the
# 2-core build machine (about 14 when it is quiet).
#
#   bench/run.sh                 # build, run everything, write BENCHMARKS.md
#   SKIP_BUILD=1 bench/run.sh    # reuse moat-bench/target/benchmarks.jar
#   JMH_TIME="-f 1 -wi 1 -w 1s -i 2 -r 1s" bench/run.sh   # a smoke run (numbers meaningless)
#   STEPS="hotkey-fixed heap" bench/run.sh           # only some steps (the report marks the rest "not run")
#
# Needs: JDK 17, Maven with the dependencies in ~/.m2 (offline), python3 (report only).
# The machine is shared and noisy: each JMH figure is the median of its measurement iterations,
# the load average is recorded before and after every step, and the raw output is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
OUT=bench/results/$STAMP
JAR=moat-bench/target/benchmarks.jar
JMH_TIME=${JMH_TIME:-"-f 1 -wi 3 -w 2s -i 5 -r 2s"}
MAX_LOAD=${MAX_LOAD:-3}           # wait while the 1-minute load average is above this ...
WAIT_BUDGET=${WAIT_BUDGET:-120}   # ... but never more than this many seconds in the whole run
START=$(date +%s)
TMPBASE=${TMPDIR:-/tmp}
waited=0
mkdir -p "$OUT"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# Other sessions build on this machine; a benchmark next to a compiler measures the compiler.
quiet() {
  while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l > m) }' && [ "$waited" -lt "$WAIT_BUDGET" ]; do
    sleep 10
    waited=$((waited + 10))
  done
  echo "$1 start $(date -u +%H:%M:%S) load $(cat /proc/loadavg)" >> "$OUT/load.txt"
}
done_step() { echo "$1 end   $(date -u +%H:%M:%S) load $(cat /proc/loadavg)" >> "$OUT/load.txt"; }

wanted() { [ -z "${STEPS:-}" ] || [[ " $STEPS " == *" $1 "* ]]; }

# name, then the arguments after `java -jar benchmarks.jar`
jmh() {
  local name=$1
  shift
  wanted "$name" || return 0
  printf "%s\tjava -jar %s '%s' %s %s\n" "$name" "$JAR" "$1" "${*:2}" "$JMH_TIME" >> "$OUT/commands.tsv"
  quiet "$name"
  log "jmh $name: $*"
  # shellcheck disable=SC2086
  java -jar "$JAR" "$@" $JMH_TIME -foe true -rf json -rff "$OUT/$name.json" > "$OUT/$name.txt" 2>&1 \
    || { log "FAILED: $name (see $OUT/$name.txt)"; tail -20 "$OUT/$name.txt"; exit 1; }
  done_step "$name"
}

# name, main class, arguments
main() {
  local name=$1 cls=$2
  shift 2
  wanted "$name" || return 0
  printf '%s\tjava -cp %s %s %s\n' "$name" "$JAR" "$cls" "$(echo "$*" | sed "s|$TMPBASE[^ ]*|<scratch dir>|")" >> "$OUT/commands.tsv"
  quiet "$name"
  log "main $name: $cls $*"
  java -cp "$JAR" "$cls" "$@" > "$OUT/$name.txt" 2>&1 || { log "FAILED: $name"; tail -20 "$OUT/$name.txt"; exit 1; }
  done_step "$name"
}

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory_mb: $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
  echo "jdk: $(java -version 2>&1 | sed -n 2p)"
  echo "jvm: $(java -version 2>&1 | sed -n 3p)"
  echo "maven: $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g')"
  echo "git: $(git rev-parse --short HEAD) on $(git rev-parse --abbrev-ref HEAD)$(git diff --quiet HEAD -- moat-core moat-sqlite moat-bench || echo ' (modified)')"
  echo "jmh_time: $JMH_TIME"
  echo "load_at_start: $(cat /proc/loadavg)"
} > "$OUT/machine.txt"
: > "$OUT/commands.tsv"
log "results in $OUT"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "build"
  mvn -q -B -o -pl moat-bench -am package -DskipTests > "$OUT/build.txt" 2>&1 || { log "build FAILED"; tail -40 "$OUT/build.txt"; exit 1; }
fi

# 1. one hot key, 1 and 2 threads, admit and refuse, a fixed clock (resilience4j: its own nanoTime);
#    -prof gc adds the bytes allocated per call, which explain most of the differences
jmh hotkey-fixed 'HotKeyBenchmark' -p clock=fixed -prof gc
# 1b. the same admit path on the system clock (both sides read System.currentTimeMillis)
jmh hotkey-system 'HotKeyBenchmark\..*\.(moatStore|moatEngine|bucket4jLockFree)$' -p clock=system -p path=admit
# 2. a random key among 100k and 1M
jmh manykeys 'ManyKeysBenchmark' -prof gc
# 4. the whole decision: bans and three limits
jmh decision 'DecisionBenchmark' -prof gc
# 3. heap bytes per key at 1M keys
main heap dev.moat.bench.HeapPerKey 1000000
# 5. durable violations per second (16 callers, 8 s per mode)
vdir=$(mktemp -d "$TMPBASE/moat-bench-violations.XXXXXX")
main violations dev.moat.bench.ViolationThroughput 16 8 "$vdir"
rm -rf "$vdir"

elapsed=$(( $(date +%s) - START ))
echo "elapsed_seconds: $elapsed" >> "$OUT/machine.txt"
echo "waited_for_quiet_seconds: $waited" >> "$OUT/machine.txt"
echo "load_at_end: $(cat /proc/loadavg)" >> "$OUT/machine.txt"
log "done in ${elapsed}s (waited ${waited}s for a quiet machine)"

python3 bench/report.py "$OUT" > BENCHMARKS.md
log "wrote BENCHMARKS.md from $OUT"
