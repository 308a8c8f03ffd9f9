#!/usr/bin/env bash
# kill -9 at the worst moments (issue #21): rounds of CrashTests, each against a store of its own per batch.
# Each round runs MULTI/EXEC transfers (with MGET readers), 100-command pipelines, a merge restore (odd
# rounds) or SAVE (even rounds) and keys expiring under a 1-second TTL sweep at once, kills the host with
# SIGKILL at a random moment (from the seed) once the round's restore or SAVE is out, restarts it and
# checks every invariant; after a batch's last round, every round's accounts (sum 0, no key stays locked).
# Only this script runs it (CRASH_ROUNDS): CI skips it (docs/reliability.md).
#
#   tests/tools/crash.sh [rounds] [seed] [batch]   # defaults: 40 21 10 (20 kills during a restore, 20 during a SAVE)
#
# The rounds go in batches of `batch` (seeds seed, seed+1, ...), each on a fresh store (its own Azurite
# and task hub): Azurite filters every row of a table for each query, and a round adds about 4,000
# history rows, so on one store the rounds slow down from about half a minute to several minutes
# (docs/reliability.md). Needs what the store tests need (the .NET SDK, Node.js for Azurite). A batch
# of 10 takes about 20 minutes alone: its accounts' check at the end waits up to 7 minutes, as keys a
# killed MULTI/EXEC locked stay locked until the control queue's visibility timeout (5 minutes) gives
# its message back. Prints each round's counts (acknowledged/failed requests per activity, which were in
# flight at the kill), each batch's totals, the sum and any violation; exits non-zero on a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-40}"
seed="${2:-21}"
batch="${3:-10}"
nice dotnet build tests/Serverless.Store.Tests -nologo -v q
status=0
totals="$(mktemp)"
done_rounds=0
while [ "$done_rounds" -lt "$rounds" ]; do
  n=$(( rounds - done_rounds < batch ? rounds - done_rounds : batch ))
  log="$(mktemp)"
  echo "== batch of $n rounds, seed $seed, on a fresh store; each round's line as it comes: $log.progress"
  batch_status=0
  CRASH_ROUNDS="$n" CRASH_SEED="$seed" CRASH_PROGRESS="$log.progress" \
    dotnet test tests/Serverless.Store.Tests --no-build \
      --filter "FullyQualifiedName~Serverless.Store.Tests.Http.CrashTests" \
      --logger "console;verbosity=detailed" > "$log" 2>&1 || batch_status=$?
  grep -E "^ *(crash test:|round [0-9]+|total over|VIOLATION)|^  (Passed|Failed) |Total tests" "$log" || true
  grep -E "^ *total over" "$log" >> "$totals" || true
  if [ "$batch_status" -ne 0 ]; then status=$batch_status; echo "failed: the whole log is $log"; else rm -f "$log" "$log.progress"; fi
  done_rounds=$(( done_rounds + n ))
  seed=$(( seed + 1 ))
done
# Sum every batch's "name A ok/F failed, in flight at I of R kills" and violations.
awk '
  { sub(/^ *total over [0-9]+ rounds \(seed [0-9]+\) in [0-9]+ s: /, "")
    n = split($0, parts, "; ")
    for (i = 1; i <= n; i++) {
      if (match(parts[i], /^[0-9]+ violations/)) { violations += parts[i] + 0; continue }
      split(parts[i], w, /[ \/]+/)   # name, ok count, "ok", failed count, "failed,", "in", "flight", "at", I, "of", R, "kills"
      if (!(w[1] in ok)) order[++names] = w[1]
      ok[w[1]] += w[2]; failed[w[1]] += w[4]; inflight[w[1]] += w[9]
      if (w[1] == "transfers") rounds += w[11]
    }
  }
  END {
    if (names == 0) { print "no batch finished"; exit }
    line = "all batches, " rounds " kills:"
    for (i = 1; i <= names; i++) line = line sprintf(" %s %d ok/%d failed, in flight at %d;", order[i], ok[order[i]], failed[order[i]], inflight[order[i]])
    print line " " violations " violations"
  }' "$totals"
rm -f "$totals"
exit "$status"
