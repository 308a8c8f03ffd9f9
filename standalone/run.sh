#!/usr/bin/env bash
# Runs the store locally: Azurite (the Azure Storage emulator, from npm) in the background when
# nothing listens on its ports yet, then the standalone host on http://127.0.0.1:7071/api.
# Needs: the .NET 10 SDK and Node.js 20+ with npm. Stop with Ctrl+C (Azurite is stopped too
# when this script started it). Extra arguments go to the host, e.g. --urls http://0.0.0.0:8080
set -euo pipefail
cd "$(dirname "$0")/.."

data="${AZURITE_LOCATION:-.azurite}"
azurite_pid=""
if (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null; then
  echo "== Azurite (or another storage emulator) already listens on 127.0.0.1:10000: using it"
else
  if [ ! -x tests/node_modules/.bin/azurite ]; then
    echo "== installing Azurite from npm (tests/package.json)"
    npm ci --prefix tests --no-audit --no-fund
  fi
  mkdir -p "$data"
  echo "== starting Azurite (data in $data, log in $data/azurite.log)"
  tests/node_modules/.bin/azurite --silent --location "$data" --skipApiVersionCheck --loose > "$data/azurite.log" 2>&1 &
  azurite_pid=$!
  trap '[ -n "$azurite_pid" ] && kill "$azurite_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null && break; sleep 0.2; done
fi

echo "== starting the store: REST base http://127.0.0.1:7071/api"
echo "   try: curl -X POST http://127.0.0.1:7071/api -d '[\"SET\",\"greeting\",\"hello\"]'"
dotnet run -c Release --project standalone -- "$@"
