#!/usr/bin/env bash
# The access-request benchmark (docs/benchmarks.md, issue 19): a Release DevHost on its own data
# folder, one customer with N events (posted in batches of 5,000 and processed by the embedded
# analytics before timing), then one warm-up and one measured access request per format over
# HTTP with curl: wall time, HTTP status, bytes, and the number of events in the JSON bundle.
# The first run seeds; later runs reuse .data/bench-access.
# usage: tests/Cx.Benchmarks/run-access-load.sh [events] [formats...]   (CX_BENCH_SKIP_BUILD=1: use the DevHost already built)
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${1:-100000}
shift || true
FORMATS=("$@")
[ ${#FORMATS[@]} -gt 0 ] || FORMATS=(json csv)
PORT=${CX_BENCH_PORT:-7173}
DATA=.data/bench-access
CUSTOMER=bench-access-1
BATCH=5000
mkdir -p "$DATA"

[ -n "${CX_BENCH_SKIP_BUILD:-}" ] || dotnet build -c Release functions/Cx.DevHost -v q >/dev/null

export Cx__Storage__Sqlite__Path="$DATA/cx.db"
export Cx__Auth__LocalKeyFolder="$DATA/keys"
export Cx__RateLimits__Enabled=false
export Cx__Events__MaxBatchEvents=$BATCH Cx__Events__MaxBatchBytes=4194304
export Logging__LogLevel__Default=Warning

dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll --port "$PORT" > "$DATA/devhost.log" 2>&1 &
HOST_PID=$!
trap 'kill $HOST_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
  sleep 1
done
TOKEN=$(dotnet functions/Cx.DevHost/bin/Release/net10.0/Cx.DevHost.dll token --role admin --minutes 60 | tail -n 1)
API="http://127.0.0.1:$PORT/api/v1"
AUTH=(-H "Authorization: Bearer $TOKEN")

if ! curl -sf -o /dev/null "${AUTH[@]}" "$API/customers/$CUSTOMER"; then
  curl -sf -o /dev/null "${AUTH[@]}" -H 'Content-Type: application/json' \
    -d "{\"id\":\"$CUSTOMER\",\"email\":\"$CUSTOMER@example.com\",\"name\":\"Bench Access\"}" "$API/customers"
  START=$(date +%s)
  NOW_MS=$(( $(date +%s) * 1000 ))
  for (( first = 0; first < EVENTS; first += BATCH )); do
    node -e '
      const [first, n, total, c, now] = process.argv.slice(1).map((v, i) => (i === 3 ? v : Number(v)));
      const events = [];
      // One event a second going back from now, so every event is within the accepted age.
      for (let i = first; i < Math.min(first + n, total); i++) {
        events.push({ eventId: "ba-" + String(i).padStart(7, "0"), type: "page_view", customerId: c,
          timestamp: new Date(now - (total - i) * 1000).toISOString(), properties: { path: "/p/" + (i % 97) } });
      }
      process.stdout.write(JSON.stringify({ events }));
    ' "$first" "$BATCH" "$EVENTS" "$CUSTOMER" "$NOW_MS" > "$DATA/batch.json"
    curl -sf -o /dev/null "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "@$DATA/batch.json" "$API/events"
  done
  until curl -sf "${AUTH[@]}" "$API/events/status" | grep -q '"lag":0'; do sleep 1; done
  echo "seeded $EVENTS events in $(( $(date +%s) - START )) s"
fi

access_once() {
  local format=$1
  curl -s -o "$DATA/bundle.$format" "${AUTH[@]}" -w "$format %{http_code} %{time_total}s %{size_download}B" "$API/customers/$CUSTOMER/personal-data?format=$format"
  if [ "$format" = json ]; then
    echo " events=$(node -e 'const b=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(b.sections.events.length)' "$DATA/bundle.json")"
  else
    echo " events_csv_lines=$(unzip -p "$DATA/bundle.csv" events.csv | wc -l)"
  fi
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for format in "${FORMATS[@]}"; do echo "warm-up: $(access_once "$format")"; done
for format in "${FORMATS[@]}"; do access_once "$format"; done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
