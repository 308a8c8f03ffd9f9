#!/usr/bin/env bash
# The one test command: installs the tests' npm tools (Azurite, @upstash/redis, ratelimit and lock, @microsoft/signalr,
# playwright-core) when missing,
# builds the solution and runs every test project, then checks that the .NET client and store-cli pack (NuGet).
# Needs: the .NET 10 SDK, Node.js with npm, and redis-server on PATH (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install -y redis-server" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js/npm is missing: install Node.js 20 or later" >&2; exit 1; }
if [ ! -x tests/node_modules/.bin/azurite ] || [ ! -d tests/node_modules/playwright-core ] || [ ! -d tests/node_modules/@microsoft/signalr ] \
   || [ ! -d tests/node_modules/@upstash/ratelimit ] || [ ! -d tests/node_modules/@upstash/lock ]; then
  echo "== installing the tests' npm tools (tests/package.json)"
  npm ci --prefix tests --no-audit --no-fund
fi
# A test that runs 10 minutes is hung: the runner stops it and names it (the run fails) instead of
# spending CI's whole budget waiting.
dotnet test Serverless.Store.sln --nologo --blame-hang-timeout 10m --blame-hang-dump-type none "$@"
echo "== dotnet pack: the .NET client's NuGet package (client/)"
pack_out=$(mktemp -d)
dotnet pack client/Serverless.Store.Client.csproj -c Release --nologo -v q -o "$pack_out"
ls "$pack_out"/Serverless.Store.Client.*.nupkg >/dev/null
echo "== dotnet pack: store-cli's .NET tool package (cli/)"
dotnet pack cli/Serverless.Store.Cli.csproj -c Release --nologo -v q -o "$pack_out"
ls "$pack_out"/Serverless.Store.Cli.*.nupkg >/dev/null
rm -rf "$pack_out"
