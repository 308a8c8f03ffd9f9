#!/usr/bin/env bash
# A storage outage under the real Azure Functions host (issue #21): with 8 clients writing, Azurite is
# stopped for a few seconds and started again on the same data; the script prints when writes were
# served again after storage came back, and every answer meanwhile by status. BASELINE=1 runs the same
# app without the store's host extension (entities/FunctionsHost: the Durable Task worker's 1 s
# back-off, and timer lock renewals tried again instead of stopping the host), for comparison.
# run-host.sh runs the host under nice 19: on a machine with other work the figures grow.
#
#   FH=<folder with the host built by ../shared/tools/functions-host/build-host.sh> tests/tools/outage-functions.sh [outage-seconds] [runs]
#
# CI cannot run it (the host is built from fetched sources): figures for docs/reliability.md (storage
# outage); the standalone's figures come from StorageOutageTests. Uses port 7172 and an Azurite of its
# own on 10130-10132. LOGS=<folder> keeps the host's log. Run it while nothing else heavy runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/tools/lib.sh
repo=$(pwd)
outage="${1:-5}"
runs="${2:-3}"
clients=8
tools="${FUNCTIONS_HOST_TOOLS:-$repo/../shared/tools/functions-host}"
: "${FH:?set FH to the folder the Functions host was built in (build-host.sh)}"
token="outage-token-0123456789abcdef"
data="$(mktemp -d)"
azurite=""
host=""
load=()
cleanup() {
  for p in "${load[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$host" ] && kill -9 -- "-$host" 2>/dev/null || true
  [ -n "$azurite" ] && kill -9 "$azurite" 2>/dev/null || true
  [ -n "${LOGS:-}" ] && mkdir -p "$LOGS" && cp "$data"/host.log "$LOGS"/ 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT

echo "== building the app as Core Tools does (functions/bin/output)"
(cd functions && dotnet build --output bin/output -nologo -v q >/dev/null)
app="$repo/functions/bin/output"
if [ "${BASELINE:-}" = 1 ]; then
  echo "== baseline: a copy of the app without the store's host extension"
  cp -r "$app" "$data/app"; app="$data/app"
  python3 - "$app/extensions.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["extensions"] = [e for e in doc["extensions"] if "Serverless.Store" not in e["typeName"]]
json.dump(doc, open(sys.argv[1], "w"), indent=2)
PY
fi
azurite_start 10130 "$data"
azurite=$azurite_pid
disown "$azurite"
functions_settings "$token" "$data/local.settings.json"
FH="$FH" APP_OUT="$app" SETTINGS="$data/local.settings.json" ASPNETCORE_URLS=http://127.0.0.1:7172 \
  setsid "$tools/run-host.sh" > "$data/host.log" 2>&1 &
host=$!
disown "$host" # no "Killed" line from bash when cleanup ends it

# write KEY: one INCR; prints "<ms when it answered> <status>"
write() { local s; s=$(curl -s -o /dev/null -w '%{http_code}' -m 120 -H "Authorization: Bearer $token" -d "[\"INCR\",\"$1\"]" http://127.0.0.1:7172/api || true); echo "$(now_ms) $s"; }
until [ "$(write outage:probe | cut -d' ' -f2)" = 200 ]; do sleep 0.2; done
echo "== the host serves; $clients clients write"
for c in $(seq 1 "$clients"); do
  ( while true; do write "outage:c$c" >> "$data/writes-$c"; sleep 0.05; done ) &
  load+=($!)
done
sleep 20
for run in $(seq 1 "$runs"); do
  kill -9 "$azurite" # at once, as a crash: a graceful stop waits for the host's open connections
  while kill -0 "$azurite" 2>/dev/null; do sleep 0.05; done
  down=$(now_ms)
  sleep "$outage"
  azurite_start 10130 "$data"
  azurite=$azurite_pid
  disown "$azurite"
  back=$(now_ms)
  # served again: the first write answered 200 after storage came back
  until cat "$data"/writes-* | awk -v t="$back" '$1 > t && $2 == 200 { found = 1 } END { exit !found }'; do
    if ! kill -0 "$host" 2>/dev/null; then
      echo "  run $run: the Functions host exited during the outage (in Azure the platform starts it again); its log says why:"
      grep -A2 "Host is shutting down" "$data/host.log" | head -3
      exit 1
    fi
    sleep 0.2
  done
  first=$(cat "$data"/writes-* | awk -v t="$back" '$1 > t && $2 == 200 { print $1 }' | sort -n | head -1)
  # every write answered from the outage until that one, by status (000: no HTTP answer)
  answers=$(cat "$data"/writes-* | awk -v a="$down" -v f="$first" '$1 > a && $1 <= f { n[$2]++ }
    END { for (s in n) { printf "%s%s x%d", sep, s, n[s]; sep = ", " } }')
  printf '  run %d: storage down %d s; writes served again %.1f s after it came back; answers meanwhile: %s\n' \
    "$run" "$outage" "$(awk -v f="$first" -v b="$back" 'BEGIN { print (f - b) / 1000 }')" "$answers"
  sleep 30
done
grep -h "backs off" "$data/host.log" | head -1 || echo "  (the host did not log the store's back-off: its extension is not loaded)"
