#!/usr/bin/env bash
# Runs every moat-bench benchmark side by side with its peer in one go, keeps the raw output in
# bench/results/<date>/, and writes BENCHMARKS.md from it. Budget: at most 20 minutes on the
# 2-core build machine (about 14 when it is quiet).
#
#   bench/run.sh                 # build, run everything, write BENCHMARKS.md
#   SKIP_BUILD=1 bench/run.sh    # reuse moat-bench/target/benchmarks.jar
#   JMH_TIME="-f 1 -wi 1 -w 1s -i 2 -r 1s" bench/run.sh   # a smoke run (numbers meaningless)
#   STEPS="hotkey-fixed heap" bench/run.sh           # only some steps (the report marks the rest "not run")
#   STEPS=redis REDIS_SECONDS=1 bench/run.sh          # only the Redis step, shorter
#
#   STEPS=http bench/run.sh      # only the HTTP step (builds moat-server/target/moat.jar and benchmarks.jar)
#   GUEST_HALT_POLL_NS=200000 bench/run.sh   # the guest's idle halt-polling for the run (see below)
#
# Needs: JDK 17, Maven with the dependencies in ~/.m2 (offline), python3 (report, free port); the http
# step also needs wrk, taskset and curl, and installs nginx with apt-get when it is missing; the redis
# step needs redis-server, redis-benchmark and redis-cli on the PATH.
# The machine is shared and noisy: each JMH figure is the median of its measurement iterations,
# the load average is recorded before and after every step, and the raw output is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

# The guest's halt-polling (cpuidle-haltpoll): how long an idle vCPU polls for work before it
# halts. A halted vCPU of a virtual machine is woken by the host, which on a busy host takes tens to
# hundreds of microseconds; every benchmark here whose processes hand messages to each other (the
# HTTP, Redis and gateway steps) pays that on each hand-off, peer and Moat alike. The kernel's default
# is 200000 ns; this machine ships 0. GUEST_HALT_POLL_NS sets it for the run (root only) and puts the
# old value back on exit; machine.txt records what the run had, either way.
HALT_POLL=/sys/module/haltpoll/parameters/guest_halt_poll_ns
HALT_POLL_BEFORE=$(cat "$HALT_POLL" 2>/dev/null || echo none)
restore_halt_poll() { if [ -n "${GUEST_HALT_POLL_NS:-}" ]; then echo "$HALT_POLL_BEFORE" > "$HALT_POLL"; fi; }
if [ -n "${GUEST_HALT_POLL_NS:-}" ]; then
  [ -w "$HALT_POLL" ] || { echo "GUEST_HALT_POLL_NS: $HALT_POLL is not writable here (needs root and cpuidle-haltpoll)"; exit 1; }
  echo "$GUEST_HALT_POLL_NS" > "$HALT_POLL"
