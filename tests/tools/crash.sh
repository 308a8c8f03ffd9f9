#!/usr/bin/env bash
# kill -9 at the worst moments (issue #21): N rounds of CrashTests against a store of its own. Each round
# runs MULTI/EXEC transfers (with MGET readers), 100-command pipelines, a merge restore (odd rounds) or SAVE
# (even rounds) and keys expiring under a 1-second TTL sweep at once, kills the host with SIGKILL at a random
# moment (from the seed) once the round's restore or SAVE is out, restarts it and checks every invariant;
# after the last round, every round's accounts (sum 0, no key stays locked). Only this script runs it
# (CRASH_ROUNDS): CI skips it (docs/reliability.md).
#
#   tests/tools/crash.sh [rounds] [seed]     # defaults: 40 21 (20 kills during a restore, 20 during a SAVE)
#
# Needs what the store tests need (the .NET SDK, Node.js for Azurite). A round takes about a minute; the
# accounts' check at the end waits up to 7 minutes: keys a killed MULTI/EXEC locked stay locked until the
# control queue's visibility timeout (5 minutes) gives its message back (docs/reliability.md). Prints each
# round's counts (acknowledged/failed requests per activity, which were in flight at the kill), the totals
# and any violation; exits non-zero on a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-40}"
seed="${2:-21}"
nice dotnet build tests/Serverless.Store.Tests -nologo -v q
log="$(mktemp)"
status=0
echo "each round's line as it comes: $log.progress"
CRASH_ROUNDS="$rounds" CRASH_SEED="$seed" CRASH_PROGRESS="$log.progress" \
  dotnet test tests/Serverless.Store.Tests --no-build \
    --filter "FullyQualifiedName~Serverless.Store.Tests.Http.CrashTests" \
    --logger "console;verbosity=detailed" > "$log" 2>&1 || status=$?
grep -E "^ *(crash test:|round [0-9]+:|total over|VIOLATION)|^  (Passed|Failed) |Total tests" "$log" || true
if [ "$status" -ne 0 ]; then echo "failed: the whole log is $log"; else rm -f "$log" "$log.progress"; fi
exit "$status"
