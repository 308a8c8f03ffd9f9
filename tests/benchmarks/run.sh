#!/usr/bin/env bash
# The durable store's benchmark (issue 3), start to finish:
#   builds Release, starts Azurite, runs every scenario against the store in-process ("raw", no
#   HTTP), starts the standalone store and runs them again over HTTP, then @upstash/ratelimit's
#   limit() for each algorithm (tests/benchmarks/ratelimit.mjs), runs redis-benchmark against
#   a local redis-server for scale, stops everything and prints a markdown table with the goals.
#
# Usage: tests/benchmarks/run.sh [--small]
#   --small                  3 s per scenario, 1 s warm-up (proves the script works; numbers are rough)
#   BENCH_DURATION=15        seconds measured per scenario (default 15)
#   BENCH_WARMUP=3           seconds of warm-up per scenario, not recorded (default 3)
#   BENCH_ONLY=text          only scenarios whose name contains the text
#   BENCH_OUT=dir            keep results here (default: a temporary folder, printed at the end)
#   BENCH_CLIENT=1           also run the scenarios through the .NET client (client/), without and with AutoBatch
# Needs: .NET 10 SDK, Node.js + npm (Azurite from tests/package.json), redis-server, redis-benchmark, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

duration=${BENCH_DURATION:-15}
warmup=${BENCH_WARMUP:-3}
redis_requests=200000
if [ "${1:-}" = "--small" ]; then duration=3; warmup=1; redis_requests=20000; fi

fail() { echo "run.sh: $*" >&2; exit 1; }
step() { echo "== $(date +%H:%M:%S) $*" >&2; }

for tool in dotnet npm redis-server redis-benchmark python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (dotnet: .NET 10 SDK; npm: Node.js 20+; redis-*: apt-get install redis-server)"
done
if [ ! -x tests/node_modules/.bin/azurite ]; then
  step "installing the tests' npm tools (tests/package.json)"
  npm ci --prefix tests --no-audit --no-fund >&2
fi
[ -x tests/node_modules/.bin/azurite ] || fail "Azurite is missing after npm ci (tests/node_modules/.bin/azurite)"

out=${BENCH_OUT:-$(mktemp -d /tmp/store-bench.XXXXXX)}
mkdir -p "$out"
work=$(mktemp -d /tmp/store-bench-work.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { # port, what, seconds
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ $SECONDS -lt "$deadline" ] || fail "$2 did not open port $1 within $3 s"
    sleep 0.2
  done
}

step "building Release"
dotnet build -c Release --nologo -v q tests/Serverless.Store.LoadGen/Serverless.Store.LoadGen.csproj >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; fail "build failed (log above)"; }
loadgen=(dotnet tests/Serverless.Store.LoadGen/bin/Release/net10.0/Serverless.Store.LoadGen.dll)
store_dll=standalone/bin/Release/net10.0/Serverless.Store.Standalone.dll
[ -f "$store_dll" ] || fail "$store_dll was not built"

load_args=(--duration "$duration" --warmup "$warmup")
[ -n "${BENCH_ONLY:-}" ] && load_args+=(--only "$BENCH_ONLY")
# Every phase is bounded: 22 scenarios x (warm-up + duration) plus start-up and checks, twice over.
phase_limit=$(( (22 * (duration + warmup) + 90) * 2 ))

step "starting Azurite"
blob=$(free_port); queue=$(free_port); table=$(free_port)
tests/node_modules/.bin/azurite --silent --location "$work/azurite" --skipApiVersionCheck --loose \
  --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
  --blobPort "$blob" --queuePort "$queue" --tablePort "$table" >"$work/azurite.log" 2>&1 &
pids+=($!)
for p in "$blob" "$queue" "$table"; do wait_port "$p" Azurite 30; done
conn="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"

step "raw engine: the store in-process, no HTTP (${duration}s per scenario)"
timeout "$phase_limit" "${loadgen[@]}" raw --storage "$conn" --task-hub benchraw "${load_args[@]}" --out "$out/raw.json" \
  || fail "the raw-engine run failed or passed ${phase_limit}s"

step "starting the standalone store"
port=$(free_port)
token=bench-$RANDOM$RANDOM
AzureWebJobsStorage="$conn" STORE_TOKEN="$token" TaskHub=benchhttp CountStorageRequests=true Logging__LogLevel__Default=Warning \
  dotnet "$store_dll" --urls "http://127.0.0.1:$port" >"$out/store.log" 2>&1 &
store_pid=$!
pids+=($store_pid)
wait_port "$port" "the store" 60

step "HTTP: http://127.0.0.1:$port/api (${duration}s per scenario)"
timeout "$phase_limit" "${loadgen[@]}" http --url "http://127.0.0.1:$port/api" --token "$token" "${load_args[@]}" --out "$out/http.json" \
  || { tail -20 "$out/store.log" >&2; fail "the HTTP run failed or passed ${phase_limit}s (store log above: $out/store.log)"; }
if [ "${BENCH_CLIENT:-0}" = 1 ]; then
  for batch in false true; do
    step "the .NET client, AutoBatch=$batch (${duration}s per scenario)"
    timeout "$phase_limit" "${loadgen[@]}" client --url "http://127.0.0.1:$port/api" --token "$token" --auto-batch "$batch" "${load_args[@]}" --out "$out/client-$batch.json" \
      || { tail -20 "$out/store.log" >&2; fail "the client run failed or passed ${phase_limit}s (store log above: $out/store.log)"; }
  done
fi
step "@upstash/ratelimit's limit(), unchanged (${duration}s per row)"
STORE_URL="http://127.0.0.1:$port/api" STORE_TOKEN="$token" timeout "$phase_limit" node tests/benchmarks/ratelimit.mjs "$duration" 16 >"$out/ratelimit.md" \
  || { tail -20 "$out/store.log" >&2; fail "the ratelimit run failed or passed ${phase_limit}s"; }
kill "$store_pid"; wait "$store_pid" 2>/dev/null || true

step "redis-server + redis-benchmark (-c 64, $redis_requests requests per test)"
rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$rport" redis-server 10
# GET and INCR on one key (no -r), SET over 1,000 random keys.
timeout 300 redis-benchmark -p "$rport" -c 64 -n "$redis_requests" -t get,incr --csv >"$out/redis.csv"
timeout 300 redis-benchmark -p "$rport" -c 64 -n "$redis_requests" -r 1000 -t set --csv >>"$out/redis.csv"

step "report"
{
  echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB," \
       ".NET $(dotnet --version), Azurite $(tests/node_modules/.bin/azurite --version 2>/dev/null | tail -1), redis-server $(redis-server --version | grep -o 'v=[^ ]*' | cut -d= -f2);" \
       "${duration} s per scenario after ${warmup} s warm-up; $(date -u +%Y-%m-%d)."
  echo
  "${loadgen[@]}" report --results "$out/raw.json,$out/http.json,$out/client-false.json,$out/client-true.json" --redis "$out/redis.csv"
  echo
  cat "$out/ratelimit.md"
} | tee "$out/report.md"
step "done; results in $out"
