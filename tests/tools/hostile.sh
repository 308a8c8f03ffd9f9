#!/usr/bin/env bash
# The hostile-input corpus (issue #21), larger than CI's: N generated malformed and hostile requests
# against a store of its own, then the judgment (no 5xx, JSON errors, reserved keys unchanged, host alive),
# plus a sample of generated command errors compared with redis-server.
#
#   tests/tools/hostile.sh [cases] [seed] [oracle-commands]     # defaults: 100000 21 2000
#
# Needs what the store tests need (the .NET SDK, Node.js for Azurite, redis-server). Prints the counts
# (requests, commands inside batches, statuses, families, oracle comparisons) and exits non-zero on a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
cases="${1:-100000}"
seed="${2:-21}"
oracle="${3:-2000}"
dotnet build tests/Serverless.Store.Tests -nologo -v q
log="$(mktemp)"
status=0
HOSTILE_CASES="$cases" HOSTILE_SEED="$seed" HOSTILE_ORACLE_COMMANDS="$oracle" \
  dotnet test tests/Serverless.Store.Tests --no-build \
    --filter "FullyQualifiedName~HostileInputTests" \
    --logger "console;verbosity=detailed" > "$log" 2>&1 || status=$?
grep -E "^ (seed [0-9]+:|statuses:|families:|[0-9]+ commands compared|[0-9]+ whole-keyspace)|requests failed|reserved keys changed|^  (Passed|Failed) |Total tests" "$log" | sort -u || true
if [ "$status" -ne 0 ]; then echo "failed: the whole log is $log"; else rm -f "$log"; fi
exit "$status"
