#!/usr/bin/env bash
# Before/after of the customer API benchmark (docs/benchmarks.md, "Before and after"): builds this
# tree and BASE (a commit, checked out as a worktree under .data/), seeds 100,000 customers once,
# then alternates base and this tree for ROUNDS rounds, each run on a fresh copy of the seed.
# usage: tests/Cx.Benchmarks/run-customer-ab.sh BASE [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=${1:?give the base commit}
ROUNDS=${2:-2}
SECONDS_PER_ROW=${3:-15}
ROOT=$PWD
WORK=$ROOT/.data/bench-ab
BASE_TREE=$WORK/base
mkdir -p "$WORK"
[ -d "$BASE_TREE" ] || git worktree add --detach "$BASE_TREE" "$BASE" >/dev/null
for tree in "$BASE_TREE" "$ROOT"; do
  (cd "$tree" && dotnet build -c Release functions/Cx.DevHost -v q >/dev/null)
done
dotnet build -c Release tests/Cx.Benchmarks -v q >/dev/null
LOAD=$ROOT/tests/Cx.Benchmarks/bin/Release/net10.0/Cx.Benchmarks.dll
export Cx__RateLimits__Read__Burst=1000000 Cx__RateLimits__Read__PerSecond=1000000
export Cx__RateLimits__Write__Burst=1000000 Cx__RateLimits__Write__PerSecond=1000000
export Logging__LogLevel__Default=Warning
HOST_PID=""
trap '[ -n "$HOST_PID" ] && kill "$HOST_PID" 2>/dev/null || true' EXIT

start_host() { # tree data-folder port
  export Cx__Storage__Sqlite__Path="$2/cx.db" Cx__Auth__LocalKeyFolder="$2/keys"
  (cd "$1" && exec dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll --port "$3" >"$2/devhost.log" 2>&1) &
  HOST_PID=$!
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$3/api/v1/health" >/dev/null && break
    sleep 1
  done
  TOKEN=$(cd "$1" && dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll token --role admin --minutes 240 | tail -n 1)
}

stop_host() {
  kill "$HOST_PID"
  wait "$HOST_PID" 2>/dev/null || true
  HOST_PID=""
}

if [ ! -f "$WORK/seed/cx.db" ]; then
  mkdir -p "$WORK/seed"
  start_host "$ROOT" "$WORK/seed" 7181
  dotnet "$LOAD" load customers --url http://127.0.0.1:7181 --token "$TOKEN" --connections 1 --seconds 1 --warmup 1 >/dev/null
  stop_host
fi
for round in $(seq 1 "$ROUNDS"); do
  for name in base main; do
    tree=$ROOT
    [ "$name" = base ] && tree=$BASE_TREE
    rm -rf "$WORK/run"
    cp -r "$WORK/seed" "$WORK/run"
    start_host "$tree" "$WORK/run" 7182
    echo "== round $round $name"
    dotnet "$LOAD" load customers --url http://127.0.0.1:7182 --token "$TOKEN" --seconds "$SECONDS_PER_ROW" | tail -n 6
    stop_host
  done
done
