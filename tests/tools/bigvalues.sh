#!/usr/bin/env bash
# Big values (issue #21): grows one list, hash, set and sorted set, and one string by APPEND, on a
# standalone store of its own until each reaches a target size, printing after each step the
# size reached, how long the step's write took, how long a read of the whole key took at the
# checkpoints, and MEMORY USAGE. A write the store refuses, or one that fails, stops that type and is
# printed with its answer: the figures for docs/limits.md (Big values).
#
#   tests/tools/bigvalues.sh [elements] [string-MiB]     # defaults: 1000000 elements, 64 MiB string
#   TYPES="hash string" tests/tools/bigvalues.sh ...      # only these (default: list hash set zset string)
#   TYPES=limit tests/tools/bigvalues.sh                  # a list of 1 MiB elements grown until the value limit refuses a write
#
# Each collection grows by commands of 50,000 elements (25,000 field-value or score-member pairs; 16-byte
# members), under the store's 100,000 arguments per command; the string by APPENDs of 8 MiB. Needs the .NET SDK, Node.js (Azurite from
# tests/node_modules) and python3. Ports 7303 and 10110-10112. Not a test: run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/tools/lib.sh
target="${1:-1000000}"
string_mib="${2:-64}"
token="bigvalues-token-0123456789abcdef"
data="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$data"; }
trap cleanup EXIT

echo "== building the standalone host (Release)"
dotnet build standalone -c Release -nologo -v q >/dev/null
azurite_start 10110 "$data"
pids+=("$azurite_pid")
AzureWebJobsStorage="$conn" TaskHub=bigvalues STORE_TOKEN="$token" ReplyTimeoutSeconds=600 \
  ASPNETCORE_URLS=http://127.0.0.1:7303 dotnet standalone/bin/Release/net10.0/Serverless.Store.Standalone.dll > "$data/host.log" 2>&1 &
pids+=($!)
until curl -s -o /dev/null -m 5 -H "Authorization: Bearer $token" -d '["SET","big:probe","1"]' http://127.0.0.1:7303/api; do sleep 0.2; done

# post BODY-FILE: prints "status seconds" and leaves the answer in $data/answer.
post() {
  curl -s -o "$data/answer" -w '%{http_code} %{time_total}' -m 900 -H "Authorization: Bearer $token" \
    --data-binary "@$1" http://127.0.0.1:7303/api
}

# body COMMAND KEY FROM COUNT: a command adding members FROM..FROM+COUNT-1 (16 bytes each) to KEY.
body() {
  python3 - "$@" > "$data/body" <<'PY'
import json, sys
command, key, start, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
members = [f"m{i:015d}" for i in range(start, start + count)]
if command == "HSET": args = [x for m in members for x in (m, "v")]
elif command == "ZADD": args = [x for i, m in enumerate(members) for x in (str(start + i), m)]
else: args = members
json.dump([command, key, *args], sys.stdout)
PY
}

read_all() { # read_all COMMAND KEY...: prints "status seconds bytes"
  python3 -c 'import json,sys; json.dump(sys.argv[1:], sys.stdout)' "$@" > "$data/read"
  local out; out=$(post "$data/read"); echo "$out $(wc -c < "$data/answer")"
}

grow() { # grow TYPE COMMAND STEP READ-COMMAND [READ-ARGUMENTS after the key]
  local type=$1 command=$2 step=$3 reader=$4; shift 4
  local key="big:$type" size=0 out status seconds
  echo "== $type ($command, $step members per command, up to $target)"
  while [ "$size" -lt "$target" ]; do
    body "$command" "$key" "$size" "$step"
    out=$(post "$data/body"); status=${out% *}; seconds=${out#* }
    if [ "$status" != 200 ]; then
      echo "  at $size: the write answered $status in ${seconds}s: $(head -c 300 "$data/answer")"; return
    fi
    size=$((size + step))
    if [ $((size % 250000)) -eq 0 ] || [ "$size" -ge "$target" ]; then
      local r; r=$(read_all "$reader" "$key" "$@")
      python3 -c 'import json,sys; json.dump(["MEMORY","USAGE",sys.argv[1]], sys.stdout)' "$key" > "$data/mem"; post "$data/mem" >/dev/null
      printf '  %9d members: write %6.1f s; whole read (%s: status s bytes) %s; MEMORY USAGE %s\n' "$size" "$seconds" "$reader" "$r" "$(cat "$data/answer")"
    else
      printf '  %9d members: write %6.1f s\n' "$size" "$seconds"
    fi
  done
}

types=" ${TYPES:-list hash set zset string} "
[[ $types == *" list "* ]] && grow list RPUSH 50000 LRANGE 0 -1
[[ $types == *" hash "* ]] && grow hash HSET 25000 HGETALL # two arguments per member: 50,000 members would pass 100,000 arguments
[[ $types == *" set "* ]] && grow set SADD 50000 SMEMBERS
[[ $types == *" zset "* ]] && grow zset ZADD 25000 ZRANGE 0 -1
if [[ $types == *" limit "* ]]; then
  # The value limit (MaxValueBytes, default 125,000,000 bytes) reached by a list: RPUSHes of 8 MiB
  # (8 elements of 1 MiB) until the store refuses one; the list must keep what it held.
  echo "== list to the value limit (RPUSH of 8 elements of 1 MiB)"
  python3 -c 'import json,sys; json.dump(["RPUSH","big:limit"] + ["x"*(1<<20)]*8, sys.stdout)' > "$data/body"
  for mib in $(seq 8 8 200); do
    out=$(post "$data/body"); status=${out% *}; seconds=${out#* }
    if [ "$status" != 200 ]; then
      echo "  at $((mib - 8)) MiB: the RPUSH answered $status in ${seconds}s: $(head -c 300 "$data/answer")"
      r=$(read_all LLEN big:limit); echo "  LLEN afterwards: $(cat "$data/answer")"
      break
    fi
    printf '  %4d MiB: RPUSH %6.1f s\n' "$mib" "$seconds"
  done
fi
[[ $types == *" string "* ]] || exit 0

echo "== string (APPEND of 8 MiB, up to $string_mib MiB)"
python3 -c 'import json,sys; json.dump(["APPEND","big:string","x"*(8<<20)], sys.stdout)' > "$data/body"
for mib in $(seq 8 8 "$string_mib"); do
  out=$(post "$data/body"); status=${out% *}; seconds=${out#* }
  if [ "$status" != 200 ]; then echo "  at $((mib - 8)) MiB: the APPEND answered $status in ${seconds}s: $(head -c 300 "$data/answer")"; break; fi
  r=$(read_all STRLEN big:string)
  printf '  %4d MiB: APPEND %6.1f s; STRLEN %s\n' "$mib" "$seconds" "$(cat "$data/answer")"
done
r=$(read_all GET big:string); echo "  GET of the whole string: $r (status, seconds, bytes)"
echo "== host's working set: $(ps -o rss= -p "${pids[1]}") KiB"
