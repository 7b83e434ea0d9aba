#!/usr/bin/env bash
# Ingestion benchmark: IncidentHub and the Debian prometheus-alertmanager side by side on this
# machine, flooded with the same Alertmanager-format alerts (wrk; 2 and 8 connections; batches of
# 1, 10 and 100 alerts per request; distinct and repeated label sets; DURATION seconds each).
# Alertmanager keeps alerts in memory; IncidentHub commits every raw payload to PostgreSQL
# (fsync on, synchronous_commit on) before it answers 202.
#
#   scripts/bench/ingest.sh            # DURATION=20 by default; results also in test-output/bench/ingest.txt
#   CONNECTIONS=2 BATCHES=10 MODES=distinct scripts/bench/ingest.sh   # one cell, then the steady run
#   APP_ENV="DOTNET_gcServer=0" scripts/bench/ingest.sh                # extra environment for the app (experiments)
#
# Then: IncidentHub drains its backlog and the repeated identities are checked (one row per
# identity, counts adding up to every accepted notification).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ROOT=$(ih_root)
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-"2 8"}
BATCHES=${BATCHES:-"1 10 100"}
MODES=${MODES:-"distinct repeated"}
OUT="$ROOT/test-output/bench"
mkdir -p "$OUT"
REPORT="$OUT/ingest.txt"

ensure_apt postgresql prometheus-alertmanager wrk || ih_die "could not install the benchmark's packages"
ensure_dotnet

TMP=$(mktemp -d -t incidenthub-bench.XXXXXX)
chmod 755 "$TMP"
APP_PID="" AM_PID=""
cleanup() {
  [[ -n "$APP_PID" ]] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  [[ -n "$AM_PID" ]] && kill "$AM_PID" 2>/dev/null && wait "$AM_PID" 2>/dev/null || true
  "$ROOT/scripts/pg.sh" stop "$TMP/pg" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# PostgreSQL with its normal durability: the 202 means the payload is on disk.
PG=$("$ROOT/scripts/pg.sh" start "$TMP/pg")
PG_PORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PG")
psql_q() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d incidenthub -tAc "$1"; }
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE incidenthub" >/dev/null

ih_log "building IncidentHub (Release)"
dotnet build "$ROOT/src/IncidentHub.Web" -c Release -nologo -v quiet >/dev/null
dotnet build "$ROOT/tests/IncidentHub.Benchmarks" -c Release -nologo -v quiet >/dev/null
BIN="$ROOT/src/IncidentHub.Web/bin/Release/net10.0"
TOKEN=iht_benchmarkbenchmarkbenchmarkbenchmark0000
IH_PORT=$(free_port)
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=incidenthub;Maximum Pool Size=50"
export Seed__DemoIntegrations__Alertmanager=$TOKEN ASPNETCORE_ENVIRONMENT=Production
export Logging__LogLevel__Default=Warning
(cd "$BIN" && dotnet IncidentHub.Web.dll migrate >/dev/null)
(cd "$BIN" && exec env ${APP_ENV:-} IncidentHub__Role=all ASPNETCORE_URLS="http://127.0.0.1:$IH_PORT" dotnet IncidentHub.Web.dll >"$TMP/app.log" 2>&1) &
APP_PID=$!

AM_PORT=$(free_port)
cat >"$TMP/am.yml" <<'YAML'
route:
  receiver: blackhole
receivers:
  - name: blackhole
YAML
/usr/bin/prometheus-alertmanager --config.file="$TMP/am.yml" --storage.path="$TMP/am" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= --log.level=warn >"$TMP/am.log" 2>&1 &
AM_PID=$!
wait_for_port "$IH_PORT" 90 "$APP_PID" || { tail -30 "$TMP/app.log"; ih_die "IncidentHub did not start"; }
wait_for_port "$AM_PORT" 30 "$AM_PID" || ih_die "Alertmanager did not start"
until curl -sf "http://127.0.0.1:$IH_PORT/health" >/dev/null; do sleep 0.2; done

drain() { # wait until IncidentHub has applied everything it accepted
  local n
  for _ in $(seq 1 600); do
    n=$(psql_q "SELECT count(*) FROM alert_events WHERE \"Status\" = 'Received'")
    [[ "$n" == 0 ]] && return 0
    sleep 0.5
  done
  ih_log "backlog did not drain: $n events still Received"
}

