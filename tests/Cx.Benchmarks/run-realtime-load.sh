#!/usr/bin/env bash
# Realtime cross-device sync under load (docs/benchmarks.md, "Realtime"): starts the DevHost on a
# fresh data folder, connects CLIENTS stock SignalR clients to one customer's channel, writes
# UPDATES profile changes over REST and prints the delivery latency and the host's memory.
# usage: tests/Cx.Benchmarks/run-realtime-load.sh [CLIENTS] [UPDATES]
set -euo pipefail
cd "$(dirname "$0")/../.."
CLIENTS=${1:-200}
UPDATES=${2:-30}
WORK=$PWD/.data/bench-realtime
PORT=7191
rm -rf "$WORK"
mkdir -p "$WORK"
dotnet build -c Release functions/Cx.DevHost -v q >/dev/null
export Cx__Storage__Sqlite__Path="$WORK/cx.db" Cx__Auth__LocalKeyFolder="$WORK/keys"
export Cx__RateLimits__Enabled=false Cx__Realtime__MaxConnectionsPerUser=10000 Cx__Hooks__PollMilliseconds=10
export Logging__LogLevel__Default=Warning
dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll --port "$PORT" >"$WORK/devhost.log" 2>&1 &
HOST_PID=$!
trap 'kill "$HOST_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
  sleep 1
done
TOKEN=$(dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll token --role admin --minutes 60 | tail -n 1)
API=http://127.0.0.1:$PORT/api/v1
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -X POST "$API/customers" -d '{"id":"rt-load","email":"rt-load@example.com"}'
echo "rss before: $(grep VmRSS /proc/$HOST_PID/status)"
HOLD_FILE=$WORK/ready node tests/Cx.Benchmarks/Load/realtime-load.mjs "$API" "$TOKEN" rt-load "$CLIENTS" "$UPDATES" &
LOAD_PID=$!
for _ in $(seq 1 600); do
  [ -f "$WORK/ready" ] && break
  sleep 0.5
done
echo "rss with $CLIENTS connections: $(grep VmRSS /proc/$HOST_PID/status)"
rm -f "$WORK/ready"
wait "$LOAD_PID"
