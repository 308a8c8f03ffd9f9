#!/usr/bin/env bash
# Publish-to-browser latency (issue 6): builds Release, starts Azurite and the standalone store
# (in-process SignalR hub) on free ports, runs tests/benchmarks/pubsub-latency.mjs (chromium via
# playwright-core), stops everything. Results: docs/benchmarks.md, "Pub/sub latency".
# Usage: tests/benchmarks/pubsub-latency.sh   (SAMPLES=200 by default)
# Needs: .NET 10 SDK, Node.js + npm (npm ci --prefix tests), chromium (apt-get install -y chromium), python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "pubsub-latency.sh: $*" >&2; exit 1; }
[ -x tests/node_modules/.bin/azurite ] && [ -d tests/node_modules/playwright-core ] || npm ci --prefix tests --no-audit --no-fund >&2
[ -x /usr/bin/chromium ] || fail "chromium is missing: apt-get install -y chromium"

work=$(mktemp -d /tmp/pubsub-latency.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null -X POST -H "Authorization: Bearer $token" "$1" -d '["PING"]'; do
    [ $SECONDS -lt "$deadline" ] || fail "$1 did not answer within $2 s"
    sleep 0.3
  done
}

echo "== building Release" >&2
dotnet build -c Release --nologo -v q standalone >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; fail "build failed"; }

blob=$(free_port); queue=$(free_port); table=$(free_port); port=$(free_port)
tests/node_modules/.bin/azurite --silent --location "$work/azurite" --skipApiVersionCheck --loose \
  --blobPort "$blob" --queuePort "$queue" --tablePort "$table" >"$work/azurite.log" 2>&1 &
pids+=($!)
storage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
token=latency-bench-token
AzureWebJobsStorage="$storage" STORE_TOKEN=$token TaskHub="lat$RANDOM" Logging__LogLevel__Default=Warning \
  dotnet standalone/bin/Release/net10.0/Serverless.Store.Standalone.dll --urls "http://127.0.0.1:$port" >"$work/store.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/api" 120

echo "== measuring" >&2
STORE_URL="http://127.0.0.1:$port/api" STORE_TOKEN=$token node tests/benchmarks/pubsub-latency.mjs
