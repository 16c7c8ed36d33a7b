#!/usr/bin/env bash
# The HTTP step of bench/run.sh: wrk against Moat's POST /v1/check, the no-op endpoint of the same
# server (POST /v1/noop, server.bench_noop_endpoint) and nginx limit_req enforcing the same single
# limit, and Netty alone answering a fixed body (dev.moat.bench.BareNettyHttp: the floor of the stack
# Moat's server is built on), in one run, on loopback; every server on core 0, wrk on core 1.
#
#   bench/http.sh OUT_DIR        # OUT_DIR gets the raw wrk output (http-*.txt) and the configs
#
# Settings (environment): HTTP_SECONDS per measured run (default 3), HTTP_ROUNDS (default 3: the
# targets are measured in turn, round after round, so that a burst of load from other sessions
# hits all of them), HTTP_CONNECTIONS (default 32), HTTP_WARMUP_SECONDS for the JVM (default 20).
# Needs moat-server/target/moat.jar and moat-bench/target/benchmarks.jar (bench/run.sh builds both),
# wrk, nginx (installed with apt-get when missing), taskset, curl and python3. Budget: about 110 s.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:?usage: bench/http.sh OUT_DIR}
SECONDS_PER_RUN=${HTTP_SECONDS:-3}
ROUNDS=${HTTP_ROUNDS:-3}
CONNECTIONS=${HTTP_CONNECTIONS:-32}
WARMUP_SECONDS=${HTTP_WARMUP_SECONDS:-20}
JAR=${MOAT_JAR:-moat-server/target/moat.jar}   # MOAT_JAR: another build, for A/B runs
BENCH_JAR=moat-bench/target/benchmarks.jar     # for the bare Netty floor; its row is skipped without it
SERVER_CPU=0
LOAD_CPU=1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)   # nginx reads -c relative to its -p prefix

say() { printf '%s http: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

[ -f "$JAR" ] || { say "missing $JAR (build: mvn -q -B -o -pl moat-server -am package -DskipTests -DskipFuzz)"; exit 1; }
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  say "installing nginx"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq nginx-light || { apt-get update -qq && apt-get install -y -qq nginx-light; } \
    || apt-get install -y -qq nginx; } > "$OUT/http-apt.txt" 2>&1
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for tool in wrk taskset curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { say "missing $tool"; exit 1; }
done

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/moat-bench-http.XXXXXX")
chmod 755 "$SCRATCH"   # nginx workers run as an unprivileged user when started by root
MOAT_PID=
NGINX_PID=
NETTY_PID=
cleanup() {
  local status=$?   # the script's own status, not that of the servers it stops
  if [ -n "$MOAT_PID" ]; then kill "$MOAT_PID" 2>/dev/null || true; wait "$MOAT_PID" 2>/dev/null || true; fi
  if [ -n "$NETTY_PID" ]; then kill "$NETTY_PID" 2>/dev/null || true; wait "$NETTY_PID" 2>/dev/null || true; fi
  if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  rm -rf "$SCRATCH"
  exit "$status"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOAT_PORT=$(free_port)
NGINX_PORT=$(free_port)
while [ "$NGINX_PORT" = "$MOAT_PORT" ]; do NGINX_PORT=$(free_port); done
NETTY_PORT=$(free_port)
while [ "$NETTY_PORT" = "$MOAT_PORT" ] || [ "$NETTY_PORT" = "$NGINX_PORT" ]; do NETTY_PORT=$(free_port); done

# The same two single limits on both sides, one key (the address 192.0.2.7 in the body for Moat,
# the client address 127.0.0.1 for nginx): "admit" is so large that every request passes, "refuse"
# allows 1 per minute (nginx's smallest rate) so that all but the first are refused.
ADMIT_MAX=1000000
# Nobody is scored (anonymous callers are not, and there is no user): a refusal is the limit's
# answer alone, not a durable violation write, as nginx keeps none either.
cat > "$OUT/http-moat.yaml" <<EOF
server:
  listen: 127.0.0.1:$MOAT_PORT
  bench_noop_endpoint: true
store:
  type: memory
  data_dir: $SCRATCH/data
rate_limits:
  preset: none
  client:
    target:
      message: {max: $ADMIT_MAX, per: 1s, by: ip, algorithm: gcra}
      login: {max: 1, per: 1m, by: ip, algorithm: gcra}
violations:
  anonymous: none
EOF

mkdir -p "$SCRATCH/nginx/logs" "$SCRATCH/nginx/tmp"
cat > "$OUT/http-nginx.conf" <<EOF
# limit_req runs in the preaccess phase, after rewrite: a plain "return 200" would answer before
# the limit is consulted, so the answer comes from a named location reached by try_files (one
# failed stat per request) and a refusal from another one, both small JSON like Moat's.
worker_processes 1;
daemon off;
pid $SCRATCH/nginx/nginx.pid;
error_log $SCRATCH/nginx/logs/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $SCRATCH/nginx/tmp/body;
  proxy_temp_path $SCRATCH/nginx/tmp/proxy;
  fastcgi_temp_path $SCRATCH/nginx/tmp/fastcgi;
  uwsgi_temp_path $SCRATCH/nginx/tmp/uwsgi;
  scgi_temp_path $SCRATCH/nginx/tmp/scgi;
  keepalive_requests 1000000;
  default_type application/json;
  limit_req_zone \$binary_remote_addr zone=admit:1m rate=${ADMIT_MAX}r/s;
  limit_req_zone \$binary_remote_addr zone=refuse:1m rate=1r/m;
  limit_req_status 429;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $SCRATCH/nginx/empty;
    location = /admit {
      limit_req zone=admit burst=$ADMIT_MAX nodelay;
      error_page 429 @refused;
      try_files \$uri @allowed;
    }
    location = /refuse {
      limit_req zone=refuse nodelay;
      error_page 429 @refused;
      try_files \$uri @allowed;
    }
    location @allowed { return 200 '{"allowed":true,"verdict":"allow"}'; }
    location @refused { return 429 '{"allowed":false,"verdict":"deny","reason":"rate_limited"}'; }
  }
}
EOF

