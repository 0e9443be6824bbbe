#!/usr/bin/env bash
# Resident memory with 5,000 idle peers (the side-by-side harness's W3) and its peak when they all
# disconnect at once. Starts the server on CPU 1 with a fresh data directory, runs the harness's W3
# load generator on CPU 0, and prints: RSS before and after the 5,000 as the harness reports them,
# RSS while connected, the peak from then until all are gone (VmHWM, reset through
# /proc/PID/clear_refs once they are connected) and RSS after.
#   Usage: scripts/idle-peers-memory.sh BENCH_DIR <command that starts the server...>
#   e.g.   scripts/idle-peers-memory.sh ../shared/bench $(scripts/local-image.sh /tmp/kp-image | tail -1)
#   BENCH_DIR is a copy of shared/bench with loadgen/target/loadgen.jar built.
set -euo pipefail
bench=$(cd "$1" && pwd)
shift
port=${PORT:-29710}
data=$(mktemp -d)
out=$(mktemp)
ulimit -n "$(ulimit -Hn)"
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
connections() { curl -fs "http://127.0.0.1:$port/health" | grep -o '"connections":[0-9]*' | cut -d: -f2; }

DATA_DIR=$data LOG_LEVEL=warn MAX_CONNECTIONS_PER_IP=10000 PORT=$port taskset -c 1 "$@" >/dev/null 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data" "$out"' EXIT
until curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.05; done

taskset -c 0 java -XX:+UseSerialGC -Xms1g -Xmx1g -jar "$bench/loadgen/target/loadgen.jar" --dialect kp \
  --workload w3 --port "$port" --server-pid "$pid" --out "$out" --settle 6 >/dev/null 2>&1 &
loadgen=$!
until [[ "$(connections)" -ge 5000 ]] 2>/dev/null; do sleep 0.2; done
sleep 3
echo 5 >"/proc/$pid/clear_refs" # resets VmHWM to the current RSS
connected=$(kb "$pid" VmRSS)
wait "$loadgen"
until [[ "$(connections)" -eq 0 ]] 2>/dev/null; do sleep 0.2; done
sleep 3
node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).metrics;
  console.log(`harness: ${(m.rss_before_kb / 1024).toFixed(1)} -> ${(m.rss_after_kb / 1024).toFixed(1)} MiB, ${m.rss_per_conn_kb} KiB per connection`)' "$out"
echo "connected: $((connected / 1024)) MiB, peak while they disconnect: $(($(kb "$pid" VmHWM) / 1024)) MiB, after: $(($(kb "$pid" VmRSS) / 1024)) MiB"
