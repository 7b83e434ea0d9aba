#!/usr/bin/env bash
# Storm and wall benchmark: IncidentHub as four processes on one private PostgreSQL (two web, two workers; the
# topology of docs/deployment.md), filled through its webhooks with FILL alerts in INCIDENTS open incidents (a database
# after a flood), then measured with the whole team watching: the wall's read, WALLS headless Chromium walls split
# over both web processes timing each new incident's row, a click from the wall to an incident, memory per open
# wall; once quiet and once during a storm of STORM_ALERTS alerts in STORM_SECONDS through both web processes
# (every alert stored, one incident per group, no 5xx but backpressure).
# Targets: the wall's read < 20 ms after 500,000 alerts; a new incident on 50 open walls < 500 ms p99, storm too.
#
#   scripts/bench/storm.sh        # FILL=500000 INCIDENTS=344 WALLS=50 PROBES=20 STORM_ALERTS=50000 STORM_SECONDS=60
#                                 # results also in test-output/bench/storm.txt
#   TIMING=0 scripts/bench/storm.sh   # without the step timings: by default the web processes log each step of a new
#                                     # incident and of a click at Debug, and the report says where the time went
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(ih_root)
FILL=${FILL:-500000}
INCIDENTS=${INCIDENTS:-344}
WALLS=${WALLS:-50}
PROBES=${PROBES:-20}
STORM_ALERTS=${STORM_ALERTS:-50000}
STORM_SECONDS=${STORM_SECONDS:-60}
TIMING=${TIMING:-1}
OUT="$ROOT/test-output/bench"
mkdir -p "$OUT"
REPORT="$OUT/storm.txt"

ensure_apt postgresql chromium wrk fonts-dejavu-core || ih_die "could not install the benchmark's packages"
ensure_dotnet