lua() { # file, body
  cat > "$SCRATCH/$1.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$2'
EOF
}
ADMIT_BODY='{"action":"message","ip":"192.0.2.7"}'
REFUSE_BODY='{"action":"login","ip":"192.0.2.7"}'
lua admit "$ADMIT_BODY"
lua refuse "$REFUSE_BODY"
cp "$SCRATCH/admit.lua" "$OUT/http-admit.lua"
cp "$SCRATCH/refuse.lua" "$OUT/http-refuse.lua"

wait_ready() { # url, pid, name: polls with a deadline
  local deadline=$(( $(date +%s) + 60 ))
  until curl -s -o /dev/null "$1"; do
    kill -0 "$2" 2>/dev/null || { say "$3 exited during startup"; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { say "$3 not ready after 60 s"; return 1; }
    sleep 0.2
  done
}

say "starting Moat on 127.0.0.1:$MOAT_PORT and nginx on 127.0.0.1:$NGINX_PORT, both on core $SERVER_CPU"
taskset -c "$SERVER_CPU" java -Xms256m -Xmx256m -jar "$JAR" serve --config "$OUT/http-moat.yaml" \
  > "$SCRATCH/moat.log" 2>&1 &
MOAT_PID=$!
taskset -c "$SERVER_CPU" "$NGINX" -p "$SCRATCH/nginx" -c "$OUT/http-nginx.conf" > "$SCRATCH/nginx.out" 2>&1 &
NGINX_PID=$!
wait_ready "http://127.0.0.1:$MOAT_PORT/healthz" "$MOAT_PID" Moat || { tail -20 "$SCRATCH/moat.log"; exit 1; }
wait_ready "http://127.0.0.1:$NGINX_PORT/admit" "$NGINX_PID" nginx || { cat "$SCRATCH/nginx.out"; exit 1; }
# The floor of the stack Moat is built on: Netty alone answering a fixed body (BareNettyHttp).
if [ -f "$BENCH_JAR" ]; then
  taskset -c "$SERVER_CPU" java -Xms256m -Xmx256m -cp "$BENCH_JAR" dev.moat.bench.BareNettyHttp "$NETTY_PORT" \
    > "$SCRATCH/netty.log" 2>&1 &
  NETTY_PID=$!
  wait_ready "http://127.0.0.1:$NETTY_PORT/" "$NETTY_PID" "bare Netty" || { cat "$SCRATCH/netty.log"; exit 1; }
else
  say "no $BENCH_JAR: the bare Netty row is skipped (build: mvn -q -B -o -pl moat-bench -am package -DskipTests -DskipFuzz)"
fi

post() { curl -s -X POST -H 'Content-Type: application/json' -d "$2" -w ' %{http_code}' "$1"; }
# Each side does what it claims before it is timed.
{
  echo "moat check admit:  $(post "http://127.0.0.1:$MOAT_PORT/v1/check" "$ADMIT_BODY")"
  echo "moat check refuse: $(post "http://127.0.0.1:$MOAT_PORT/v1/check" "$REFUSE_BODY")"
  echo "moat check refuse: $(post "http://127.0.0.1:$MOAT_PORT/v1/check" "$REFUSE_BODY")"
  echo "moat noop:         $(post "http://127.0.0.1:$MOAT_PORT/v1/noop" "$ADMIT_BODY")"
  echo "nginx admit:       $(post "http://127.0.0.1:$NGINX_PORT/admit" "$ADMIT_BODY")"
  echo "nginx refuse:      $(post "http://127.0.0.1:$NGINX_PORT/refuse" "$REFUSE_BODY")"
  echo "nginx refuse:      $(post "http://127.0.0.1:$NGINX_PORT/refuse" "$REFUSE_BODY")"
  [ -z "$NETTY_PID" ] || echo "bare netty:        $(post "http://127.0.0.1:$NETTY_PORT/v1/noop" "$ADMIT_BODY")"
} > "$OUT/http-sanity.txt"
grep -q '"allowed":true.* 200$' <(sed -n 1p "$OUT/http-sanity.txt") \
  && grep -q '"allowed":false.* 200$' <(sed -n 3p "$OUT/http-sanity.txt") \
  && grep -q '"noop":true.* 200$' <(sed -n 4p "$OUT/http-sanity.txt") \
  && grep -q ' 200$' <(sed -n 5p "$OUT/http-sanity.txt") \
  && grep -q ' 429$' <(sed -n 7p "$OUT/http-sanity.txt") \
  && { [ -z "$NETTY_PID" ] || grep -q '"allowed":true.* 200$' <(sed -n 8p "$OUT/http-sanity.txt"); } \
  || { say "a server does not answer as configured:"; cat "$OUT/http-sanity.txt"; exit 1; }

wrk_run() { # name, url, script, seconds
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$4s" --latency -s "$SCRATCH/$3.lua" "$2"
}

# Warm the JVM (both Moat paths compiled; nginx needs none) and let its heap settle.
say "warming Moat for ${WARMUP_SECONDS}s"
half=$(( (WARMUP_SECONDS + 1) / 2 ))
{
  wrk_run warm "http://127.0.0.1:$MOAT_PORT/v1/check" admit "$half"
  wrk_run warm "http://127.0.0.1:$MOAT_PORT/v1/noop" admit "$(( half / 2 + 1 ))"
  wrk_run warm "http://127.0.0.1:$MOAT_PORT/v1/check" refuse "$(( half / 2 + 1 ))"
  [ -z "$NETTY_PID" ] || wrk_run warm "http://127.0.0.1:$NETTY_PORT/v1/noop" admit "$(( half / 2 + 1 ))"
} > "$OUT/http-warmup.txt" 2>&1

printf 'target\turl\tbody\n' > "$OUT/http-targets.tsv"
TARGETS=(
  "moat-noop|http://127.0.0.1:$MOAT_PORT/v1/noop|admit"
  "moat-check-admit|http://127.0.0.1:$MOAT_PORT/v1/check|admit"
  "nginx-admit|http://127.0.0.1:$NGINX_PORT/admit|admit"
  "moat-check-refuse|http://127.0.0.1:$MOAT_PORT/v1/check|refuse"
  "nginx-refuse|http://127.0.0.1:$NGINX_PORT/refuse|refuse"
)
[ -z "$NETTY_PID" ] || TARGETS+=("netty-bare|http://127.0.0.1:$NETTY_PORT/v1/noop|admit")
for t in "${TARGETS[@]}"; do
  IFS='|' read -r name url body <<< "$t"
  printf '%s\t%s\t%s\n' "$name" "$url" "$(cat "$SCRATCH/$body.lua" | sed -n 3p)" >> "$OUT/http-targets.tsv"
done
# CPU time (user + system clock ticks of /proc/PID/stat) that the serving process spent during a
# run: divided by the requests it answered, the server's cost per request, which other sessions'
# load disturbs much less than requests per second. Moat: the whole JVM (JIT and GC included);
# nginx: its one worker.
NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -1)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for round in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    IFS='|' read -r name url body <<< "$t"
    say "round $round: $name"
    pid=$MOAT_PID
    [[ $name == nginx-* ]] && pid=$NGINX_WORKER
    [[ $name == netty-* ]] && pid=$NETTY_PID
    file="$OUT/http-$name-$round.txt"
    echo "load $(cat /proc/loadavg)" > "$file"
    before=$(cpu_ticks "$pid")
    wrk_run "$name" "$url" "$body" "$SECONDS_PER_RUN" >> "$file" 2>&1
    echo "server_cpu_ticks $(( $(cpu_ticks "$pid") - before )) clk_tck $(getconf CLK_TCK)" >> "$file"
  done
done

# What the servers said (refusals are logged by both: Moat one audit line, nginx one error line)
{
  echo "moat log lines: $(wc -l < "$SCRATCH/moat.log")"
  # one audit line per refusal, none dropped: compare with the refused runs' answers (wrk's non-2xx is
  # 0 for Moat, whose refusals are 200s; the warm-up and the sanity checks refuse too)
  echo "moat audit lines (event decision): $(grep -c '"event":"decision"' "$SCRATCH/moat.log" || true)"
  head -5 "$SCRATCH/moat.log"
  echo "nginx error log lines: $(wc -l < "$SCRATCH/nginx/logs/error.log")"
  head -3 "$SCRATCH/nginx/logs/error.log"
} > "$OUT/http-server-logs.txt"
echo "java: $(java -version 2>&1 | sed -n 1p); nginx: $("$NGINX" -v 2>&1); wrk: $(wrk -v 2>&1 | head -1)" > "$OUT/http-versions.txt"
echo "settings: seconds=$SECONDS_PER_RUN rounds=$ROUNDS connections=$CONNECTIONS warmup=$WARMUP_SECONDS server_cpu=$SERVER_CPU load_cpu=$LOAD_CPU" >> "$OUT/http-versions.txt"
say "done"
