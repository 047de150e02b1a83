#!/usr/bin/env bash
# Ingest throughput with wrk against a Release hookd on a fresh data folder (loopback, both on
# this machine). Usage: bench/wrk/run.sh [seconds]. Needs `wrk` (apt-get install wrk) and a
# Release build (bash scripts/setup.sh release).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-10}"
bin="${HOOKD_BIN:-build/release/cli/hookd}"
data=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
export HOOKD_ADMIN_TOKEN=bench-admin-token-0123456789
"$bin" serve --data "$data" --listen 127.0.0.1:0 --log-level warn > "$data/out" &
pid=$!
for _ in $(seq 100); do grep -q listening "$data/out" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$data/out")
auth="Authorization: Bearer $HOOKD_ADMIN_TOKEN"
curl -sf -X POST "127.0.0.1:$port/v1/tenants" -H "$auth" -H 'Content-Type: application/json' \
  -d '{"id":"bench","name":"Bench"}' > /dev/null
export HOOKD_KEY=$(curl -sf -X POST "127.0.0.1:$port/v1/api-keys" -H "$auth" \
  -H 'Content-Type: application/json' -d '{"tenant":"bench","scopes":["ingest"]}' |
  sed 's/.*"key":"\([^"]*\)".*/\1/')
for batch in ${BATCHES:-1 100}; do
  echo "== 64 connections, $batch event(s) per request, ${secs}s"
  BATCH=$batch wrk -t2 -c64 -d"${secs}s" -s bench/wrk/ingest.lua "http://127.0.0.1:$port/v1/events" |
    grep -E "requests=|Requests/sec"
done
du -sh "$data/db" | awk '{print "bytes on disk: " $1}'
