#!/usr/bin/env bash
# The HTTP funnel benchmark (docs/benchmarks.md, "Analytics"): 1,000,000 events appended and
# processed into .data/bench-funnel (once; delete the folder to start over), a Release DevHost on
# that data with rate limits raised, then POST /api/v1/analytics/funnels timed (p50/p95/p99).
# usage: tests/Cx.Benchmarks/run-funnel-load.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${CX_BENCH_PORT:-7172}
DATA=.data/bench-funnel
EVENTS=${CX_BENCH_EVENTS:-1000000}
mkdir -p "$DATA"

dotnet build -c Release functions/Cx.DevHost -v q >/dev/null
dotnet build -c Release tests/Cx.Benchmarks -v q >/dev/null

if [ ! -f "$DATA/analytics.db" ]; then
  # The events are placed just before now: the funnel below reads the last two days.
  dotnet tests/Cx.Benchmarks/bin/Release/net10.0/Cx.Benchmarks.dll events-stream --events "$EVENTS" --data "$DATA"
fi

export Cx__Storage__Sqlite__Path="$DATA/cx.db"
export Cx__Auth__LocalKeyFolder="$DATA/keys"
export Cx__RateLimits__Read__Burst=1000000 Cx__RateLimits__Read__PerSecond=1000000
export Logging__LogLevel__Default=Warning

dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll --port "$PORT" > "$DATA/devhost.log" 2>&1 &
HOST_PID=$!
trap 'kill $HOST_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
  sleep 1
done

TOKEN=$(dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll token --role admin --minutes 60 | tail -n 1)
dotnet tests/Cx.Benchmarks/bin/Release/net10.0/Cx.Benchmarks.dll events-funnel-http --url "http://127.0.0.1:$PORT" --token "$TOKEN" "$@"
