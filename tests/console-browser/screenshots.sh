#!/usr/bin/env bash
# Regenerates the console's screenshots in docs/console/*.png: builds the standalone store, starts
# Azurite and the store on free loopback ports with a fresh task hub (keyspace events on), runs
# screenshots.mjs against it in headless chromium, and stops both. Needs what the tests need
# (.NET 10 SDK, Node.js 20+, `npm ci --prefix tests`, chromium at /usr/bin/chromium or $CHROMIUM).
set -euo pipefail
cd "$(dirname "$0")/../.."

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work" || true; }
trap cleanup EXIT

echo "== building the standalone store"
dotnet build standalone -v q -nologo

blob=$(free_port); queue=$(free_port); table=$(free_port); port=$(free_port)
tests/node_modules/.bin/azurite --silent --location "$work" --skipApiVersionCheck --loose \
  --blobPort "$blob" --queuePort "$queue" --tablePort "$table" > "$work/azurite.log" 2>&1 &
pids+=($!)
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==" # Azurite's well-known development key
export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export STORE_TOKEN="screenshots-$RANDOM$RANDOM" STORE_READONLY_TOKEN="screenshots-read-$RANDOM$RANDOM"
export TaskHub="shots$RANDOM" NotifyKeyspaceEvents=KEA ASPNETCORE_ENVIRONMENT=Production
(cd standalone/bin/Debug/net10.0 && exec dotnet Serverless.Store.Standalone.dll --urls "http://127.0.0.1:$port") > "$work/store.log" 2>&1 &
pids+=($!)
export STORE_URL="http://127.0.0.1:$port/api"
echo "== waiting for the store at $STORE_URL"
for _ in $(seq 1 120); do
  curl -sf -X POST "$STORE_URL" -H "Authorization: Bearer $STORE_TOKEN" -d '["SET","__screenshots:ready","1"]' >/dev/null && break
  sleep 1
done
mkdir -p docs/console
(cd tests && OUT=../docs/console node console-browser/screenshots.mjs)
