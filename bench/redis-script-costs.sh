#!/usr/bin/env bash
# What the parts of a Redis script cost inside Redis on this machine: INFO commandstats' usec_per_call
# of EVALSHA for scripts that do one thing each (nothing, 11 arguments, a GET, a SET with PX or with
# KEEPTTL, a string.format, a Lua loop) and for Moat's GCRA consume script with one and with four
# checks per call. For working on consume_gcra.lua (issue 6): it says which of a check's parts are
# worth removing. One client, no concurrency (redis-benchmark -c 1), on an idle redis-server of its own;
# each line is the median of ROUNDS runs.
#
#   bench/redis-script-costs.sh [OUT_FILE]     # ROUNDS (default 3), CALLS per run (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/dev/stdout}
ROUNDS=${ROUNDS:-3}
CALLS=${CALLS:-20000}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DIR=$(mktemp -d)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" --daemonize no > "$DIR/redis.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
R="redis-cli -p $PORT"
for _ in $(seq 50); do $R PING >/dev/null 2>&1 && break; sleep 0.1; done

# one run: the EVALSHA's usec_per_call after CALLS calls with keys among 10,000
per_call() {
  $R CONFIG RESETSTAT >/dev/null
  redis-benchmark -p "$PORT" -c 1 -n "$CALLS" -r 10000 --csv "$@" >/dev/null 2>&1
  $R INFO commandstats | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p'
}
measure() {   # label, script, then the EVALSHA's numkeys, keys and arguments
  local label=$1 body=$2
  shift 2
  local sha
  sha=$($R SCRIPT LOAD "$body")
  local runs=()
  for _ in $(seq "$ROUNDS"); do runs+=("$(per_call EVALSHA "$sha" "$@")"); done
  printf '%-58s %8s us   (runs: %s)\n' "$label" "$(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")" "${runs[*]}"
}

CHECK="1795287401345 0 1 g 1 1000000 1 1000000000 1000000000"   # consume.lua's layout: 10 arguments
LIMIT="1 1000000 1 1000000000 1000000000"                      # consume_gcra.lua's: one limit (L, M, P, tolerance, burst)
ONE="1795287401345 1 1 1"                                      # then per check: now, calls, limit number, cost
GCRA=$(cat moat-redis/src/main/resources/dev/moat/redis/consume_gcra.lua)
{
  echo "# $(redis-server --version); $(date -u +%FT%TZ); $CALLS calls per run, median of $ROUNDS runs; usec_per_call of EVALSHA"
  measure "return 1 (no keys, no arguments)" "return 1" 0
  measure "return 1 with 1 key and 10 arguments (a check's)" "return 1" 1 'k:__rand_int__' 5000 $CHECK
  measure "1 GET" "redis.call('GET', KEYS[1]) return 1" 1 'k:__rand_int__'
  measure "10 GETs" "for i=1,10 do redis.call('GET', KEYS[1]) end return 1" 1 'k:__rand_int__'
  measure "10 SETs with PX" "for i=1,10 do redis.call('SET', KEYS[1], '1795287401345000001', 'PX', 5000) end return 1" 1 'k:__rand_int__'
  measure "10 SETs with KEEPTTL" "for i=1,10 do redis.call('SET', KEYS[1], '1795287401345000001', 'KEEPTTL') end return 1" 1 'k:__rand_int__'
  measure "10 string.format('%.0f%06d')" "local s for i=1,10 do s = string.format('%.0f%06d', 1795287401345 + i, 5) end return s" 0
  measure "1,000 turns of a Lua loop (a floor and a divide each)" "local x=0 for i=1,1000 do x = x + math.floor(i/3) end return x" 0
  measure "consume_gcra.lua, 1 check (admitted, written)" "$GCRA" 1 'a{__rand_int__}' 5000 $LIMIT $ONE
  measure "consume_gcra.lua, 1 check, dry run (read only)" "$GCRA" 1 'a{__rand_int__}' 5000 $LIMIT 1795287401345 -1 1 1
  measure "consume_gcra.lua, 4 checks in one call" "$GCRA" 4 'a{__rand_int__}1' 'a{__rand_int__}2' 'a{__rand_int__}3' 'a{__rand_int__}4' 5000 $LIMIT $ONE $ONE $ONE $ONE
} > "$OUT"
