#!/usr/bin/env bash
# Diagnosis latency: how long after an alert's 202 the first cited diagnosis is stored, for a
# bundle-like service (20,000 log lines with a stack-trace storm, an OpenMetrics file, a 500-commit
# git repository with one bad commit, a deploy record). RUNS alerts, one after another, each a new
# incident over the same evidence; prints p50/p99 of first and final diagnosis.
#
#   scripts/bench/diagnosis.sh          # RUNS=10 LINES=20000 COMMITS=500; results in test-output/bench/diagnosis.txt
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(ih_root)
RUNS=${RUNS:-10}
LINES=${LINES:-20000}
COMMITS=${COMMITS:-500}
OUT="$ROOT/test-output/bench"
mkdir -p "$OUT"

ensure_apt postgresql git || ih_die "could not install the benchmark's packages"
ensure_dotnet

TMP=$(mktemp -d -t incidenthub-diag.XXXXXX)
chmod 755 "$TMP"
APP_PID=""
cleanup() {
  [[ -n "$APP_PID" ]] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  "$ROOT/scripts/pg.sh" stop "$TMP/pg" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

PG=$(PG_EXTRA_OPTS="-c fsync=off" "$ROOT/scripts/pg.sh" start "$TMP/pg")
PG_PORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PG")
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE incidenthub" >/dev/null
CONN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=incidenthub"

ih_log "building IncidentHub and the benchmark tool (Release)"
dotnet build "$ROOT/src/IncidentHub.Web" -c Release -nologo -v quiet >/dev/null
dotnet build "$ROOT/tests/IncidentHub.Benchmarks" -c Release -nologo -v quiet >/dev/null
BENCH="$ROOT/tests/IncidentHub.Benchmarks/bin/Release/net10.0/IncidentHub.Benchmarks.dll"
BIN="$ROOT/src/IncidentHub.Web/bin/Release/net10.0"

ih_log "generating the service: $LINES log lines, $COMMITS commits"
dotnet "$BENCH" diagnosis setup --dir "$TMP/service" --lines "$LINES" --commits "$COMMITS"

HOOK_TOKEN=iht_diagnosisbenchdiagnosisbench00000000
API_TOKEN=ih_diagnosis_bench_admin_token_000000000
IH_PORT=$(free_port)
export ConnectionStrings__Postgres="$CONN" IncidentHub__Role=all ASPNETCORE_ENVIRONMENT=Production
export Seed__DemoIntegrations__Alertmanager=$HOOK_TOKEN Seed__CatalogPath="$TMP/service/services.yaml"
export Seed__Admin__Email=bench@incidenthub.local Seed__Admin__Password='Bench!pass-123' Seed__Admin__ApiToken=$API_TOKEN
export Logging__LogLevel__Default=Warning ASPNETCORE_URLS="http://127.0.0.1:$IH_PORT"
(cd "$BIN" && dotnet IncidentHub.Web.dll migrate >/dev/null)
(cd "$BIN" && exec dotnet IncidentHub.Web.dll >"$TMP/app.log" 2>&1) &
APP_PID=$!
wait_for_port "$IH_PORT" 90 "$APP_PID" || { tail -30 "$TMP/app.log"; ih_die "IncidentHub did not start"; }
until curl -sf "http://127.0.0.1:$IH_PORT/health" >/dev/null; do sleep 0.2; done

dotnet "$BENCH" diagnosis run --url "http://127.0.0.1:$IH_PORT" --pg "$CONN" --hook "/hooks/alertmanager/$HOOK_TOKEN" \
  --token "$API_TOKEN" --dir "$TMP/service" --runs "$RUNS" | tee "$OUT/diagnosis.txt"
