#!/usr/bin/env bash
# Start-up time: starts the server N times with a fresh data directory, each time measuring from the
# start of the command to the first healthy answer of /health (polled every 5 ms, each poll allowed
# 1 s), and prints every time and the median in milliseconds.
#   Usage: scripts/startup-time.sh N <command that starts the server...>
#   e.g.   scripts/startup-time.sh 10 $(scripts/local-image.sh /tmp/kp-image | tail -1)
set -euo pipefail
n=$1
shift
port=${PORT:-29700}
data=$(mktemp -d)
times=()
for _ in $(seq "$n"); do
  rm -rf "$data" && mkdir -p "$data"
  t0=$(date +%s%N)
  DATA_DIR=$data LOG_LEVEL=warn PORT=$port "$@" >/dev/null 2>&1 &
  pid=$!
  until curl -fs -m 1 "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.005; done
  times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
rm -rf "$data"
printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' '
echo
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) " ms"}'
