#!/usr/bin/env bash
# The snapshot benchmark (issue 7), start to finish:
#   builds Release, starts Azurite on free ports, runs `loadgen snapshot`: writes F mixed keys read from
#   a file through the snapshot writer into Blob Storage (the writing half at full size); seeds N keys into
#   key entities with put signals and SAVEs them (end to end, entity queries included); restores the first
#   M keys through the restore path. Then checks the snapshot with redis-check-rdb, loads it into
#   redis-server (DBSIZE must match) and times redis-server's own SAVE of the same data for scale.
#
# Usage: tests/benchmarks/snapshot.sh [file keys F (default 100000)] [entity keys N (default 10000)] [restore keys M (default 1000)]
#   N = 0 skips seeding, the end-to-end snapshot and the restore (seeding runs at the engine's entity
#   write rate: ~10-70 keys/s on a 2-core machine, so N = 100000 takes hours there).
#   BENCH_OUT=dir   keep the files (seed.rdb, snapshot.rdb, snapshot.csv) here (default: a temporary folder)
# Needs: .NET 10 SDK, Node.js + npm (Azurite from tests/package.json), redis-server, redis-check-rdb, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
file_keys=${1:-100000}
keys=${2:-10000}
restore_keys=${3:-1000}
fail() { echo "snapshot.sh: $*" >&2; exit 1; }
step() { echo "== $(date +%H:%M:%S) $*" >&2; }
for tool in dotnet npm redis-server redis-check-rdb redis-cli python3; do command -v "$tool" >/dev/null || fail "$tool is missing"; done
[ -x tests/node_modules/.bin/azurite ] || npm ci --prefix tests --no-audit --no-fund >&2

out=${BENCH_OUT:-$(mktemp -d /tmp/snapshot-bench.XXXXXX)}
mkdir -p "$out"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done; rm -rf "$out/azurite"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { local deadline=$((SECONDS + 30)); until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do [ $SECONDS -lt $deadline ] || fail "port $1 not open"; sleep 0.2; done; }

step "building Release"
dotnet build -c Release --nologo -v q tests/Serverless.Store.LoadGen/Serverless.Store.LoadGen.csproj >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; fail "build failed"; }

blob=$(free_port); queue=$(free_port); table=$(free_port)
tests/node_modules/.bin/azurite --silent --location "$out/azurite" --skipApiVersionCheck --loose --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
  --blobPort "$blob" --queuePort "$queue" --tablePort "$table" >"$out/azurite.log" 2>&1 &
pids+=($!)
for p in $blob $queue $table; do wait_port "$p"; done
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
conn="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"

step "snapshot $file_keys keys from a file; seed $keys keys, snapshot, restore $restore_keys keys (the store in this process)"
/usr/bin/time -v dotnet tests/Serverless.Store.LoadGen/bin/Release/net10.0/Serverless.Store.LoadGen.dll snapshot \
  --storage "$conn" --file-keys "$file_keys" --keys "$keys" --restore-keys "$restore_keys" --out "$out" 2>"$out/loadgen.log" >/dev/null \
  || { tail -40 "$out/loadgen.log" >&2; fail "loadgen snapshot failed"; }
grep -E "Maximum resident" "$out/loadgen.log" >&2 || true

step "redis-check-rdb on the store's snapshot"
redis-check-rdb "$out/snapshot.rdb" >"$out/check.log" 2>&1 || { cat "$out/check.log" >&2; fail "redis-check-rdb refused the snapshot"; }
grep -E "RDB looks OK|keys read|expires" "$out/check.log" >&2

step "redis-server loads it; its own SAVE of the same data"
port=$(free_port)
mkdir -p "$out/redis"; cp "$out/snapshot.rdb" "$out/redis/dump.rdb"
redis-server --port "$port" --bind 127.0.0.1 --dir "$out/redis" --dbfilename dump.rdb --save "" --appendonly no >"$out/redis.log" 2>&1 &
pids+=($!)
wait_port "$port"
until [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ]; do sleep 0.2; done
dbsize=$(redis-cli -p "$port" dbsize)
expected=$keys; [ "$file_keys" -gt 0 ] && expected=$file_keys
[ "$dbsize" = "$expected" ] || fail "redis-server loaded $dbsize keys, expected $expected"
start=$(date +%s%N); redis-cli -p "$port" save >/dev/null; end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
rss=$(redis-cli -p "$port" info memory | grep -E '^used_memory_rss:' | cut -d: -f2 | tr -d '\r')
echo "redis-server SAVE,$dbsize,$(stat -c %s "$out/redis/dump.rdb"),$ms,$(python3 -c "print(round($dbsize*1000/max($ms,1)))"),,,rss $(python3 -c "print(round($rss/1048576,1))") MB" >>"$out/snapshot.csv"
cat "$out/snapshot.csv"
echo "files in $out" >&2
