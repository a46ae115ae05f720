#!/usr/bin/env bash
# The export benchmark (docs/benchmarks.md): a Release DevHost on its own data folder seeded
# with N demo customers (--seed-demo, skipped for ids that exist), then one warm-up export and
# one export of every customer per format over HTTP with curl. For each: wall time, bytes, and
# the growth of the DevHost's resident memory (highest VmRSS sampled every 50 ms during the
# export minus VmRSS just before it). The first run seeds (about 1 ms per customer); later runs
# reuse .data/bench-export without seeding: run twice for numbers free of the seeding's heap.
# Then, per format, one export job of every customer (POST .../export/jobs, polled every 100 ms
# until it succeeded): wall time, files, and the same RSS growth (set CX_BENCH_JOBS=0 to skip).
# usage: tests/Cx.Benchmarks/run-export-load.sh [customers] [formats...]
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS=${1:-100000}
shift || true
FORMATS=("$@")
[ ${#FORMATS[@]} -gt 0 ] || FORMATS=(parquet csv ndjson json)
PORT=${CX_BENCH_PORT:-7172}
DATA=.data/bench-export
mkdir -p "$DATA"

dotnet build -c Release functions/Cx.DevHost -v q >/dev/null

export Cx__Storage__Sqlite__Path="$DATA/cx.db"
export Cx__Auth__LocalKeyFolder="$DATA/keys"
export Cx__RateLimits__Read__Burst=1000000 Cx__RateLimits__Read__PerSecond=1000000
export Logging__LogLevel__Default=Warning

# Seed only into a new folder, so the measured process has not just grown its heap by seeding.
SEED=()
[ -f "$DATA/cx.db" ] || SEED=(--seed-demo="$CUSTOMERS")
dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll --port "$PORT" "${SEED[@]}" > "$DATA/devhost.log" 2>&1 &
HOST_PID=$!
trap 'kill $HOST_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 1800); do
  curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
  sleep 1
done

TOKEN=$(dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll token --role admin --minutes 60 | tail -n 1)
API="http://127.0.0.1:$PORT/api/v1"
# The DevHost serves while it seeds: wait for the last demo customer.
LAST=$(printf 'demo-%05d' "$CUSTOMERS")
SEED_START=$(date +%s)
until curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "$API/customers/$LAST"; do sleep 2; done
echo "seeded in $(( $(date +%s) - SEED_START )) s (or found)"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$HOST_PID/status"; }

export_once() {
  local format=$1 before peak sampler result
  before=$(rss)
  echo "$before" > "$DATA/peak"
  ( while true; do r=$(rss); p=$(cat "$DATA/peak"); [ "$r" -gt "$p" ] && echo "$r" > "$DATA/peak"; sleep 0.05; done ) &
  sampler=$!
  result=$(curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -w '%{http_code} %{time_total} %{size_download}' "$API/customers/export?format=$format")
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  peak=$(cat "$DATA/peak")
  echo "$format $result rss_before_kb=$before rss_growth_kb=$((peak - before))"
}

echo "customers: $(curl -s -H "Authorization: Bearer $TOKEN" "$API/customers/export?format=ndjson" | wc -l)"
for format in "${FORMATS[@]}"; do
  echo "warm-up: $(export_once "$format")"
done
for format in "${FORMATS[@]}"; do
  export_once "$format"
done

job_once() {
  local format=$1 before peak sampler start location status
  before=$(rss)
  echo "$before" > "$DATA/peak"
  ( while true; do r=$(rss); p=$(cat "$DATA/peak"); [ "$r" -gt "$p" ] && echo "$r" > "$DATA/peak"; sleep 0.05; done ) &
  sampler=$!
  start=$(date +%s.%N)
  location=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" "$API/customers/export/jobs?format=$format" \
    | awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
  status=queued
  until [ "$status" = succeeded ] || [ "$status" = failed ]; do
    sleep 0.1
    status=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$location" | sed -E 's/.*"status":"([a-z]+)".*/\1/')
  done
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  peak=$(cat "$DATA/peak")
  echo "job-$format $status $(echo "$(date +%s.%N) - $start" | bc) s rss_before_kb=$before rss_growth_kb=$((peak - before))"
}

if [ "${CX_BENCH_JOBS:-1}" != 0 ]; then
  for format in "${FORMATS[@]}"; do
    job_once "$format"
  done
fi