flood() { # flood TARGET FORMAT CONNECTIONS BATCH MODE RUN -> "alerts_per_s non2xx p99ms"
  local url=$1 format=$2 c=$3 b=$4 mode=$5 run=$6 t line
  t=$((c < 2 ? c : 2))
  line=$(FORMAT=$format BATCH=$b MODE=$mode RUN=$run wrk -t"$t" -c"$c" -d"${DURATION}s" --timeout 10s \
    -s "$ROOT/scripts/bench/alerts.lua" "$url" | grep '^RESULT')
  python3 - "$line" "$b" <<'PY'
import sys
kv = dict(p.split("=") for p in sys.argv[1].split()[1:])
ok = int(kv["requests"]) - int(kv["non2xx"]) - int(kv["errors"])
print(f'{ok * int(sys.argv[2]) / float(kv["seconds"]):.0f} {int(kv["non2xx"]) + int(kv["errors"])} {kv["p99ms"]} {ok}')
PY
}

{
  echo "IncidentHub vs Alertmanager 0.25, accepted alerts/s, ${DURATION}s per cell, $(nproc) cores, $(date -u +%F)"
  printf '%-5s %-6s %-9s | %12s %7s | %12s %7s %9s | %6s\n' conns batch labels "alertmanager" "non2xx" "incidenthub" "non2xx" "p99 ms" "ratio"
} | tee "$REPORT"
REPEATED_ACCEPTED=0
IN_FLIGHT=0
RUN=0
for c in $CONNECTIONS; do
  for b in $BATCHES; do
    for mode in $MODES; do
      RUN=$((RUN + 1))
      read -r am_rate am_bad _ _ < <(flood "http://127.0.0.1:$AM_PORT/api/v2/alerts" api "$c" "$b" "$mode" "$RUN")
      drain
      read -r ih_rate ih_bad ih_p99 ih_ok < <(flood "http://127.0.0.1:$IH_PORT/hooks/alertmanager/$TOKEN" webhook "$c" "$b" "$mode" "$RUN")
      if [[ "$mode" == repeated ]]; then
        REPEATED_ACCEPTED=$((REPEATED_ACCEPTED + ih_ok * b))
        IN_FLIGHT=$((IN_FLIGHT + c * b)) # requests still in flight when wrk stopped counting may be accepted too
      fi
      ratio=$(python3 -c "print(f'{$ih_rate / max($am_rate, 1):.2f}x')")
      printf '%-5s %-6s %-9s | %12s %7s | %12s %7s %9s | %6s\n' "$c" "$b" "$mode" "$am_rate" "$am_bad" "$ih_rate" "$ih_bad" "$ih_p99" "$ratio" | tee -a "$REPORT"
    done
  done
done

drain
# Latency at a steady 200 requests/s (one new alert group each): webhook p99, and how long after
# its 202 the new incident is announced to every open wall (pg_notify seen on a LISTEN connection).
LAT=$(dotnet "$ROOT/tests/IncidentHub.Benchmarks/bin/Release/net10.0/IncidentHub.Benchmarks.dll" latency \
  --url "http://127.0.0.1:$IH_PORT/hooks/alertmanager/$TOKEN" \
  --pg "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=incidenthub" --rate "${RATE:-200}" --seconds "$DURATION" | tee "$TMP/latency.txt" | grep '^RESULT')
grep -E '^(WARMUP|WINDOWS)' "$TMP/latency.txt" >&2 || true
echo "steady ${RATE:-200} req/s for ${DURATION}s: ${LAT#RESULT }" | tee -a "$REPORT"

drain
rows=$(psql_q "SELECT count(*) FROM alerts WHERE \"Fingerprint\" LIKE 'rep-%'")
total=$(psql_q "SELECT coalesce(sum(\"Count\"), 0) FROM alerts WHERE \"Fingerprint\" LIKE 'rep-%'")
failed=$(psql_q "SELECT count(*) FROM alert_events WHERE \"Status\" IN ('Failed', 'Received')")
{
  echo "repeated identities: $rows rows (expected 100); notification count sum $total (expected $REPEATED_ACCEPTED acknowledged, up to $IN_FLIGHT more in flight at the end of each run); failed/unapplied events: $failed"
} | tee -a "$REPORT"
