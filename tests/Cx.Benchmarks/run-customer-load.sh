#!/usr/bin/env bash
# The customer API benchmark (docs/benchmarks.md): a Release DevHost on its own data folder,
# rate limits raised above the load (still evaluated on every request), 100,000 customers seeded
# over HTTP, then read-by-id and filtered-list at 1 and 10 connections. A bare Kestrel endpoint
# (Cx.Benchmarks bare: a fixed 500-byte JSON document) runs beside it as its own process and is
# measured by the same client in the same run, and every row is reported as a ratio to it.
# usage: tests/Cx.Benchmarks/run-customer-load.sh [--customers N] [--seconds S] ...
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${CX_BENCH_PORT:-7171}
BARE_PORT=${CX_BENCH_BARE_PORT:-$((PORT + 10))}
DATA=.data/bench
mkdir -p "$DATA"

dotnet build -c Release functions/Cx.DevHost -v q >/dev/null
dotnet build -c Release tests/Cx.Benchmarks -v q >/dev/null

export Cx__Storage__Sqlite__Path="$DATA/cx.db"
export Cx__Auth__LocalKeyFolder="$DATA/keys"
export Cx__RateLimits__Read__Burst=1000000 Cx__RateLimits__Read__PerSecond=1000000
export Cx__RateLimits__Write__Burst=1000000 Cx__RateLimits__Write__PerSecond=1000000
export Logging__LogLevel__Default=Warning

dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll --port "$PORT" > "$DATA/devhost.log" 2>&1 &
HOST_PID=$!
dotnet tests/Cx.Benchmarks/bin/Release/net10.0/Cx.Benchmarks.dll bare --port "$BARE_PORT" > "$DATA/bare.log" 2>&1 &
BARE_PID=$!
trap 'kill $HOST_PID $BARE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && curl -sf "http://127.0.0.1:$BARE_PORT/bare" >/dev/null && break
  sleep 1
done

TOKEN=$(dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll token --role admin --minutes 240 | tail -n 1)
dotnet tests/Cx.Benchmarks/bin/Release/net10.0/Cx.Benchmarks.dll load customers --url "http://127.0.0.1:$PORT" --bare-url "http://127.0.0.1:$BARE_PORT" --token "$TOKEN" "$@"
