#!/usr/bin/env bash
# Cold start under the real Azure Functions host (issue #21): from starting the host with the built
# app until the first read and the first acknowledged write answer, for a new task hub, a restart
# after a clean stop, and a restart after kill -9 of the host and its worker (leases left behind;
# the restarted host has the same worker name on this machine, so it takes them over at once, as the
# standalone's same-name case: a new instance in Azure would wait for them, see coldstart.sh's after-kill).
# run-host.sh runs the host under nice 19: on a machine with other work the figures grow.
#
#   FH=<folder with the host built by ../shared/tools/functions-host/build-host.sh> tests/tools/coldstart-functions.sh [runs]
#
# CI cannot run it (the host is built from fetched sources): figures for docs/deploy.md (Cold start).
# LOGS=<folder> keeps the hosts' logs there. Uses port 7171 and an Azurite of its own on 10120-10122. Run it while nothing else heavy runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/tools/lib.sh
repo=$(pwd)
runs="${1:-3}"
tools="${FUNCTIONS_HOST_TOOLS:-$repo/../shared/tools/functions-host}"
: "${FH:?set FH to the folder the Functions host was built in (build-host.sh)}"
token="coldstart-token-0123456789abcdef"
data="$(mktemp -d)"
azurite=""
host=""
cleanup() { [ -n "$host" ] && kill -9 -- "-$host" 2>/dev/null || true; [ -n "$azurite" ] && kill -9 "$azurite" 2>/dev/null || true; [ -n "${LOGS:-}" ] && mkdir -p "$LOGS" && cp "$data"/host-*.log "$LOGS"/ 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

echo "== building the app as Core Tools does (functions/bin/output)"
(cd functions && dotnet build --output bin/output -nologo -v q >/dev/null)
azurite_start 10120 "$data" # sets conn, which the settings below need
azurite=$azurite_pid
functions_settings "$token" "$data/local.settings.json"

until_ok() {
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -m 300 -H "Authorization: Bearer $token" -d "$1" http://127.0.0.1:7171/api)" = 200 ]; do
    sleep 0.05
  done
}

# measure NAME HUB: starts the host in a process group of its own and prints the times.
measure() {
  local start read write
  start=$(now_ms)
  AzureFunctionsJobHost__extensions__durableTask__hubName="$2" FH="$FH" APP_OUT="$repo/functions/bin/output" \
    SETTINGS="$data/local.settings.json" ASPNETCORE_URLS=http://127.0.0.1:7171 \
    setsid "$tools/run-host.sh" > "$data/host-$1.log" 2>&1 &
  host=$!
  until_ok '["GET","cold:probe"]'; read=$(( $(now_ms) - start ))
  until_ok "[\"INCR\",\"cold:$1\"]"; write=$(( $(now_ms) - start ))
  echo "$1 $read $write" >> "$data/results"
  printf '  %-10s first read %6d ms, first write %6d ms\n' "$1" "$read" "$write"
}
gone() { while kill -0 "$1" 2>/dev/null; do sleep 0.1; done; }

for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs"
  hub="coldf${run}x$RANDOM"
  measure new-hub "$hub"
  kill -TERM "$host"; gone "$host"; sleep 1 # the worker process follows its host
  measure restart "$hub"
  kill -9 -- "-$host" 2>/dev/null; wait "$host" 2>/dev/null || true
  measure after-kill "$hub"
  kill -TERM "$host"; gone "$host"; sleep 1
done

echo "== medians over $runs runs (ms from starting the host)"
for name in new-hub restart after-kill; do
  printf '  %-10s first read %6d, first write %6d\n' "$name" "$(median "$name" 2 "$data/results")" "$(median "$name" 3 "$data/results")"
done
