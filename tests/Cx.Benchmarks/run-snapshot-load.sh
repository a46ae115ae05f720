#!/usr/bin/env bash
# The snapshot benchmark (docs/benchmarks.md): a Release DevHost on its own data folder seeded with
# N demo customers (--seed-demo; the folder is shared with run-export-load.sh and reused when it
# exists), then one store snapshot through POST /api/v1/snapshots, polled every 100 ms until the run
# completed: wall time, rows, bytes, files, and the growth of the DevHost's resident memory (highest
# VmRSS sampled every 50 ms during the run minus VmRSS just before it). Then the restore command
# into a new folder: wall time.
# usage: tests/Cx.Benchmarks/run-snapshot-load.sh [customers]
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS=${1:-100000}
PORT=${CX_BENCH_PORT:-7173}
DATA=.data/bench-export
mkdir -p "$DATA"

dotnet build -c Release functions/Cx.DevHost -v q >/dev/null
DLL=functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll

export Cx__Storage__Sqlite__Path="$DATA/cx.db"
export Cx__Auth__LocalKeyFolder="$DATA/keys"
export Cx__RateLimits__Read__Burst=1000000 Cx__RateLimits__Read__PerSecond=1000000
export Logging__LogLevel__Default=Warning

SEED=()
[ -f "$DATA/cx.db" ] || SEED=(--seed-demo="$CUSTOMERS")
dotnet "$DLL" --port "$PORT" "${SEED[@]}" > "$DATA/devhost.log" 2>&1 &
HOST_PID=$!
trap 'kill $HOST_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 1800); do
  curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
  sleep 1
done

TOKEN=$(dotnet "$DLL" token --role admin --minutes 60 | tail -n 1)
API="http://127.0.0.1:$PORT/api/v1"
LAST=$(printf 'demo-%05d' "$CUSTOMERS")
SEED_START=$(date +%s)
until curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "$API/customers/$LAST"; do sleep 2; done
echo "seeded in $(( $(date +%s) - SEED_START )) s (or found)"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$HOST_PID/status"; }

ID="snap-bench-$(date +%s)"
before=$(rss)
echo "$before" > "$DATA/peak"
( while true; do r=$(rss); p=$(cat "$DATA/peak"); [ "$r" -gt "$p" ] && echo "$r" > "$DATA/peak"; sleep 0.05; done ) &
SAMPLER=$!
START=$(date +%s.%N)
curl -sf -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "{\"snapshotId\":\"$ID\"}" "$API/snapshots"
STATUS=pending
until [ "$STATUS" = completed ] || [ "$STATUS" = failed ]; do
  sleep 0.1
  STATUS=$(curl -s -H "Authorization: Bearer $TOKEN" "$API/snapshots" | python3 -c 'import json,sys; r=json.load(sys.stdin).get("run") or {}; print(r.get("status","pending"))')
done
END=$(date +%s.%N)
kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null || true
peak=$(cat "$DATA/peak")
SUMMARY=$(curl -s -H "Authorization: Bearer $TOKEN" "$API/snapshots/$ID" | python3 -c '
import json, sys
m = json.load(sys.stdin)
customers = sum(f["rows"] for f in m["files"] if f["table"] == "customers")
print("rows=%d customers=%d bytes=%d files=%d" % (m["rows"], customers, m["bytes"], len(m["files"])))
')
echo "snapshot $STATUS seconds=$(echo "$END - $START" | bc) $SUMMARY rss_before_kb=$before rss_growth_kb=$((peak - before)) load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
kill $HOST_PID 2>/dev/null || true
wait $HOST_PID 2>/dev/null || true

TARGET=$(mktemp -d)
START=$(date +%s.%N)
Cx__Storage__Sqlite__Path="$TARGET/cx.db" dotnet "$DLL" restore "$DATA/blobs/snapshots/$ID"
echo "restore seconds=$(echo "$(date +%s.%N) - $START" | bc) load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
rm -rf "$TARGET"
