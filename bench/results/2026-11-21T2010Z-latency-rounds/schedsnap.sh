#!/bin/bash
# every 0.5 s: time, pid, tid, comm, sum_exec_ns, run_delay_ns for every thread of java and nginx processes
while :; do
  t=$(date +%s.%N)
  for p in $(pgrep -f 'GatewayProcess|nginx|PinnedGatewayRelay'); do
    for d in /proc/$p/task/*; do
      [ -r $d/schedstat ] || continue
      printf '%s %s %s %s %s\n' "$t" "$p" "${d##*/}" "$(tr ' ' '_' < $d/comm)" "$(cat $d/schedstat 2>/dev/null)"
    done
  done
  sleep 0.5
done