fi
trap restore_halt_poll EXIT

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
# the cores' steal time and total time so far (clock ticks, /proc/stat): steal is time the host gave
# to other guests while this one had work, which no load average shows
stat_ticks() { awk '/^cpu / { print "stat", $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# Other sessions build on this machine; a benchmark next to a compiler measures the compiler.
quiet() {
  while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l > m) }' && [ "$waited" -lt "$WAIT_BUDGET" ]; do
    sleep 10
    waited=$((waited + 10))
  done
  echo "$1 start $(date -u +%H:%M:%S) load $(cat /proc/loadavg) $(stat_ticks)" >> "$OUT/load.txt"
}
done_step() { echo "$1 end   $(date -u +%H:%M:%S) load $(cat /proc/loadavg) $(stat_ticks)" >> "$OUT/load.txt"; }

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
  echo "cpuidle: $(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo unknown)"
  echo "guest_halt_poll_ns: $(cat "$HALT_POLL" 2>/dev/null || echo none) (machine's own: $HALT_POLL_BEFORE)"
  echo "jdk: $(java -version 2>&1 | sed -n 2p)"
  echo "jvm: $(java -version 2>&1 | sed -n 3p)"
  echo "maven: $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g')"
  echo "git: $(git rev-parse --short HEAD) on $(git rev-parse --abbrev-ref HEAD)$(git diff --quiet HEAD -- moat-core moat-sqlite moat-redis moat-server moat-bench bench || echo ' (modified)')"
  echo "jmh_time: $JMH_TIME"
  echo "redis: $(redis-server --version 2>/dev/null | cut -d' ' -f3 || echo none)"
  echo "load_at_start: $(cat /proc/loadavg)"
} > "$OUT/machine.txt"
: > "$OUT/commands.tsv"
log "results in $OUT"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  modules=()
  for step in hotkey-fixed prototype hotkey-system manykeys decision heap violations redis gateway gateway-pinned; do
    if wanted "$step"; then modules+=(moat-bench); break; fi
  done
  if wanted http; then modules+=(moat-server moat-bench); fi   # moat.jar and BareNettyHttp, for bench/http.sh
  if [ ${#modules[@]} -gt 0 ]; then
    log "build ${modules[*]}"
    mvn -q -B -o -pl "$(printf '%s\n' "${modules[@]}" | sort -u | paste -sd,)" -am package -DskipTests -DskipFuzz > "$OUT/build.txt" 2>&1 \
      || { log "build FAILED"; tail -40 "$OUT/build.txt"; exit 1; }
  fi
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
# 5. durable violations per second: 64 callers (the server's worker pool), then 16, 8 s each after 3 s of warm-up
vdir=$(mktemp -d "$TMPBASE/moat-bench-violations.XXXXXX")
main violations dev.moat.bench.ViolationThroughput 64 8 "$vdir"
rm -rf "$vdir"

# ---- 6. HTTP (issues 4 and 9) -------------------------------------------------------------------
# wrk on core 1 against Moat's POST /v1/check (one limit that admits everything, one that refuses
# everything), POST /v1/noop of the same server (server.bench_noop_endpoint) and nginx limit_req
# enforcing the same limits, all servers on core 0, in turns; about 90 s. Details in bench/http.sh.
if wanted http; then
  printf 'http\tbench/http.sh <results dir>  (HTTP_SECONDS=%s HTTP_ROUNDS=%s HTTP_CONNECTIONS=%s; per run: taskset -c 1 wrk -t1 -c%s -d%ss --latency -s <body>.lua <url>)\n' \
    "${HTTP_SECONDS:-3}" "${HTTP_ROUNDS:-3}" "${HTTP_CONNECTIONS:-32}" "${HTTP_CONNECTIONS:-32}" "${HTTP_SECONDS:-3}" >> "$OUT/commands.tsv"
  quiet http
  log "http: bench/http.sh"
  bench/http.sh "$OUT" > "$OUT/http.txt" 2>&1 || { log "FAILED: http (see $OUT/http.txt)"; tail -20 "$OUT/http.txt"; exit 1; }
  done_step http
fi
# ---- end of 6 ---------------------------------------------------------------------------------------

# ---- 7. Redis ------------------------------------------------------------------------------------
# Moat's Redis path (RedisStores' limit store, as the server wires it, coalescing concurrent checks
# into one EVALSHA), bucket4j-lettuce, and redis-benchmark running EVALSHA of Moat's own consume
# script with the arguments of one check, one check per call (RedisThroughput checks that
# equivalence on the live server first): one redis-server of this step's
# own on a free port (no persistence), the same concurrency, a hot key and 10,000 keys. The Java
# sides take turns (in order, then reversed; REDIS_ROUNDS rounds of REDIS_SECONDS s each); redis-benchmark runs just
# before and just after them, each for about REDIS_SECONDS * REDIS_ROUNDS / 2 s. About 90 s in all.
REDIS_CALLERS=${REDIS_CALLERS:-16}   # callers in flight at once, the same for every side
REDIS_SECONDS=${REDIS_SECONDS:-2}
REDIS_ROUNDS=${REDIS_ROUNDS:-2}
REDIS_KEYS=${REDIS_KEYS:-10000}
redis_pid=
redis_dir=
stop_redis() {
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=
  fi
  if [ -n "$redis_dir" ]; then
    rm -rf "$redis_dir"
    redis_dir=
  fi
}
# one redis-benchmark run of about $2 seconds at the rate measured by a short calibration run
redis_bench() {
  local label=$1 seconds=$2 key=$3 randomize=$4 rps n
  # shellcheck disable=SC2086
  rps=$(redis-benchmark -h 127.0.0.1 -p "$redis_port" -c "$REDIS_CALLERS" -n 5000 $randomize --csv \
        EVALSHA "$redis_sha" 1 "$key" $redis_args | tail -1 | cut -d'"' -f4)
  n=$(awk -v r="$rps" -v s="$seconds" 'BEGIN { n = int(r * s); print (n < 5000 ? 5000 : n) }')
  printf '%s\tredis-benchmark -h 127.0.0.1 -p <port> -c %s -n %s %s --csv EVALSHA %s 1 %s %s\n' \
    "redis-benchmark-$label" "$REDIS_CALLERS" "$n" "$randomize" "$redis_sha" "$key" "$redis_args" >> "$OUT/commands.tsv"
  # shellcheck disable=SC2086
  redis-benchmark -h 127.0.0.1 -p "$redis_port" -c "$REDIS_CALLERS" -n "$n" $randomize --csv \
    EVALSHA "$redis_sha" 1 "$key" $redis_args | tee -a "$OUT/redis-benchmark-$label.csv" | tail -1 | cut -d'"' -f4 \
    | awk -v l="$label" '{ printf "RESULT %s_redis_benchmark_ops_per_second %s\n", l, $1 }' >> "$OUT/redis-benchmark.txt"
}
if wanted redis; then
  quiet redis
  trap 'stop_redis; restore_halt_poll' EXIT
  redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis_dir=$(mktemp -d "$TMPBASE/moat-bench-redis.XXXXXX")
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$redis_dir" \
    > "$OUT/redis-server.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  log "redis: redis-server $(redis-server --version | cut -d' ' -f3) on port $redis_port, $REDIS_CALLERS callers"
  java -cp "$JAR" dev.moat.bench.RedisThroughput script "127.0.0.1:$redis_port" > "$OUT/redis-script.txt" 2>&1 \
    || { log "FAILED: redis script check"; tail -20 "$OUT/redis-script.txt"; exit 1; }
  redis_sha=$(awk '$1 == "SHA" { print $2 }' "$OUT/redis-script.txt")
  redis_args=$(sed -n 's/^ARGS //p' "$OUT/redis-script.txt")
  : > "$OUT/redis-benchmark.txt"
  half=$(( (REDIS_SECONDS * REDIS_ROUNDS + 1) / 2 ))
  for spec in "hot 1 KEY_HOT" "many $REDIS_KEYS KEY_MANY"; do
    read -r label keys keyline <<< "$spec"
    key=$(sed -n "s/^$keyline //p" "$OUT/redis-script.txt")
    randomize=""
    [ "$keys" -gt 1 ] && randomize="-r $keys"
    redis_bench "$label" "$half" "$key" "$randomize"
    printf '%s\tjava -cp %s dev.moat.bench.RedisThroughput run 127.0.0.1:<port> %s %s %s %s %s\n' "redis-$label" "$JAR" \
      "$label" "$keys" "$REDIS_CALLERS" "$REDIS_SECONDS" "$REDIS_ROUNDS" >> "$OUT/commands.tsv"
    java -cp "$JAR" dev.moat.bench.RedisThroughput run "127.0.0.1:$redis_port" "$label" "$keys" "$REDIS_CALLERS" \
      "$REDIS_SECONDS" "$REDIS_ROUNDS" > "$OUT/redis-$label.txt" 2>&1 \
      || { log "FAILED: redis $label (see $OUT/redis-$label.txt)"; tail -20 "$OUT/redis-$label.txt"; exit 1; }
    redis_bench "$label" "$half" "$key" "$randomize"
  done
  redis-cli -p "$redis_port" info commandstats > "$OUT/redis-commandstats.txt" 2>&1 || true
  stop_redis
  trap restore_halt_poll EXIT
  done_step redis
fi
# ---- end of 7 ---------------------------------------------------------------------------------------

# ---- 8. Gateway (issues 7 and 9) -----------------------------------------------------------
# WebSocket relay: the same clients direct to a Vert.x echo server and through Moat's gateway in
#    front of it (a real MoatServer from YAML: JWT, ws_message limits that always admit, a filter on
#    every message), closed-loop throughput then open-loop latency at 10,000 msg/s, phases ordered
#    direct, gateway, gateway, direct. About 60 s: 16 connections, window 32, 5 s per phase.
gdir=$(mktemp -d "$TMPBASE/moat-bench-gateway.XXXXXX")
# nginx proxying WebSockets to the same upstream is the peer row when nginx is installed (the http
# step installs it): MOAT_RELAY_NGINX names the binary
relay_nginx=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)
MOAT_RELAY_NGINX=$relay_nginx main gateway dev.moat.bench.relay.GatewayRelay 16 32 5 10000 "$gdir"
rm -rf "$gdir"
# The same with the gateway on a core of its own, as production runs it: the clients and the echo
#    upstream pinned to core 1, the gateway a process of its own (and nginx) pinned to core 0. Runs
#    with `STEPS=gateway` too. About 70 s.
if { wanted gateway || wanted gateway-pinned; } && command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then
  gdir=$(mktemp -d "$TMPBASE/moat-bench-gateway-pinned.XXXXXX")
  printf '%s\ttaskset -c 1 java -cp %s %s %s\n' gateway-pinned "$JAR" dev.moat.bench.relay.PinnedGatewayRelay \
    "16 32 5 10000 <scratch dir>" >> "$OUT/commands.tsv"
  quiet gateway-pinned
  log "main gateway-pinned: PinnedGatewayRelay (gateway on core 0, clients on core 1)"
  MOAT_RELAY_NGINX=$relay_nginx taskset -c 1 java -cp "$JAR" dev.moat.bench.relay.PinnedGatewayRelay 16 32 5 10000 "$gdir" \
    > "$OUT/gateway-pinned.txt" 2>&1 || { log "FAILED: gateway-pinned"; tail -20 "$OUT/gateway-pinned.txt"; exit 1; }
  done_step gateway-pinned
  rm -rf "$gdir"
fi
# ---- end of 8 ----------------------------------------------------------------------------

elapsed=$(( $(date +%s) - START ))
echo "elapsed_seconds: $elapsed" >> "$OUT/machine.txt"
echo "waited_for_quiet_seconds: $waited" >> "$OUT/machine.txt"
echo "load_at_end: $(cat /proc/loadavg)" >> "$OUT/machine.txt"
log "done in ${elapsed}s (waited ${waited}s for a quiet machine)"

python3 bench/report.py "$OUT" > BENCHMARKS.md
log "wrote BENCHMARKS.md from $OUT"
