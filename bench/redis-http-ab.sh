#!/usr/bin/env bash
# A/B of two server builds on POST /v1/check with a Redis store: for each round, each jar in turn is
# started on a redis-server of its own run (no persistence), warmed up with wrk for 20 s, then
# measured for 10 s (16 connections, one limit that always admits); prints requests per second and
# the server process's CPU time per request (from /proc/PID/stat).
#
#   bench/redis-http-ab.sh OLD.jar NEW.jar [ROUNDS] > out.txt
#
# Needs redis-server, wrk, curl and python3. Not part of bench/run.sh: it compares builds.
set -euo pipefail
A=${1:?usage: bench/redis-http-ab.sh A.jar B.jar [ROUNDS]}; B=${2:?}; ROUNDS=${3:-5}
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/moat-redis-http.XXXXXX")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$SCRATCH" > "$SCRATCH/redis.log" 2>&1 &
RPID=$!
SPID=
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; kill "$RPID" 2>/dev/null; rm -rf "$SCRATCH"; }
trap cleanup EXIT
for i in $(seq 1 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' \
  "'{\"action\":\"message\",\"ip\":\"192.0.2.7\"}'" > "$SCRATCH/admit.lua"

one() { # jar label
  local port; port=$(free_port)
  cat > "$SCRATCH/moat.yaml" <<YAML
server:
  listen: 127.0.0.1:$port
store:
  type: redis
  data_dir: $SCRATCH/data-$2
  redis: {uri: "redis://127.0.0.1:$RPORT", key_prefix: ab$2, on_failure: local}
rate_limits:
  preset: none
  client:
    target:
      message: {max: 1000000000, per: 1s, by: ip, algorithm: gcra}
violations:
  anonymous: none
YAML
  java -Xms256m -Xmx256m -jar "$1" serve --config "$SCRATCH/moat.yaml" > "$SCRATCH/server-$2.log" 2>&1 &
  SPID=$!
  for i in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  wrk -t1 -c16 -d20s -s "$SCRATCH/admit.lua" "http://127.0.0.1:$port/v1/check" > /dev/null
  local c0 c1 out
  c0=$(awk '{print $14+$15}' "/proc/$SPID/stat")
  out=$(wrk -t1 -c16 -d10s -s "$SCRATCH/admit.lua" "http://127.0.0.1:$port/v1/check")
  c1=$(awk '{print $14+$15}' "/proc/$SPID/stat")
  kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=
  local n rps non2xx tick
  n=$(echo "$out" | awk '/requests in/{print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/{print $NF}')
  tick=$(getconf CLK_TCK)
  python3 -c "print('$2', 'req/s', '$rps', 'server_cpu_us_per_req', round(($c1-$c0)*1e6/$tick/$n, 1), 'non2xx', '${non2xx:-0}')"
}
echo "# $(date -u +%FT%TZ) A=$A B=$B rounds=$ROUNDS cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then one "$A" "A$r"; one "$B" "B$r"; else one "$B" "B$r"; one "$A" "A$r"; fi
done