TMP=$(mktemp -d -t incidenthub-bench.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$ROOT/scripts/pg.sh" stop "$TMP/pg" >/dev/null 2>&1 || true
  # The processes' logs stay for a look after a failed run (they hold no secret: tokens are never logged).
  mkdir -p "$OUT/logs" && cp "$TMP"/*.log "$OUT/logs/" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

PG=$(PG_EXTRA_OPTS="-c shared_buffers=256MB -c max_connections=400" "$ROOT/scripts/pg.sh" start "$TMP/pg")
PG_PORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PG")
psql_q() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d incidenthub -tAc "$1"; }
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE incidenthub" >/dev/null
PG_DB="${PG/Database=postgres/Database=incidenthub}"

ih_log "building (Release)"
dotnet build "$ROOT/src/IncidentHub.Web" -c Release -nologo -v quiet >/dev/null
dotnet build "$ROOT/tests/IncidentHub.Benchmarks" -c Release -nologo -v quiet >/dev/null
BIN="$ROOT/src/IncidentHub.Web/bin/Release/net10.0"
BENCH=(dotnet "$ROOT/tests/IncidentHub.Benchmarks/bin/Release/net10.0/IncidentHub.Benchmarks.dll")

TOKEN="ih_bench_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HOOK_TOKEN="bench-am-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PASSWORD="Bench!$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ASPNETCORE_ENVIRONMENT=Development
export ConnectionStrings__Postgres="$PG_DB"
export Seed__Admin__Email=bench@incidenthub.local Seed__Admin__Password="$PASSWORD" Seed__Admin__ApiToken="$TOKEN"
export Seed__DemoIntegrations__Alertmanager="$HOOK_TOKEN"
export Seed__CatalogPath="$ROOT/seed-data/services.yaml"
export Seed__PlaybooksPath="$ROOT/seed-data/playbooks.yaml"
export Bundles__DataDirectory="$TMP/bundles"
export CodeFix__WorkDirectory="$TMP/worktrees"

ih_log "migrating"
(cd "$BIN" && dotnet IncidentHub.Web.dll migrate >"$TMP/migrate.log" 2>&1) || { cat "$TMP/migrate.log" >&2; ih_die "migrate failed"; }

TIMING_ENV=()
if [[ "$TIMING" == 1 ]]; then
  TIMING_ENV=("Logging__LogLevel__IncidentHub.Web.Features.Incidents.WallFeed=Debug" "Logging__LogLevel__IncidentHub.Web.Infrastructure.Live.IncidentNotifier=Debug"
    "Logging__LogLevel__IncidentHub.Web.Features.Incidents.Pages.IncidentPage=Debug")
fi
start() { # name role port
  (cd "$BIN" && IncidentHub__Role="$2" ASPNETCORE_URLS="http://127.0.0.1:$3" IncidentHub__PublicBaseUrl="http://127.0.0.1:$3" \
    exec env "${TIMING_ENV[@]}" dotnet IncidentHub.Web.dll >"$TMP/$1.log" 2>&1) &
  PIDS+=("$!")
}
PORT_A=$(free_port) ; start web-a Web "$PORT_A"; PID_A=${PIDS[-1]}
PORT_B=$(free_port) ; start web-b Web "$PORT_B"; PID_B=${PIDS[-1]}
start worker-1 Worker "$(free_port)"
start worker-2 Worker "$(free_port)"
for port in "$PORT_A" "$PORT_B"; do
  for _ in $(seq 240); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/health" || true)" == 200 ]] && break
    sleep 0.5
  done
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/health" || true)" == 200 ]] || { tail -30 "$TMP"/web-*.log >&2; ih_die "web process on $port did not become healthy"; }
done
HOOK_A="http://127.0.0.1:$PORT_A/hooks/alertmanager/$HOOK_TOKEN"
HOOK_B="http://127.0.0.1:$PORT_B/hooks/alertmanager/$HOOK_TOKEN"

ih_log "filling: $FILL alerts in $INCIDENTS groups through both web processes (wrk, 100 alerts per request)"
round=0
while (( $(psql_q 'SELECT count(*) FROM alerts') < FILL )); do
  round=$((round + 1))
  for hook in "$HOOK_A" "$HOOK_B"; do
    BATCH=100 MODE=distinct ALERT_GROUPS="$INCIDENTS" RUN="fill$round" GROUP_RUN=fill wrk -t2 -c4 -d5s -s "$ROOT/scripts/bench/alerts.lua" "$hook" >/dev/null
  done
  while (( $(psql_q "SELECT count(*) FROM alert_events WHERE \"Status\" = 'Received'") > 0 )); do sleep 1; done
done
# Triage and investigation of the flood's incidents settle before measuring (the storm gate held them).
for _ in $(seq 600); do
  (( $(psql_q "SELECT count(*) FROM hangfire.jobqueue") == 0 )) && break
  sleep 1
done

{
  echo "# scripts/bench/storm.sh on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ): 2 web + 2 worker processes, one PostgreSQL; $(uptime | sed 's/.*load/load/')"
  echo "database: $(psql_q 'SELECT count(*) FROM alerts') alerts, $(psql_q "SELECT count(*) FROM incidents WHERE \"State\" <> 'Resolved'") open incidents"
  WALL_ARGS=(wall --pg "$PG_DB" --web "http://127.0.0.1:$PORT_A,http://127.0.0.1:$PORT_B" --hook "$HOOK_A" --token "$TOKEN"
    --email bench@incidenthub.local --password "$PASSWORD" --walls "$WALLS" --incidents "$PROBES" --pids "$PID_A,$PID_B"
    --chromium "${CHROMIUM_PATH:-/usr/bin/chromium}")
  [[ "$TIMING" == 1 ]] && WALL_ARGS+=(--logs "$TMP/web-a.log,$TMP/web-b.log")
  # A wall that missed a probe fails the run at the end, not before the storm is measured.
  "${BENCH[@]}" "${WALL_ARGS[@]}" --dump-frames "$OUT/frames-quiet.txt" --label quiet || { QUIET_FAILED=1; echo "[quiet] FAILED: see above (a wall missed a probe, or the storm)"; }
  echo "after the quiet run: $(uptime | sed 's/.*load/load/')"
  # The walls open first; the storm starts once they are, and the probes and clicks run inside it.
  "${BENCH[@]}" "${WALL_ARGS[@]}" --dump-frames "$OUT/frames-storm.txt" --label storm --storm-hooks "$HOOK_A,$HOOK_B" --storm-alerts "$STORM_ALERTS" --storm-seconds "$STORM_SECONDS"
  echo "after the storm run: $(uptime | sed 's/.*load/load/')"
  [[ -z "${QUIET_FAILED:-}" ]]
} | tee "$REPORT"
