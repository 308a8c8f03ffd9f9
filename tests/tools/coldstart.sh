#!/usr/bin/env bash
# Cold start of the standalone store (issue #21): how long from starting a host process until it
# answers its first read and its first acknowledged write, in four situations:
#   new-hub     a task hub that does not exist yet (the first run of a new store)
#   restart     the same hub after the previous host stopped cleanly (its partition leases released)
#   second      a second host joining a hub another host is running (the first keeps its leases)
#   after-kill  the hub after its only host was killed with kill -9 (its leases are left to expire)
#   same-name   as after-kill, but the new process has the killed one's worker name (WorkerId)
# Each is repeated RUNS times (default 3); the medians and the single runs are printed.
#
#   tests/tools/coldstart.sh [runs]
#
# Needs the .NET SDK and Node.js (Azurite from tests/node_modules). Uses ports 7301/7302 and an
# Azurite of its own on 10100-10102 with data in a temporary folder. Not a test: figures for
# docs/deploy.md (Cold start). Run it while nothing else heavy runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/tools/lib.sh
runs="${1:-3}"
token="coldstart-token-0123456789abcdef"
data="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; [ -n "${LOGS:-}" ] && mkdir -p "$LOGS" && cp "$data"/host-*.log "$LOGS"/ 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

echo "== building the standalone host (Release)"
dotnet build standalone -c Release -nologo -v q >/dev/null
dll=standalone/bin/Release/net10.0/Serverless.Store.Standalone.dll

azurite_start 10100 "$data"
pids+=("$azurite_pid")


# start_host PORT HUB WORKER: starts a host in the background and prints its pid. Every process gets a
# worker name of its own (WorkerId), as every instance in Azure has: a process under a dead one's
# name would take over its partition leases at once, which no new instance can.
start_host() {
  AzureWebJobsStorage="$conn" TaskHub="$2" STORE_TOKEN="$token" TtlSweepSeconds=0 EntityCleanupMinutes=0 WorkerId="$3" \
    ASPNETCORE_URLS="http://127.0.0.1:$1" dotnet "$dll" > "$data/host-$1.log" 2>&1 &
  echo $!
}

# until_ok PORT BODY: posts BODY until the answer is 200 (each try may wait up to 120 s).
until_ok() {
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -m 120 -H "Authorization: Bearer $token" -d "$2" "http://127.0.0.1:$1/api")" = 200 ]; do
    sleep 0.05
  done
}

# measure NAME PORT HUB WORKER: starts a host, prints the ms until its first read and its first write.
measure() {
  local start pid read write
  start=$(now_ms)
  pid=$(start_host "$2" "$3" "$4")
  until_ok "$2" '["GET","cold:probe"]'; read=$(( $(now_ms) - start ))
  until_ok "$2" "[\"INCR\",\"cold:$1\"]"; write=$(( $(now_ms) - start ))
  echo "$1 $read $write" >> "$data/results"
  printf '  %-10s first read %6d ms, first write %6d ms\n' "$1" "$read" "$write" >&2
  echo "$pid"
}

# The hosts are started in command substitutions, so they are not this shell's children: wait by polling.
gone() { while kill -0 "$1" 2>/dev/null; do sleep 0.1; done; }
stop() { kill -TERM "$1"; gone "$1"; }

for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs"
  hub="cold${run}x$RANDOM"
  a=$(measure new-hub 7301 "$hub" "a$hub"); pids+=("$a")
  stop "$a"
  a=$(measure restart 7301 "$hub" "b$hub"); pids+=("$a")
  b=$(measure second 7302 "$hub" "c$hub"); pids+=("$b")
  stop "$b"
  kill -9 "$a"; gone "$a"
  a=$(measure after-kill 7301 "$hub" "d$hub"); pids+=("$a")
  kill -9 "$a"; gone "$a"
  a=$(measure same-name 7301 "$hub" "d$hub"); pids+=("$a")
  stop "$a"
done

echo "== medians over $runs runs (ms from starting the process)"
for name in new-hub restart second after-kill same-name; do
  printf '  %-10s first read %6d, first write %6d\n' "$name" "$(median "$name" 2 "$data/results")" "$(median "$name" 3 "$data/results")"
done
