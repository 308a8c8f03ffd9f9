# Shared by the measuring scripts in tests/tools (sourced, not run): an Azurite of the script's own,
# its connection string, the Functions app's local settings, and the clock and median the scripts report with.

# azurite_start FIRST-PORT FOLDER: Azurite on FIRST-PORT (blob), +1 (queue), +2 (table), data in
# FOLDER; sets azurite_pid and conn (the well-known development account, on those ports).
azurite_start() {
  local blob=$1 queue=$(($1 + 1)) table=$(($1 + 2))
  conn="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
  tests/node_modules/.bin/azurite --silent --location "$2/azurite" --skipApiVersionCheck --loose \
    --blobPort "$blob" --queuePort "$queue" --tablePort "$table" > "$2/azurite.log" 2>&1 &
  azurite_pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$table") 2>/dev/null && break; sleep 0.1; done
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# median NAME FIELD FILE: the median of FIELD over FILE's lines whose first field is NAME.
median() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$3" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# functions_settings TOKEN FILE: the Functions app's local.settings.json for the scripts that run it
# under the real host: the sample's values, storage at $conn (azurite_start), the store's token, and
# the timers moved to once a year so they do not run in the measurements.
functions_settings() {
  python3 - "$conn" "$1" "$2" <<'PY'
import json, sys
settings = json.load(open("local.settings.sample.json"))
settings["Values"].update({"AzureWebJobsStorage": sys.argv[1], "STORE_TOKEN": sys.argv[2],
                           "TtlSweepSchedule": "0 0 0 1 1 *", "EntityCleanupSchedule": "0 0 0 1 1 *", "SnapshotSchedule": "0 0 0 1 1 *"})
json.dump(settings, open(sys.argv[3], "w"))
PY
}
