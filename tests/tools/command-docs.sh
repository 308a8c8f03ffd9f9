#!/usr/bin/env bash
# Regenerates entities/Engine/Commands/CommandDocs.json, the data COMMAND DOCS answers from, out of
# a real redis-server's own COMMAND DOCS (run once per Redis version the store follows; the test
# ServerDifferentialTests.Command_docs_are_redis_docs checks the file against redis-server).
#   tests/tools/command-docs.sh            # starts redis-server on a free port, then stops it
#   REDIS_PORT=6379 tests/tools/command-docs.sh   # asks a server already running there
# Needs redis-server / redis-cli 7.0 and jq. The output: {"redis_version": ..., "commands": {...}},
# each command name -> its docs map as redis-cli --json prints it (RESP3 maps as objects, key order
# kept), sorted by command name.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/entities/Engine/Commands/CommandDocs.json"
port="${REDIS_PORT:-}"
if [[ -z "$port" ]]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
  server=$!
  trap 'kill $server' EXIT
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
version=$(redis-cli -p "$port" --no-raw INFO server | tr -d '\r' | sed -n 's/^redis_version://p')
redis-cli -p "$port" --json COMMAND DOCS | jq --arg v "$version" '{"redis_version": $v, "commands": (to_entries | sort_by(.key) | from_entries)}' > "$out"
echo "wrote $out from redis-server $version ($(jq '.commands | length' "$out") commands)"
