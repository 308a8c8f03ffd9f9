#!/usr/bin/env bash
# Streams in RDB files (issue 9): one stream of N entries (every tenth deleted, a group with N/10
# pending entries) written by our RdbWriter and read back by our RdbReader (times printed by
# `loadgen stream-rdb`), then checked by redis-check-rdb and loaded into redis-server (XLEN must
# match), whose load time and own SAVE of the same stream are printed for scale.
# Usage: tests/benchmarks/stream-rdb.sh [N (default 1000000)]
# Needs: .NET 10 SDK, redis-server, redis-check-rdb, redis-cli, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
entries=${1:-1000000}
out=$(mktemp -d /tmp/stream-rdb.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT
dotnet build -c Release tests/Serverless.Store.LoadGen -v q -nologo >&2
dotnet tests/Serverless.Store.LoadGen/bin/Release/net10.0/Serverless.Store.LoadGen.dll stream-rdb --entries "$entries" --out "$out/stream.rdb"
redis-check-rdb "$out/stream.rdb" | grep -E "RDB looks OK|keys read" >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
start=$(date +%s%N)
redis-server --port "$port" --bind 127.0.0.1 --dir "$out" --dbfilename stream.rdb --save "" --appendonly no --logfile "$out/redis.log" &
pid=$!
until redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; do sleep 0.05; done
echo "redis-server load (start to PONG): $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
len=$(redis-cli -p "$port" XLEN s)
[ "$len" -eq $((entries - entries / 10)) ] || { echo "XLEN $len, expected $((entries - entries / 10))" >&2; exit 1; }
start=$(date +%s%N)
redis-cli -p "$port" SAVE >/dev/null
echo "redis-server SAVE: $(( ($(date +%s%N) - start) / 1000000 )) ms, $(stat -c %s "$out/stream.rdb") bytes (LZF on)" >&2
