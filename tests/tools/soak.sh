#!/usr/bin/env bash
# Load over time (issue #21): SoakTests for MINUTES (default 30) at RATE requests/s (default 10) against a
# store of its own, every 10-second sample written to docs/reliability/soak.csv and drawn as four charts
# (docs/reliability/soak-memory.png, soak-storage.png, soak-latency.png, soak-cpu.png) for docs/reliability.md.
# The store runs with a 5-minute message-reorder window and the entity cleanup every 5 minutes, so deleted
# keys' rows go within the run (the defaults, 30 and 30, reach the same plateau after about an hour).
#
#   tests/tools/soak.sh [minutes] [rate]
#
# Needs what the store tests need (the .NET SDK, Node.js for Azurite) and gnuplot (apt-get install -y
# gnuplot-nox). Run it while nothing else heavy runs: its latency figures are this machine's.
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes="${1:-30}"
rate="${2:-10}"
command -v gnuplot >/dev/null || { echo "gnuplot is missing: apt-get install -y gnuplot-nox" >&2; exit 1; }
out=docs/reliability
mkdir -p "$out"
dotnet build tests/Serverless.Store.Tests -nologo -v q
log="$(mktemp)"
echo "== soak: $minutes minutes at $rate requests/s (test output: $log)"
status=0
SOAK_MINUTES="$minutes" SOAK_RATE="$rate" SOAK_OUT="$PWD/$out/soak.csv" SOAK_REORDER_WINDOW_MINUTES=5 SOAK_CLEANUP_MINUTES=5 \
  dotnet test tests/Serverless.Store.Tests --no-build \
    --filter "FullyQualifiedName~Serverless.Store.Tests.Http.SoakTests" \
    --logger "console;verbosity=detailed" > "$log" 2>&1 || status=$?
grep -E "^  (Passed|Failed) |still growing|requests failed|Total tests" "$log" || true
[ -s "$out/soak.csv" ] || { echo "no samples were written: the whole log is $log" >&2; exit 1; }

plot() { # plot FILE TITLE YLABEL PLOT-CLAUSES [SETTINGS]
  gnuplot <<EOF
set terminal pngcairo size 900,360 font "sans,10"
set output "$out/$1"
set datafile separator ","
set key autotitle columnhead top left
set title "$2 ($minutes minutes at $rate requests/s)"
set xlabel "minutes"
set ylabel "$3"
set yrange [0:*]
set grid
${5:-}
plot $4
EOF
}
plot soak-memory.png "Host memory" "MB" \
  "'$out/soak.csv' using (\$1/60):7 with lines lw 2 title 'working set', '' using (\$1/60):8 with lines lw 2 title 'managed heap'"
plot soak-storage.png "Task hub storage" "rows / KB / messages" \
  "'$out/soak.csv' using (\$1/60):(\$10+\$11) with lines lw 2 title 'table rows', '' using (\$1/60):15 with lines lw 2 title 'Azurite table files KB', '' using (\$1/60):16 with lines lw 2 title 'Azurite blob files KB', '' using (\$1/60):14 with lines lw 2 title 'queued messages'"
plot soak-latency.png "Latency (log scale) and errors" "ms / count" \
  "'$out/soak.csv' using (\$1/60):4 with lines lw 2 title 'p50 ms', '' using (\$1/60):5 with lines lw 2 title 'p99 ms', '' using (\$1/60):(\$3+1) with lines lw 2 title 'errors + 1'" \
  "set logscale y; set yrange [1:*]"
plot soak-cpu.png "Processor time (2 cores = 200%)" "%" \
  "'$out/soak.csv' using (\$1/60):18 with lines lw 2 title 'store host', '' using (\$1/60):19 with lines lw 2 title 'Azurite'"
echo "charts: $out/soak-memory.png $out/soak-storage.png $out/soak-latency.png $out/soak-cpu.png"
if [ "$status" -ne 0 ]; then echo "failed: the whole log is $log"; else rm -f "$log"; fi
exit "$status"
