#!/usr/bin/env bash
# Idle connections on the DevHost (docs/benchmarks.md, "Realtime: idle connections"): starts the
# DevHost on a fresh data folder, opens CONNECTIONS stock SignalR clients (split over PROCESSES
# Node processes) on one customer's channel, prints the host's RSS with all of them open, then
# makes one profile change and counts the connections that receive it. One command:
# usage: tests/Cx.Benchmarks/run-realtime-idle.sh [CONNECTIONS] [PROCESSES]
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNECTIONS=${1:-10000}
PROCESSES=${2:-4}
WORK=$PWD/.data/bench-realtime-idle
PORT=7197
# The host holds one socket per connection: raise the open-file limit to the hard limit.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CONNECTIONS + 1000)) ]; then
  echo "open-file limit $(ulimit -n) is below $((CONNECTIONS + 1000)); raise the hard limit" >&2
  exit 1
fi
rm -rf "$WORK"
mkdir -p "$WORK"
dotnet build -c Release functions/Cx.DevHost -v q >/dev/null
export Cx__Storage__Sqlite__Path="$WORK/cx.db" Cx__Auth__LocalKeyFolder="$WORK/keys"
# Each process signs in as its own staff user, so the per-user limit (at most 10,000) holds one share.
export Cx__RateLimits__Enabled=false Cx__Realtime__MaxConnectionsPerUser=10000
export Logging__LogLevel__Default=Warning
dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll --port "$PORT" >"$WORK/devhost.log" 2>&1 &
HOST_PID=$!
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  kill "$HOST_PID" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
  sleep 1
done
TOKEN=$(dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll token --role admin --minutes 120 | tail -n 1)
API=http://127.0.0.1:$PORT/api/v1
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -X POST "$API/customers" -d '{"id":"rt-idle","email":"rt-idle@example.com"}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rss before: $(grep VmRSS /proc/$HOST_PID/status)"
PER=$((CONNECTIONS / PROCESSES))
STARTED=$(date +%s)
for i in $(seq 1 "$PROCESSES"); do
  USER_TOKEN=$(dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll token --role admin --subject "idle-$i" --minutes 120 | tail -n 1)
  node tests/Cx.Benchmarks/Load/realtime-idle.mjs "$API" "$USER_TOKEN" rt-idle "$PER" "$i" "$WORK" idle-check &
  PIDS+=($!)
done
for _ in $(seq 1 1200); do
  [ "$(find "$WORK" -maxdepth 1 -name 'ready-*' | wc -l)" -ge "$PROCESSES" ] && break
  sleep 0.5
done
OPEN=$(awk '{ s += $1 } END { print s }' "$WORK"/ready-*)
echo "open connections: $OPEN of $((PER * PROCESSES)) in $(($(date +%s) - STARTED)) s"
echo "rss with $OPEN connections: $(grep VmRSS /proc/$HOST_PID/status)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/merge-patch+json' \
  -X PATCH "$API/customers/rt-idle" -d '{"name":"idle-check"}'
touch "$WORK/go"
for pid in "${PIDS[@]}"; do wait "$pid"; done
PIDS=()
echo "rss after: $(grep VmRSS /proc/$HOST_PID/status)"
