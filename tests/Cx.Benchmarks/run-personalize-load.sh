#!/usr/bin/env bash
# The personalization benchmark (docs/benchmarks.md): a Release DevHost on its own data folder,
# rate limits raised above the load, customers seeded over HTTP, 50 placements x 20 variants over
# 1,000 entries; GET /personalize for 5 placements of a random customer, first with the tagged
# cache on (warm), then on a restarted host with the cache off (every decision cold).
# usage: tests/Cx.Benchmarks/run-personalize-load.sh [--customers N] [--seconds S] [--connections 1,10] ...
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${CX_BENCH_PORT:-7172}
DATA=.data/bench-personalize
mkdir -p "$DATA"

dotnet build -c Release functions/Cx.DevHost -v q >/dev/null
dotnet build -c Release tests/Cx.Benchmarks -v q >/dev/null

export Cx__Storage__Sqlite__Path="$DATA/cx.db"
export Cx__Auth__LocalKeyFolder="$DATA/keys"
export Cx__RateLimits__Read__Burst=1000000 Cx__RateLimits__Read__PerSecond=1000000
export Cx__RateLimits__Write__Burst=1000000 Cx__RateLimits__Write__PerSecond=1000000
export Cx__Personalization__DecisionLogSampleRate=0.01
export Logging__LogLevel__Default=Warning

run() {
  local label=$1; shift
  dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll --port "$PORT" > "$DATA/devhost-$label.log" 2>&1 &
  HOST_PID=$!
  trap 'kill $HOST_PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
    sleep 1
  done
  TOKEN=$(dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll token --role admin --minutes 240 | tail -n 1)
  dotnet tests/Cx.Benchmarks/bin/Release/net10.0/Cx.Benchmarks.dll load personalize --url "http://127.0.0.1:$PORT" --token "$TOKEN" --label "$label" "$@"
  kill $HOST_PID; wait $HOST_PID 2>/dev/null || true
}

run warm "$@"
Cx__Personalization__CacheSeconds=0 run cold "$@"
