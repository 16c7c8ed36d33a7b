#!/bin/bash
# every 0.5 s: per-CPU /proc/stat lines, and schedstat of the gateway's threads and of core 0's kernel threads
K=$(for n in ksoftirqd/0 migration/0 rcu_preempt kworker/0; do pgrep -x "$n" 2>/dev/null; done; ps -eo pid,comm | awk '$2 ~ /^kworker\/0/ {print $1}')
while :; do
  t=$(date +%s.%N)
  grep -E '^cpu[01] ' /proc/stat | sed "s/^/$t stat /"
  for p in $(pgrep -f 'GatewayProcess|nginx') $K; do
    for d in /proc/$p/task/*; do
      [ -r $d/schedstat ] || continue
      printf '%s task %s %s %s %s\n' "$t" "$p" "${d##*/}" "$(tr ' ' '_' < $d/comm)" "$(cat $d/schedstat 2>/dev/null)"
    done
  done
  sleep 0.5
done
