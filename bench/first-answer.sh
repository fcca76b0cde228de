#!/usr/bin/env bash
# Seconds from `npm start` to the first answer of /healthz, run twice: the first start builds what is
# stale, the second finds nothing to build. Usage: bash bench/first-answer.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-3998}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
for run in 1 2; do
  start=$(date +%s.%N)
  setsid env PORT="$port" HOST=127.0.0.1 DATA_DIR="$data" SCHEDULER=off LOG_FORMAT=json npm start >"$data/out-$run.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.05; done
  end=$(date +%s.%N)
  echo "start $run: first answer after $(echo "$end - $start" | bc) s (load average $(cut -d' ' -f1 /proc/loadavg))"
  kill -TERM -- -"$pid"
  wait "$pid" 2>/dev/null || true
done
